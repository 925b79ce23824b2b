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

/** `schemas/sensor-forecast.avsc`, topic `sensor.forecast`, key `sensorId` (as `fastdata schema gen` writes it). */
export interface SensorForecast {
  sensorId: string;
  windowStart: number;
  windowEnd: number;
  /** The minute's mean temperature, °C. */
  actual: number;
  /** This minute's forecast, made before it arrived, °C. */
  forecast: number;
  /** actual - forecast, °C. */
  error: number;
  /** The next minute's forecast, °C. */
  forecastNext: number;
  /** Exponentially weighted (0.1) MAE and RMSE of the forecasts, °C. */
  mae: number;
  rmse: number;
  /** Minutes forecast so far. */
  forecasts: number;
}

/** `schemas/sensor-drift.avsc`, topic `sensor.drift`, key `sensorId`: one record per sensor and minute. */
export interface SensorDrift {
  sensorId: string;
  windowStart: number;
  windowEnd: number;
  meanTemperature: number;
  /** The sensor's level before the minute, °C. */
  expected: number;
  /** meanTemperature - expected, °C. */
  deviation: number;
  /** The test's accumulated excess over the tolerance, °C·minutes. */
  evidence: number;
  /** true on the minute that completed the evidence of a drift. */
  drift: boolean;
  /** Minutes watched since the test (re)started. */
  minutes: number;
  detections: number;
}
