import { describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import siteStats from '../../../streams/site-stats.js';
import type { SensorReading } from '../../../streams/types.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0); // on the minute
const sec = (s: number) => T0 + s * 1000;
const reading = (sensorId: string, site: string, s: number, temperature: number): SensorReading => ({ sensorId, site, ts: sec(s), temperature, humidity: 40, battery: 90 });

describe('streams/site-stats', () => {
  it('emits one record per site and minute over all its sensors, when the minute closes', async () => {
    const driver = await TestDriver.create(siteStats);
    driver.pipe('readings', reading('s1', 'plant-a', 5, 20)).pipe('readings', reading('s2', 'plant-a', 30, 24)).pipe('readings', reading('s3', 'plant-b', 40, 18));
    driver.pipe('readings', reading('s1', 'plant-a', 69, 21)); // next minute, the first is in its grace
    expect(driver.readValues()).toEqual([]);
    driver.pipe('readings', reading('s3', 'plant-b', 70, 19)); // end + 10 s: the first minute closes
    expect(driver.readOutputs().map((o) => [o.key, o.value])).toEqual([
      ['plant-a', { site: 'plant-a', windowStart: T0, windowEnd: sec(60), count: 2, meanTemperature: 22, minTemperature: 20, maxTemperature: 24 }],
      ['plant-b', { site: 'plant-b', windowStart: T0, windowEnd: sec(60), count: 1, meanTemperature: 18, minTemperature: 18, maxTemperature: 18 }],
    ]);
  });
});
