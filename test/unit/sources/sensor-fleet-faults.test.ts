import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SensorFault } from '../../../src/sources/sensor-fleet.js';
import { FleetHarness, MINUTE, T, bySensor, meanOf, type Produced } from './fleet-fixtures.js';

const HOUR = 60 * MINUTE;

describe('sensor fleet: faults', () => {
  let h: FleetHarness;
  beforeEach(async () => {
    h = await FleetHarness.open();
  });
  afterEach(async () => {
    await h.close();
  });

  it('shows each fault in the data, where faultsBetween says it is, in the backfill too', async () => {
    const fleet = h.fleet({
      backfill: '1h',
      sensors: 6,
      rate: 12,
      faults: [
        { kind: 'overheating', every: '10m', duration: '4m', degrees: 8 },
        { kind: 'stuck', every: '10m', duration: '3m' },
        { kind: 'dead', every: '10m', duration: '2m' },
      ],
    });
    await fleet.start();
    const sensors = bySensor(await h.readings());
    const windows = fleet.faultsBetween(T - HOUR, T).filter((w) => w.since >= T - HOUR + MINUTE && w.until <= T - MINUTE);
    // Judge each fault on a sensor that has no other fault within a minute of it.
    const alone = windows.filter((w) => !windows.some((o) => o !== w && o.sensorId === w.sensorId && o.since < w.until + MINUTE && o.until + MINUTE > w.since));
    const of = (kind: SensorFault['kind']) => alone.filter((w) => w.kind === kind);
    for (const kind of ['overheating', 'stuck', 'dead'] as const) expect(of(kind).length).toBeGreaterThanOrEqual(2);

    const span = (w: SensorFault, from: number, to: number): Produced[] => sensors.get(w.sensorId)!.filter((r) => r.ts >= from && r.ts < to);
    const temps = (rs: Produced[]) => rs.map((r) => r.temperature);

    for (const w of of('overheating')) {
      const normal = meanOf(temps(span(w, w.since - MINUTE, w.since)));
      expect(meanOf(temps(span(w, w.since, w.since + 30_000))) - normal).toBeLessThan(2); // it ramps up...
      expect(meanOf(temps(span(w, w.until - MINUTE, w.until))) - normal).toBeGreaterThan(5); // ...to several degrees above normal
      expect(meanOf(temps(span(w, w.until, w.until + MINUTE))) - normal).toBeLessThan(2); // and drops back
    }
    for (const w of of('stuck')) {
      const during = span(w, w.since, w.until);
      expect(during.length).toBe(360); // still sending, every 500 ms
      expect(new Set(during.map((r) => `${r.temperature}/${r.humidity}`)).size).toBe(1);
      expect(new Set(temps(span(w, w.since - MINUTE, w.since))).size).toBeGreaterThan(10);
    }
    for (const w of of('dead')) {
      expect(span(w, w.since, w.until)).toEqual([]);
      expect(span(w, w.since - 5000, w.since).length).toBeGreaterThan(0);
      expect(span(w, w.until, w.until + 5000).length).toBeGreaterThan(0);
    }
  });

  it('lists the faults happening now in its stats, for the status page', async () => {
    const fleet = h.fleet({ backfill: 0, sensors: 3, rate: 3, faults: [{ kind: 'dead', every: '10m', duration: '9m' }] });
    await fleet.start();
    const [dead] = fleet.faultsBetween(T, T + 10 * MINUTE);
    await h.advance(fleet, dead!.since + MINUTE - T);
    expect(fleet.stats().activeFaults).toEqual([dead]);
    expect(fleet.stats().details).toContain(`faults now: dead ${dead!.sensorId}`);
    await h.advance(fleet, dead!.until - h.clock.now());
    expect(fleet.stats().activeFaults).toEqual([]);
  });

  it('sends some readings late: out of order, some beyond a 10 s grace, and every one in the end', async () => {
    const fleet = h.fleet({ backfill: '10m', faults: [{ kind: 'late', probability: 0.05, maxDelay: '30s' }] });
    await fleet.start();
    const held = fleet.stats().held;
    expect(held).toBeGreaterThan(0); // taken before start, due after it
    await h.advance(fleet, 30_000);

    const readings = await h.readings();
    const behind: number[] = [];
    for (const p of new Set(readings.map((r) => r.partition))) {
      let newest = -Infinity;
      for (const r of readings.filter((x) => x.partition === p).sort((a, b) => a.offset - b.offset)) {
        if (r.ts < newest) behind.push(newest - r.ts);
        newest = Math.max(newest, r.ts);
      }
    }
    const { late, produced } = fleet.stats();
    expect(late).toBeGreaterThan(0.03 * 24_000);
    expect(late).toBeLessThan(0.07 * 24_000);
    expect(behind.length).toBeGreaterThan(0.9 * late); // a reading delayed less than the step of its partition is not out of order
    expect(Math.max(...behind)).toBeLessThanOrEqual(30_000);
    expect(behind.filter((ms) => ms > 10_000).length).toBeGreaterThan(0.3 * behind.length);
    expect(behind.filter((ms) => ms <= 10_000).length).toBeGreaterThan(0.1 * behind.length);

    const backfilled = readings.filter((r) => r.ts < T);
    expect(new Set(backfilled.map((r) => `${r.sensorId}@${r.ts}`)).size).toBe(24_000);
    expect(produced).toBe(readings.length);
  });
});
