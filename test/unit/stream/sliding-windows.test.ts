/**
 * Sliding windows against a brute-force computation of every window, over random data with
 * out-of-order and late records, thousands of keys, and restarts from a checkpoint.
 * The truth is computed here from the definition in `sliding`'s doc comment: a window
 * [t - size, t] ends at each record time t, a window [p + 1, p + 1 + size] starts after each
 * record time p that has a later record within size + 1 ms, each holds every record of its
 * key within its (inclusive) bounds; a record is late when the watermark has reached
 * t + 1 + grace (the window ending at it has closed).
 */
import { describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, max, min, sliding, sum, type WindowOptions } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { mulberry32 } from '../../../src/sources/random.js';

interface Reading {
  sensor: string;
  ts: number;
  v: number;
}
interface Out {
  key: string;
  windowStart: number;
  windowEnd: number;
  n: number;
  total: number;
  first: number;
  last: number;
}

const outSchema = {
  type: 'record',
  name: 'SlidingStats',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'windowEnd', type: 'long' },
    { name: 'n', type: 'long' },
    { name: 'total', type: 'double' },
    { name: 'first', type: 'double' },
    { name: 'last', type: 'double' },
  ],
};

function module(size: number, options: WindowOptions) {
  return defineStream<{ readings: Reading }, Out>({
    name: 'sliding-stats',
    inputs: { readings: 'readings' },
    output: { topic: 'sliding.stats', schema: outSchema, key: (o) => o.key },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => r.sensor),
        sliding(size, options),
        aggregate({ n: count(), total: sum((r) => r.v), first: min((r) => r.ts), last: max((r) => r.ts) }),
      ),
  });
}

/** A seeded generator, so a failure can be replayed. */
const random = mulberry32;

/**
 * Readings of `keys` sensors over `span` ms, in rough time order: a quarter of the records
 * are up to `jitter` ms behind the stream's clock (some fractional), so they arrive out of
 * order, some of them behind the watermark by more than the grace.
 */
function readings(seed: number, keys: number, count: number, span: number, jitter: number): Reading[] {
  const rnd = random(seed);
  const out: Reading[] = [];
  for (let i = 0; i < count; i++) {
    const clock = (i / count) * span;
    const ts = Math.max(0, clock - (rnd() < 0.25 ? rnd() * jitter : 0));
    out.push({ sensor: `s${Math.floor(rnd() * keys)}`, ts: rnd() < 0.1 ? ts : Math.round(ts), v: Math.floor(rnd() * 100) });
  }
  return out;
}

/** Which records are late, as the driver's watermark (max event time seen, lateness 0) makes them. */
function accepted(all: Reading[], grace: number): { kept: Reading[]; late: Reading[] } {
  let watermark = Number.NEGATIVE_INFINITY;
  const kept: Reading[] = [];
  const late: Reading[] = [];
  for (const r of all) {
    if (Math.floor(r.ts) + 1 + grace <= watermark) late.push(r);
    else kept.push(r);
    watermark = Math.max(watermark, r.ts);
  }
  return { kept, late };
}

/** Every window of every key, by brute force over the accepted records. */
function bruteForce(kept: Reading[], size: number): Map<string, Out> {
  const byKey = new Map<string, Reading[]>();
  for (const r of kept) byKey.set(r.sensor, [...(byKey.get(r.sensor) ?? []), r]);
  const windows = new Map<string, Out>();
  for (const [key, rs] of byKey) {
    const times = rs.map((r) => Math.floor(r.ts));
    const starts = new Set<number>();
    for (const t of times) {
      starts.add(t - size);
      if (times.some((u) => u > t && u <= t + 1 + size)) starts.add(t + 1);
    }
    for (const start of starts) {
      const inside = rs.filter((r) => Math.floor(r.ts) >= start && Math.floor(r.ts) <= start + size);
      expect(inside.length).toBeGreaterThan(0); // the definition never makes an empty window
      windows.set(`${key}@${start}`, {
        key,
        windowStart: start,
        windowEnd: start + size,
        n: inside.length,
        total: inside.reduce((a, r) => a + r.v, 0),
        first: Math.min(...inside.map((r) => r.ts)),
        last: Math.max(...inside.map((r) => r.ts)),
      });
    }
  }
  return windows;
}

