import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import sensorDrift from '../../../streams/sensor-drift.js';
import sensorForecast from '../../../streams/sensor-forecast.js';
import sensorStats from '../../../streams/sensor-stats.js';
import type { SensorReading, SensorStats } from '../../../streams/types.js';
import { FleetHarness, MINUTE, T } from '../sources/fleet-fixtures.js';

const HOUR = 60 * MINUTE;

/**
 * The demo's models over the demo generator, as a user runs them without the runtime: two
 * hours of the fleet's backfill through sensor-stats, then sensor-drift and sensor-forecast.
 * Where the faults are comes from the generator's schedule, not from the models.
 */
describe('the demo models over the sensor fleet', () => {
  let h: FleetHarness;
  beforeEach(async () => {
    h = await FleetHarness.open();
  });
  afterEach(async () => {
    await h.close();
  });

  it('the drift test catches every overheating it can see, within the fault, and nothing else; the forecast beats "same as last minute"', async () => {
    const fleet = h.fleet({
      backfill: '2h',
      sensors: 4,
      rate: 8,
      faults: [
        { kind: 'overheating', every: '20m', duration: '4m', degrees: 8 },
        { kind: 'stuck', every: '40m', duration: '5m' },
        { kind: 'dead', every: '30m', duration: '3m' },
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
      driver.advanceWatermark(T + 10_000);
      stats.push(...driver.readValues());
    }
    stats.sort((a, b) => a.windowEnd - b.windowEnd || a.sensorId.localeCompare(b.sensorId));

    const drift = await TestDriver.create(sensorDrift);
    drift.pipeAll('stats', stats);
    expect(drift.readDeadLetters()).toEqual([]);
    const tested = drift.readValues();
    expect(tested).toHaveLength(stats.length - 4); // every minute but each sensor's first
    const detections = tested.filter((d) => d.drift);

    const faults = fleet.faultsBetween(T - 2 * HOUR, T);
    const during = (sensorId: string, t: number, slack: number) => faults.some((f) => f.sensorId === sensorId && t > f.since && t <= f.until + slack);
    // An overheating the readings show: not hidden by the sensor being dead or stuck meanwhile, and after the first minutes.
    const visible = faults.filter(
      (f) => f.kind === 'overheating' && f.since >= T - 2 * HOUR + 5 * MINUTE && !faults.some((g) => g !== f && g.sensorId === f.sensorId && g.since < f.until && g.until > f.since),
    );
    expect(visible.length).toBeGreaterThanOrEqual(4);
    for (const f of visible) {
      // Detected by the end of the minute after the fault ended (a minute's record is complete at its end).
      const hit = detections.find((d) => d.sensorId === f.sensorId && d.windowEnd > f.since && d.windowEnd <= f.until + MINUTE);
      expect(hit, `overheating of ${f.sensorId} at ${new Date(f.since).toISOString()}`).toBeDefined();
      expect(hit!.deviation).toBeGreaterThan(1);
    }
    // Every detection is of a fault (within 5 minutes after it, while the level settles): none on a healthy sensor.
    expect(detections.filter((d) => !during(d.sensorId, d.windowEnd, 5 * MINUTE))).toEqual([]);

    const forecast = await TestDriver.create(sensorForecast);
    forecast.pipeAll('stats', stats);
    expect(forecast.readDeadLetters()).toEqual([]);
    const rows = forecast.readValues();
    // Every minute but each sensor's first two (the dead faults' gaps are shorter than the 10 minutes that restart a model).
    expect(rows).toHaveLength(stats.length - 4 * 2);
    // On minutes away from any fault, the one-step forecast is closer than the last minute's mean.
    const previous = new Map(stats.map((s) => [`${s.sensorId}@${s.windowEnd}`, s.meanTemperature]));
    const calm = rows.filter((r) => !during(r.sensorId, r.windowEnd, 10 * MINUTE) && previous.has(`${r.sensorId}@${r.windowStart}`));
    expect(calm.length).toBeGreaterThan(200);
    const mae = calm.reduce((a, r) => a + Math.abs(r.actual - r.forecast), 0) / calm.length;
    const naive = calm.reduce((a, r) => a + Math.abs(r.actual - previous.get(`${r.sensorId}@${r.windowStart}`)!), 0) / calm.length;
    expect(mae).toBeLessThan(naive);
  });
});
