/**
 * The TestDriver with several partitions runs a task per partition, as the runtime does:
 * records piped with a key go to their key's task, keyBys send records owned elsewhere to
 * that task, and windows follow the lowest watermark of all tasks. Checked on the demo's
 * per-site module against counts the test computes itself.
 */
import { describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { map } from 'rxjs';
import { partitionForStringKey } from '../../../src/log/partitioner.js';
import siteStats from '../../../streams/site-stats.js';
import type { SensorReading } from '../../../streams/types.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const SENSORS = 200;
const SITES = 9;
const siteOf = (s: number) => `plant-${(s * 5) % SITES}`;

/** Every sensor every 2 s for 5 minutes, a little out of order within each round. */
function readings(): SensorReading[] {
  const all: SensorReading[] = [];
  for (let t = 0; t < 300; t += 2) {
    const round: SensorReading[] = [];
    for (let s = 0; s < SENSORS; s++) round.push({ sensorId: `s${s}`, site: siteOf(s), ts: T0 + t * 1000 + ((s * 13) % 1500), temperature: 20 + (s % 7), humidity: 40, battery: 90 });
    all.push(...round.reverse());
  }
  return all;
}

describe('TestDriver with 4 partitions', () => {
  it('computes per-site windows over sensor-keyed readings equal to the truth, through the keyBy’s repartitioning', async () => {
    // The premise: every site has sensors on every partition.
    for (let site = 0; site < SITES; site++) {
      const partitions = new Set(Array.from({ length: SENSORS }, (_, s) => s).filter((s) => siteOf(s) === `plant-${site}`).map((s) => partitionForStringKey(`s${s}`, 4)));
      expect(partitions.size).toBe(4);
    }
    const all = readings();
    const truth = new Map<string, number>();
    for (const r of all) {
      const id = `${r.site}@${Math.floor((r.ts - T0) / 60_000)}`;
      truth.set(id, (truth.get(id) ?? 0) + 1);
    }

    const driver = await TestDriver.create(siteStats, { partitions: 4 });
    for (const r of all) driver.pipe('readings', r, { key: r.sensorId });
    driver.advanceWatermark(T0 + 10 * 60_000);
    const got = new Map<string, number[]>();
    for (const w of driver.readValues()) {
      const id = `${w.site}@${(w.windowStart - T0) / 60_000}`;
      got.set(id, [...(got.get(id) ?? []), w.count]);
    }
    expect([...got].filter(([id, counts]) => counts.length !== 1 || counts[0] !== truth.get(id))).toEqual([]);
    expect(got.size).toBe(truth.size);
    expect(driver.counters.forwarded).toBeGreaterThan(all.length / 2);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('closes a window only when every task’s watermark has passed it, and keeps it across a restart', async () => {
    const driver = await TestDriver.create(siteStats, { partitions: 4 });
    const sensorsOn = (p: number) => Array.from({ length: SENSORS }, (_, s) => `s${s}`).filter((id) => partitionForStringKey(id, 4) === p);
    const [p0, p1] = [sensorsOn(0)[0]!, sensorsOn(1)[0]!];
    const reading = (sensorId: string, s: number): SensorReading => ({ sensorId, site: 'plant-x', ts: T0 + s * 1000, temperature: 20, humidity: 40, battery: 90 });
    driver.pipe('readings', reading(p0, 10), { key: p0 }).pipe('readings', reading(p1, 20), { key: p1 });
    driver.restart();
    // Partition 0 is a minute past the window's grace; the others have not moved: still open.
    driver.pipe('readings', reading(p0, 80), { key: p0 });
    expect(driver.readValues()).toEqual([]);
    driver.advanceWatermark(T0 + 75_000);
    expect(driver.readValues().map((w) => [w.site, w.count])).toEqual([['plant-x', 2]]);
  });

  it('dead-letters what a keyBy after a window would have to send elsewhere, as the runtime does', async () => {
    const twice = defineStream<{ readings: SensorReading }, { site: string; windowStart: number; n: number }>({
      name: 'twice',
      inputs: { readings: 'sensor.readings' },
      output: { topic: 't', schema: { type: 'record', name: 'T', fields: [{ name: 'site', type: 'string' }, { name: 'windowStart', type: 'long' }, { name: 'n', type: 'long' }] }, key: (x) => x.site },
      eventTime: (r) => r.ts,
      pipeline: ({ readings: input }) =>
        input.pipe(
          keyBy((r) => r.sensorId, { partitioned: 'input' }),
          tumbling('1m', { grace: 0, emit: 'final' }),
          aggregate({ n: count() }),
          keyBy((w) => siteOf(Number(w.key.slice(1)))),
          tumbling('1m', { grace: 0, emit: 'final' }),
          aggregate({ n: count() }),
          map((w) => ({ site: w.key, windowStart: w.windowStart, n: w.n })),
        ),
    });
    const driver = await TestDriver.create(twice, { partitions: 4 });
    for (const r of readings().slice(0, 4 * SENSORS)) driver.pipe('readings', r, { key: r.sensorId });
    driver.advanceWatermark(T0 + 10 * 60_000);
    const letters = driver.readDeadLetters();
    expect(letters.length).toBeGreaterThan(0);
    expect(letters[0]!.message).toMatch(/emitted by a window or a timer.*key by the new key before the window/);
  });
});
