import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { SENSOR_METADATA_SCHEMA } from '../../../src/sources/sensor-metadata-schema.js';
import type { SensorAnomaly, SensorDrift, SensorForecast, SensorHealth, SensorMetadata, SensorReading, SensorStats, SiteStats } from '../../../streams/types.js';

interface AvscField {
  name: string;
  type: unknown;
  doc?: string;
}

const avsc = (file: string) => JSON.parse(readFileSync(`schemas/${file}`, 'utf8')) as { name: string; namespace: string; doc?: string; fields: AvscField[] };

// Record<keyof X, true> fails to compile when streams/types.ts gains or loses a field.
const readingFields: Record<keyof SensorReading, true> = { sensorId: true, site: true, ts: true, temperature: true, humidity: true, battery: true };
const statsFields: Record<keyof SensorStats, true> = {
  sensorId: true,
  windowStart: true,
  windowEnd: true,
  count: true,
  meanTemperature: true,
  minTemperature: true,
  maxTemperature: true,
  stddevTemperature: true,
  meanHumidity: true,
};
const siteStatsFields: Record<keyof SiteStats, true> = {
  site: true,
  windowStart: true,
  windowEnd: true,
  count: true,
  meanTemperature: true,
  minTemperature: true,
  maxTemperature: true,
};
const anomalyFields: Record<keyof SensorAnomaly, true> = {
  sensorId: true,
  windowStart: true,
  windowEnd: true,
  meanTemperature: true,
  expected: true,
  stddev: true,
  zscore: true,
  anomalous: true,
  stuck: true,
  observations: true,
};

const metadataFields: Record<keyof SensorMetadata, true> = { sensorId: true, site: true, location: true, model: true, installedAt: true, maxTemperature: true };
const healthFields: Record<keyof SensorHealth, true> = {
  sensorId: true,
  site: true,
  location: true,
  model: true,
  windowStart: true,
  windowEnd: true,
  maxTemperature: true,
  limit: true,
  headroom: true,
};

const forecastFields: Record<keyof SensorForecast, true> = {
  sensorId: true,
  windowStart: true,
  windowEnd: true,
  actual: true,
  forecast: true,
  error: true,
  forecastNext: true,
  mae: true,
  rmse: true,
  forecasts: true,
};
const driftFields: Record<keyof SensorDrift, true> = {
  sensorId: true,
  windowStart: true,
  windowEnd: true,
  meanTemperature: true,
  expected: true,
  deviation: true,
  evidence: true,
  drift: true,
  minutes: true,
  detections: true,
};

describe('demo schemas', () => {
  const cases = [
    ['sensor-reading.avsc', readingFields],
    ['sensor-stats.avsc', statsFields],
    ['sensor-anomaly.avsc', anomalyFields],
    ['site-stats.avsc', siteStatsFields],
    ['sensor-metadata.avsc', metadataFields],
    ['sensor-health.avsc', healthFields],
    ['sensor-forecast.avsc', forecastFields],
    ['sensor-drift.avsc', driftFields],
  ] as const;

  it.each(cases)('%s parses, documents every field and matches streams/types.ts', (file, fields) => {
    const schema = avsc(file);
    expect(() => parseAvroSchema(schema)).not.toThrow();
    expect(schema.namespace).toBe('fastdata.demo');
    expect(schema.doc).toBeTruthy();
    expect(schema.fields.filter((f) => !f.doc).map((f) => f.name)).toEqual([]);
    expect(schema.fields.map((f) => f.name).sort()).toEqual(Object.keys(fields).sort());
  });

  it('types every time as a timestamp-millis long', () => {
    const times = cases.flatMap(([file]) => avsc(file).fields.filter((f) => ['ts', 'windowStart', 'windowEnd', 'installedAt'].includes(f.name)).map((f) => [file, f.name, f.type]));
    expect(times.length).toBe(14);
    for (const [, , type] of times) expect(type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
  });

  it('the generator registers the same metadata schema as schemas/sensor-metadata.avsc', () => {
    expect(JSON.parse(JSON.stringify(SENSOR_METADATA_SCHEMA))).toEqual(avsc('sensor-metadata.avsc'));
  });
});
