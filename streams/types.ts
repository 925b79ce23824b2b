/**
 * The records of the demo topics, as TypeScript sees them: one interface per schema in
 * `schemas/`. Hand-written for now (keep them in step with the .avsc files; a test checks
 * the field names); a later version generates them from the schemas.
 *
 * `timestamp-millis` fields are plain numbers (milliseconds since the epoch), as fastdata
 * reads and writes them.
 */

/** `schemas/sensor-reading.avsc`, topic `sensor.readings`, key `sensorId`. */
export interface SensorReading {
  sensorId: string;
  site: string;
  /** Event time, ms since the epoch. */
  ts: number;
  /** °C */
  temperature: number;
  /** Relative humidity, % */
  humidity: number;
  /** Charge, % */
  battery: number;
}

/** `schemas/site-stats.avsc`, topic `site.stats`, key `site`. */
export interface SiteStats {
  site: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  meanTemperature: number;
  minTemperature: number;
  maxTemperature: number;
}

/** `schemas/sensor-stats.avsc`, topic `sensor.stats`, key `sensorId`. */
export interface SensorStats {
  sensorId: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  meanTemperature: number;
  minTemperature: number;
  maxTemperature: number;
  stddevTemperature: number;
  meanHumidity: number;
}

/** `schemas/sensor-anomaly.avsc`, topic `sensor.anomalies`, key `sensorId`. */
export interface SensorAnomaly {
  sensorId: string;
  windowStart: number;
  windowEnd: number;
  meanTemperature: number;
  expected: number;
  stddev: number;
  zscore: number;
  anomalous: boolean;
  stuck: boolean;
  observations: number;
}

/** `schemas/sensor-metadata.avsc`, compacted topic `sensor.metadata` (a table), key `sensorId`; written by the generator. */
export interface SensorMetadata {
  sensorId: string;
  site: string;
  location: string;
  model: string;
  installedAt: number;
  maxTemperature: number;
}

/** `schemas/sensor-health.avsc`, topic `sensor.health`, key `sensorId`. */
export interface SensorHealth {
  sensorId: string;
  site: string;
  location: string;
  model: string;
  windowStart: number;
  windowEnd: number;
  maxTemperature: number;
  limit: number;
  headroom: number;
}
