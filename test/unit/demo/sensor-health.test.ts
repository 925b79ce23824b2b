import { describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import { sensorMetadata, sensorProfiles } from '../../../src/sources/fleet-model.js';
import sensorHealth from '../../../streams/sensor-health.js';
import type { SensorMetadata, SensorStats } from '../../../streams/types.js';

const minute = (sensorId: string, windowStart: number, maxTemperature: number): SensorStats => ({
  sensorId,
  windowStart,
  windowEnd: windowStart + 60_000,
  count: 120,
  meanTemperature: maxTemperature - 0.5,
  minTemperature: maxTemperature - 1,
  maxTemperature,
  stddevTemperature: 0.2,
  meanHumidity: 40,
});

describe('sensor-health (sensor.stats joined with the sensor.metadata table)', () => {
  it('gives each minute its sensor’s place, model and limit, and the headroom under it', async () => {
    const driver = await TestDriver.create(sensorHealth);
    const rows = sensorProfiles(20, 1).map((p) => sensorMetadata(p, 1));
    for (const row of rows) driver.table('metadata', row.sensorId, row);
    const row7 = rows[6]!;
    driver.pipe('stats', minute('sensor-07', 0, row7.maxTemperature - 2));
    driver.pipe('stats', minute('sensor-07', 60_000, row7.maxTemperature + 1.25));
    const [under, over] = driver.readValues();
    expect(under).toMatchObject({ sensorId: 'sensor-07', site: row7.site, location: row7.location, model: row7.model, limit: row7.maxTemperature, headroom: 2 });
    expect(over!.headroom).toBeCloseTo(-1.25, 6);
  });

  it('uses the row as it stands when the minute comes, and dead-letters a minute of a sensor with no row', async () => {
    const driver = await TestDriver.create(sensorHealth);
    const row: SensorMetadata = { sensorId: 'sensor-01', site: 'plant-a', location: 'plant-a / hall 1', model: 'TH-200', installedAt: 0, maxTemperature: 30 };
    driver.pipe('stats', minute('sensor-01', 0, 25));
    driver.table('metadata', 'sensor-01', row);
    driver.pipe('stats', minute('sensor-01', 60_000, 25));
    driver.table('metadata', 'sensor-01', { ...row, maxTemperature: 26 });
    driver.pipe('stats', minute('sensor-01', 120_000, 25));
    driver.table('metadata', 'sensor-01', null);
    driver.pipe('stats', minute('sensor-01', 180_000, 25));
    expect(driver.readValues().map((h) => h.headroom)).toEqual([5, 1]);
    const letters = driver.readDeadLetters();
    expect(letters.map((l) => [l.reason, (l.value as SensorStats).windowStart])).toEqual([
      ['unmatched', 0],
      ['unmatched', 180_000],
    ]);
    expect(letters[0]!.message).toMatch(/sensor\.metadata has no row for key "sensor-01"/);
  });

  it('keeps every healthy minute of the simulated fleet under its limit', async () => {
    // The limit's margin, checked against the fleet model: a healthy sensor's warmest reading stays under it.
    const { readingAt } = await import('../../../src/sources/fleet-model.js');
    const { FaultSchedule } = await import('../../../src/sources/fleet-faults.js');
    const profiles = sensorProfiles(20, 1);
    const schedule = new FaultSchedule({}, 1, 20);
    let closest = Number.POSITIVE_INFINITY;
    for (const p of profiles) {
      const limit = sensorMetadata(p, 1).maxTemperature;
      for (let ts = 0; ts < 2 * 86_400_000; ts += 7_000) closest = Math.min(closest, limit - readingAt(p, ts, 1, schedule)!.temperature);
    }
    expect(closest).toBeGreaterThan(0);
  });
});
