/**
 * The Avro schema of `sensor.metadata`, as the generator registers it: one row per sensor
 * (a compacted topic keyed by sensorId), which modules join readings and stats with. The
 * same schema as the demo project's `schemas/sensor-metadata.avsc` (a test keeps them equal).
 */
export const SENSOR_METADATA_SCHEMA = {
  type: 'record',
  name: 'SensorMetadata',
  namespace: 'fastdata.demo',
  doc: 'What is known of one sensor of the demo fleet (compacted topic sensor.metadata, key sensorId): where it is, what it is, its rated limit.',
  fields: [
    { name: 'sensorId', type: 'string', doc: 'The sensor, e.g. sensor-07; also the record key.' },
    { name: 'site', type: 'string', doc: 'The plant the sensor is in, e.g. plant-a.' },
    { name: 'location', type: 'string', doc: 'Where in the plant, e.g. plant-a / hall 2.' },
    { name: 'model', type: 'string', doc: 'The sensor model, e.g. TH-200.' },
    { name: 'installedAt', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'When the sensor was installed, milliseconds since the epoch.' },
    { name: 'maxTemperature', type: 'double', doc: 'The highest temperature its room should reach, degrees Celsius: above it, something is wrong.' },
  ],
} as const;
