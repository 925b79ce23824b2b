/**
 * The Avro schema of `sensor.readings`, as the generator registers it. The same schema as
 * the demo project's `schemas/sensor-reading.avsc` (a test keeps them equal): the package
 * ships without the project's files, so the generator carries its own copy.
 */
export const SENSOR_READING_SCHEMA = {
  type: 'record',
  name: 'SensorReading',
  namespace: 'fastdata.demo',
  doc: 'One reading of one sensor of the demo fleet (topic sensor.readings, key sensorId).',
  fields: [
    { name: 'sensorId', type: 'string', doc: 'The sensor, e.g. sensor-07; also the record key.' },
    { name: 'site', type: 'string', doc: 'The plant the sensor is in, e.g. plant-a.' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'When the reading was taken (event time), milliseconds since the epoch.' },
    { name: 'temperature', type: 'double', doc: 'Air temperature, degrees Celsius.' },
    { name: 'humidity', type: 'double', doc: 'Relative humidity, percent (0-100).' },
    { name: 'battery', type: 'double', doc: 'Battery charge, percent (0-100).' },
  ],
} as const;