function compare(got: Out[], expected: Map<string, Out>) {
  const byId = new Map<string, Out[]>();
  for (const w of got) byId.set(`${w.key}@${w.windowStart}`, [...(byId.get(`${w.key}@${w.windowStart}`) ?? []), w]);
  const twice = [...byId].filter(([, ws]) => ws.length > 1).slice(0, 3);
  expect(twice).toEqual([]);
  const wrong = [...expected].filter(([id, w]) => JSON.stringify(byId.get(id)?.[0]) !== JSON.stringify(w)).slice(0, 3);
  expect(wrong.map(([id, w]) => ({ id, expected: w, got: byId.get(id) }))).toEqual([]);
  expect(byId.size).toBe(expected.size);
}

describe('sliding windows', () => {
  it('emits exactly the windows a brute-force computation finds, over 2,000 keys with out-of-order and late records', async () => {
    const size = 5_000;
    const grace = 1_000;
    const all = readings(7, 2_000, 30_000, 60_000, 1_500);
    const { kept, late } = accepted(all, grace);
    expect(late.length).toBeGreaterThan(100); // the premise: late records exist
    expect(late.length).toBeLessThan(all.length / 3);
    const driver = await TestDriver.create(module(size, { grace, emit: 'final' }));
    for (const r of all) driver.pipe('readings', r);
    driver.advanceWatermark(10_000_000);
    expect(driver.readDeadLetters().map((l) => l.value)).toEqual(late);
    compare(driver.readValues(), bruteForce(kept, size));
  });

  it('gives the same windows when the task restarts from its checkpoint several times mid-stream', async () => {
    const size = 3_000;
    const grace = 500;
    const all = readings(11, 1_000, 12_000, 40_000, 800);
    const { kept, late } = accepted(all, grace);
    expect(late.length).toBeGreaterThan(50);
    const driver = await TestDriver.create(module(size, { grace, emit: 'final' }));
    const outputs: Out[] = [];
    all.forEach((r, i) => {
      driver.pipe('readings', r);
      if (i % 2_999 === 1_500) {
        outputs.push(...driver.readValues());
        driver.restart();
      }
    });
    driver.advanceWatermark(10_000_000);
    outputs.push(...driver.readValues());
    expect(driver.readDeadLetters()).toHaveLength(late.length);
    compare(outputs, bruteForce(kept, size));
  });

  it('with emit: update, the last update of each window equals its final value', async () => {
    const size = 2_000;
    const all = readings(3, 300, 4_000, 20_000, 300);
    const { kept } = accepted(all, 0);
    const driver = await TestDriver.create(module(size, { grace: 0, emit: 'update' }));
    for (const r of all) driver.pipe('readings', r);
    driver.advanceWatermark(10_000_000);
    const last = new Map<string, Out>();
    for (const w of driver.readValues()) last.set(`${w.key}@${w.windowStart}`, w);
    compare([...last.values()], bruteForce(kept, size));
  });

  it('names its windows by inclusive bounds: records size apart share a window, size + 1 apart do not', async () => {
    const driver = await TestDriver.create(module(10, { grace: 0, emit: 'final' }));
    driver.pipe('readings', { sensor: 'a', ts: 100, v: 1 }).pipe('readings', { sensor: 'a', ts: 110, v: 2 }).pipe('readings', { sensor: 'a', ts: 121, v: 4 });
    driver.advanceWatermark(1_000);
    const got = driver.readValues().map((w) => [w.windowStart, w.windowEnd, w.n, w.total]);
    expect(got).toEqual([
      [90, 100, 1, 1], // ends at 100
      [100, 110, 2, 3], // ends at 110, holds 100
      [101, 111, 1, 2], // just after 100: 110 alone
      [111, 121, 1, 4], // ends at 121 and starts just after 110: one window
    ]);
  });

  it('dead-letters a record it cannot keep as JSON, naming the field', async () => {
    const dated = defineStream<{ readings: Reading }, Out>({
      name: 'dated',
      inputs: { readings: 'readings' },
      output: { topic: 'sliding.stats', schema: outSchema, key: (o) => o.key },
      eventTime: (r) => r.ts,
      pipeline: ({ readings: input }) =>
        input.pipe(
          keyBy((r) => r.sensor),
          sliding(1_000, { grace: 0, emit: 'final' }),
          aggregate({ n: count(), total: sum((r) => r.v), first: min((r) => r.ts), last: max((r) => r.ts) }),
        ),
    });
    const driver = await TestDriver.create(dated);
    driver.pipe('readings', { sensor: 'a', ts: 5, v: 1, at: new Date(5) } as Reading);
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: expect.stringMatching(/\.at is a Date.*getTime/) }]);
  });
});
