import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import sensorAnomalies from '../../../streams/sensor-anomalies.js';
import sensorStats from '../../../streams/sensor-stats.js';
import type { SensorAnomaly, SensorReading, SensorStats } from '../../../streams/types.js';
import { FleetHarness, MINUTE, T } from '../sources/fleet-fixtures.js';

const HOUR = 60 * MINUTE;

/**
 * The demo as a user runs it, without the runtime: the generator's backfill, through
 * sensor-stats (one task per partition, as the runtime runs it), through sensor-anomalies.
 */
describe('the demo pipeline over the sensor fleet', () => {
  let h: FleetHarness;
  beforeEach(async () => {
    h = await FleetHarness.open();
  });
  afterEach(async () => {
    await h.close();
  });

  it('scores every sensor-minute, catches overheating and stuck sensors, and stays quiet otherwise', async () => {
    const fleet = h.fleet({
      backfill: '2h',
      sensors: 4,
      rate: 8,
      faults: [
        { kind: 'overheating', every: '30m', duration: '5m', degrees: 8 },
        { kind: 'stuck', every: '40m', duration: '5m' },
      ],
    });
    await fleet.start();
    const readings = await h.readings();

    const stats: SensorStats[] = [];
    for (const partition of new Set(readings.map((r) => r.partition))) {
      const driver = await TestDriver.create(sensorStats, { partition });
      for (const { sensorId, site, ts, temperature, humidity, battery } of readings.filter((r) => r.partition === partition)) {
        driver.pipe('readings', { sensorId, site, ts, temperature, humidity, battery } satisfies SensorReading);
      }
      driver.advanceWatermark(T + 10_000); // the last minute closes, grace included
      stats.push(...driver.readValues());
      expect(driver.readDeadLetters()).toEqual([]);
    }
    expect(stats).toHaveLength(4 * 120);
    expect(stats.every((s) => s.count === 120)).toBe(true);

    const anomalies = await TestDriver.create(sensorAnomalies);
    anomalies.pipeAll('stats', [...stats].sort((a, b) => a.windowEnd - b.windowEnd || a.sensorId.localeCompare(b.sensorId)));
    const scored = anomalies.readValues();
    expect(scored).toHaveLength(stats.length);

    const faults = fleet.faultsBetween(T - 2 * HOUR, T);
    const minutesOf = (sensorId: string, from: number, to: number) => scored.filter((a) => a.sensorId === sensorId && a.windowStart >= from && a.windowEnd <= to);
    const overheating = faults.filter((f) => f.kind === 'overheating' && f.since >= T - 2 * HOUR + 10 * MINUTE);
    expect(overheating.length).toBeGreaterThanOrEqual(3);
    for (const f of overheating) {
      const during = minutesOf(f.sensorId, f.since, f.until + MINUTE);
      expect(during.some((a) => a.anomalous && a.zscore > 3)).toBe(true);
    }

    const stuck = faults.filter((f) => f.kind === 'stuck');
    expect(stuck.length).toBeGreaterThanOrEqual(2);
    const stuckMinutes = new Set(stuck.flatMap((f) => minutesOf(f.sensorId, f.since, f.until)));
    expect(stuckMinutes.size).toBeGreaterThanOrEqual(2 * 4);
    for (const a of scored) expect(a.stuck).toBe(stuckMinutes.has(a));

    // Outside the faults (and the quarter of an hour after each, while the model relearns), few false alarms.
    const near = (a: SensorAnomaly) => faults.some((f) => f.sensorId === a.sensorId && a.windowEnd > f.since && a.windowStart < f.until + 15 * MINUTE);
    const healthy = scored.filter((a) => a.observations >= 8 && !near(a));
    expect(healthy.length).toBeGreaterThan(200);
    expect(healthy.filter((a) => a.anomalous).length).toBeLessThanOrEqual(0.02 * healthy.length);
  });
});
