/**
 * An aggregate of built-in aggregators keeps a window's accumulators in one flat array of
 * doubles (src/stream/ops/flat-accumulators.ts); the same aggregators without their flat
 * form keep an array per aggregator. Both must give the same results field for field
 * (tumbling, hopping and merging sessions, with values that are null, strings and
 * non-finite), write the same changelog entries, and restore each other's entries.
 */
import { describe, expect, it } from 'vitest';
import { type Aggregator, aggregate, count, defineStream, hopping, keyBy, max, mean, min, session, stddev, sum, tumbling } from 'fastdata';
import { mulberry32 } from '../../../src/sources/random.js';
import { StreamTask } from '../../../src/stream/task.js';
import type { StateEntry } from '../../../src/stream/host/changelog.js';
import { ManualClock } from '../../../src/time/clock.js';

interface Reading {
  sensor: string;
  ts: number;
  v: unknown;
}

const T0 = Date.UTC(2026, 3, 1);

function readings(seed: number): Reading[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: 6_000 }, (_, i) => {
    const odd = rnd();
    const v = odd < 0.03 ? null : odd < 0.05 ? 'n/a' : odd < 0.06 ? Number.POSITIVE_INFINITY : Math.round((rnd() * 40 - 10) * 100) / 100;
    // Sessions need gaps: each sensor goes quiet now and then.
    return { sensor: `s${Math.floor(rnd() * 40)}`, ts: T0 + i * 50 + (i % 997 < 60 ? 30_000 : 0), v };
  });
}

const value = (r: Reading) => r.v as number | null;
/** The same aggregator without its flat form: aggregate then keeps its accumulator apart. */
const apart = <A, R>(a: Aggregator<Reading, A, R>): Aggregator<Reading, A, R> => {
  const { addFlat: _, ...rest } = a;
  return rest;
};

const aggregators = () => ({ n: count(), total: sum(value), avg: mean(value), lo: min(value), hi: max(value), sd: stddev(value), sds: stddev(value, { sample: true }) });

const windows = {
  tumbling: () => tumbling<Reading>(10_000, { grace: 1_000, emit: 'final' }),
  hopping: () => hopping<Reading>(10_000, 5_000, { grace: 1_000, emit: 'final' }),
  session: () => session<Reading>(5_000, { grace: 1_000, emit: 'final' }),
};

function moduleOf(kind: keyof typeof windows, flat: boolean) {
  const aggs = aggregators();
  const used = flat ? aggs : Object.fromEntries(Object.entries(aggs).map(([k, a]) => [k, apart(a as Aggregator<Reading, unknown, unknown>)]));
  return defineStream<{ readings: Reading }, unknown>({
    name: 'flat',
    inputs: { readings: 'readings' },
    output: { topic: 'out', schema: { type: 'record', name: 'Any', fields: [] }, key: (o) => (o as { key: string }).key },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) => readings.pipe(keyBy((r) => r.sensor), windows[kind]() as never, aggregate(used as ReturnType<typeof aggregators>, { name: 'stats' })) as never,
  });
}

/** A task of the module over `records` (the watermark at each record's time); its outputs and, if asked, its state before the end. */
function run(kind: keyof typeof windows, flat: boolean, records: Reading[], restore?: StateEntry[]) {
  const outputs: unknown[] = [];
  const task = new StreamTask(moduleOf(kind, flat), 0, new ManualClock(0), { output: (v, t) => outputs.push({ v, t }), deadLetter: () => {}, warn: () => {} });
  task.start();
  if (restore) task.restore(restore);
  for (const r of records) {
    task.process('readings', r, undefined, r.ts);
    task.advanceWatermark(r.ts);
  }
  const state = task.drainState();
  task.advanceWatermark(Number.MAX_SAFE_INTEGER);
  task.stop();
  return { outputs, state };
}

describe('flat accumulators', () => {
  it('are not used for a built-in whose update the author replaced (its flat form would not do the same)', () => {
    const doubled = { ...sum(value), addField: (acc: number, x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? acc + 2 * x : acc) };
    const module = defineStream<{ readings: Reading }, unknown>({
      name: 'doubled',
      inputs: { readings: 'readings' },
      output: { topic: 'out', schema: { type: 'record', name: 'Any', fields: [] }, key: (o) => (o as { key: string }).key },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) => readings.pipe(keyBy((r) => r.sensor), tumbling<Reading>(10_000, { grace: 0, emit: 'final' }), aggregate({ n: count(), twice: doubled })) as never,
    });
    const outputs: { key: string; windowStart: number; twice: number }[] = [];
    const task = new StreamTask(module, 0, new ManualClock(0), { output: (v) => outputs.push(v as never), deadLetter: () => {}, warn: () => {} });
    task.start();
    // The truth: twice the sum of each window's finite values, late records left out (the watermark is the highest time so far).
    const truth = new Map<string, number>();
    let watermark = Number.NEGATIVE_INFINITY;
    for (const r of readings(3)) {
      task.process('readings', r, undefined, r.ts);
      task.advanceWatermark(r.ts);
      const start = Math.floor(r.ts / 10_000) * 10_000;
      if (start + 10_000 > watermark && typeof r.v === 'number' && Number.isFinite(r.v)) truth.set(`${r.sensor}@${start}`, (truth.get(`${r.sensor}@${start}`) ?? 0) + 2 * r.v);
      watermark = Math.max(watermark, r.ts);
    }
    task.advanceWatermark(Number.MAX_SAFE_INTEGER);
    expect(outputs.length).toBeGreaterThan(100);
    for (const o of outputs) expect(o.twice).toBeCloseTo(truth.get(`${o.key}@${o.windowStart}`) ?? 0, 6);
  });

  for (const kind of Object.keys(windows) as (keyof typeof windows)[]) {
    it(`${kind}: the same results, the same changelog entries, and each restores the other's`, () => {
      const all = readings(kind.length);
      const flat = run(kind, true, all);
      const nested = run(kind, false, all);
      expect(flat.outputs.length).toBeGreaterThan(100);
      expect(flat.outputs).toEqual(nested.outputs);
      expect(flat.state.length).toBeGreaterThan(10);
      expect(flat.state).toEqual(nested.state);

      // Half the records, their state restored into the other form, then the rest.
      const half = Math.floor(all.length / 2);
      const firstFlat = run(kind, true, all.slice(0, half));
      const firstNested = run(kind, false, all.slice(0, half));
      const restoredFlat = run(kind, true, all.slice(half), firstNested.state);
      const restoredNested = run(kind, false, all.slice(half), firstFlat.state);
      expect(restoredFlat.outputs).toEqual(restoredNested.outputs);
      expect(restoredFlat.outputs.length).toBeGreaterThan(10);
    });
  }
});
