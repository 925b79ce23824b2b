/**
 * mapAsync, the asynchronous step, through the test driver: results go on in arrival order
 * whatever the delays, windows after it see every record (the watermark waits for the
 * records in flight), settle() is what a checkpoint waits for, a restart after it gives the
 * outputs of an uninterrupted run, and failures dead-letter their own record only.
 * The runtime's side (checkpoints over the embedded log, kills) is in map-async-runtime.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, mapWithState, max, sum, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { map } from 'rxjs';
import { mapAsync } from '../../../src/stream/ops/map-async.js';
import { mulberry32 } from '../../../src/sources/random.js';

interface Reading {
  sensorId: string;
  ts: number;
  value: number;
  /** Piping order, unique. */
  seq: number;
}
interface Seen {
  sensorId: string;
  seq: number;
  /** The seqs of this key before, as the state saw them: order per key. */
  prev: number;
  score: number;
}
interface Win {
  sensorId: string;
  windowStart: number;
  n: number;
  total: number;
  last: number;
}

const seenSchema = {
  type: 'record',
  name: 'Seen',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'seq', type: 'long' },
    { name: 'prev', type: 'long' },
    { name: 'score', type: 'double' },
  ],
};
const winSchema = {
  type: 'record',
  name: 'Win',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'n', type: 'long' },
    { name: 'total', type: 'double' },
    { name: 'last', type: 'long' },
  ],
};

/** A stand-in for a model server or an ONNX session: answers after a random delay (real timers, 0-3 ms). */
function slowScorer(seed: number) {
  const rnd = mulberry32(seed);
  return (r: Reading) => new Promise<number>((resolve) => setTimeout(() => resolve(r.value * 2 + 1), Math.floor(rnd() * 4)));
}

function perRecordModule(seed: number, concurrency: number) {
  const score = slowScorer(seed);
  return defineStream<{ readings: Reading }, Seen>({
    name: 'scored',
    inputs: { readings: 'readings' },
    output: { topic: 'scored', schema: seenSchema, key: (s) => s.sensorId },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => r.sensorId),
        mapAsync(async (r: Reading) => ({ r, score: await score(r) }), { concurrency }),
        mapWithState({
          name: 'order',
          init: () => ({ last: -1 }),
          step: (st, { r, score }) => {
            const prev = st.last;
            st.last = r.seq;
            return { sensorId: r.sensorId, seq: r.seq, prev, score };
          },
        }),
      ),
  });
}

function windowedModule(seed: number) {
  const score = slowScorer(seed);
  return defineStream<{ readings: Reading }, Win>({
    name: 'windowed',
    inputs: { readings: 'readings' },
    output: { topic: 'windowed', schema: winSchema, key: (w) => w.sensorId },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(
        mapAsync(async (r: Reading) => ({ ...r, value: await score(r) }), { concurrency: 8 }),
        keyBy((r) => r.sensorId),
        tumbling('10s', { grace: 0, emit: 'final' }),
        aggregate({ n: count(), total: sum((r) => r.value), last: max((r) => r.seq) }),
        map((w) => ({ sensorId: w.key, windowStart: w.windowStart, n: w.n, total: w.total, last: w.last })),
      ),
  });
}

function readings(seed: number, n: number, sensors: number): Reading[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, seq) => ({ sensorId: `s${Math.floor(rnd() * sensors)}`, ts: seq * 100, value: Math.floor(rnd() * 1000) / 4, seq }));
}

/** What the per-record module must emit for `rs`: computed here, from the definition. */
function seenTruth(rs: Reading[]): Seen[] {
  const last = new Map<string, number>();
  return rs.map((r) => {
    const prev = last.get(r.sensorId) ?? -1;
    last.set(r.sensorId, r.seq);
    return { sensorId: r.sensorId, seq: r.seq, prev, score: r.value * 2 + 1 };
  });
}

const byKeyThenSeq = (a: { sensorId: string; seq: number }, b: { sensorId: string; seq: number }) => (a.sensorId < b.sensorId ? -1 : a.sensorId > b.sensorId ? 1 : a.seq - b.seq);

describe('mapAsync', () => {
  it('keeps the order of every key and of every partition, whatever the delays, over 4 partitions and many keys', async () => {
    const rs = readings(1, 3000, 60);
    const driver = await TestDriver.create(perRecordModule(2, 16), { partitions: 4 });
    for (const r of rs) driver.pipe('readings', r, { key: r.sensorId });
    expect(driver.pendingWork).toBeGreaterThan(0);
    await driver.settle();
    expect(driver.pendingWork).toBe(0);
    const outputs = driver.readOutputs();
    const values = outputs.map((o) => o.value);
    // Every record once, with the previous seq of its key as the state saw it: per-key order kept.
    expect([...values].sort(byKeyThenSeq)).toEqual(seenTruth(rs).sort(byKeyThenSeq));
    // Per task (partition of the key) the outputs come in piping order: seqs increase.
    const perKey = new Map<string, number[]>();
    for (const v of values) perKey.set(v.sensorId, [...(perKey.get(v.sensorId) ?? []), v.seq]);
    for (const seqs of perKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Each output keeps the timestamp of its record (event time), as a synchronous step would give it.
    for (const o of outputs) expect(o.timestamp).toBe(o.value.seq * 100);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('holds the watermark while records are in flight: windows after the step count every record, none is late', async () => {
    const rs = readings(3, 2000, 30);
    const driver = await TestDriver.create(windowedModule(4), { partitions: 3 });
    for (const r of rs) driver.pipe('readings', r, { key: r.sensorId });
    driver.advanceWatermark(rs.length * 100 + 10_000);
    await driver.settle();
    const truth = new Map<string, Win>();
    for (const r of rs) {
      const windowStart = Math.floor(r.ts / 10_000) * 10_000;
      const id = `${r.sensorId}@${windowStart}`;
      const w = truth.get(id) ?? { sensorId: r.sensorId, windowStart, n: 0, total: 0, last: -1 };
      w.n++;
      w.total += r.value * 2 + 1;
      w.last = Math.max(w.last, r.seq);
      truth.set(id, w);
    }
    const order = (a: Win, b: Win) => (a.sensorId < b.sensorId ? -1 : a.sensorId > b.sensorId ? 1 : a.windowStart - b.windowStart);
    expect(driver.readValues().sort(order)).toEqual([...truth.values()].sort(order));
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('a watermark that arrives while a record is in flight closes its window only after the record went in', async () => {
    const pending: (() => void)[] = [];
    const module = defineStream<{ readings: Reading }, Win>({
      name: 'held',
      inputs: { readings: 'readings' },
      output: { topic: 'held', schema: winSchema, key: (w) => w.sensorId },
      eventTime: (r) => r.ts,
      pipeline: ({ readings: input }) =>
        input.pipe(
          mapAsync((r: Reading) => new Promise<Reading>((resolve) => pending.push(() => resolve(r)))),
          keyBy((r) => r.sensorId),
          tumbling('10s', { grace: 0, emit: 'final' }),
          aggregate({ n: count(), total: sum((r) => r.value), last: max((r) => r.seq) }),
          map((w) => ({ sensorId: w.key, windowStart: w.windowStart, n: w.n, total: w.total, last: w.last })),
        ),
    });
    const driver = await TestDriver.create(module);
    driver.pipe('readings', { sensorId: 'a', ts: 1000, value: 1, seq: 0 });
    driver.advanceWatermark(20_000);
    expect(driver.readValues()).toEqual([]);
    driver.pipe('readings', { sensorId: 'a', ts: 25_000, value: 5, seq: 1 });
    pending.shift()!();
    // Let the resolved promise's callbacks run (microtasks; no time passes).
    await new Promise((resolve) => setImmediate(resolve));
    // The first record's window closed once it went in; the second is still in flight.
    expect(driver.readValues()).toEqual([{ sensorId: 'a', windowStart: 0, n: 1, total: 1, last: 0 }]);
    expect(driver.pendingWork).toBe(1);
    pending.shift()!();
    driver.advanceWatermark(40_000);
    await driver.settle();
    expect(driver.readValues()).toEqual([{ sensorId: 'a', windowStart: 20_000, n: 1, total: 5, last: 1 }]);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('a restart after settle continues as an uninterrupted run would (state and order carried over)', async () => {
    const rs = readings(5, 2000, 40);
    const whole = await TestDriver.create(perRecordModule(6, 8), { partitions: 2 });
    for (const r of rs) whole.pipe('readings', r, { key: r.sensorId });
    await whole.settle();
    const split = await TestDriver.create(perRecordModule(7, 8), { partitions: 2 });
    for (const r of rs.slice(0, 900)) split.pipe('readings', r, { key: r.sensorId });
    expect(() => split.restart()).toThrow(/await driver.settle\(\) first/);
    await split.settle();
    split.restart();
    for (const r of rs.slice(900)) split.pipe('readings', r, { key: r.sensorId });
    await split.settle();
    const truth = seenTruth(rs).sort(byKeyThenSeq);
    expect(whole.readValues().sort(byKeyThenSeq)).toEqual(truth);
    expect(split.readValues().sort(byKeyThenSeq)).toEqual(truth);
  });

  it('a step that fails dead-letters its own record with the reason; the records around it go on in order', async () => {
    const module = defineStream<{ readings: Reading }, Seen>({
      name: 'failing',
      inputs: { readings: 'readings' },
      output: { topic: 'failing', schema: seenSchema, key: (s) => s.sensorId },
      eventTime: (r) => r.ts,
      pipeline: ({ readings: input }) =>
        input.pipe(
          mapAsync(
            async (r: Reading) => {
              await new Promise((resolve) => setTimeout(resolve, (r.seq * 7) % 3));
              if (r.seq % 10 === 3) throw new Error(`no score for ${r.seq}`);
              if (r.seq % 10 === 4) return undefined;
              return { sensorId: r.sensorId, seq: r.seq, prev: -1, score: r.value };
            },
            { concurrency: 4, name: 'score' },
          ),
        ),
    });
    const driver = await TestDriver.create(module);
    const rs = readings(8, 50, 3);
    driver.pipeAll('readings', rs);
    await driver.settle();
    expect(driver.readValues().map((v) => v.seq)).toEqual(rs.filter((r) => r.seq % 10 !== 3 && r.seq % 10 !== 4).map((r) => r.seq));
    const letters = driver.readDeadLetters();
    expect(letters.map((l) => [l.reason, l.message])).toEqual(rs.filter((r) => r.seq % 10 === 3).map((r) => ['pipeline-error', `score step failed: no score for ${r.seq}`]));
  });

  it('chained steps: a result that starts another step holds the watermark until the last one is done', async () => {
    const module = defineStream<{ readings: Reading }, Win>({
      name: 'chained',
      inputs: { readings: 'readings' },
      output: { topic: 'chained', schema: winSchema, key: (w) => w.sensorId },
      eventTime: (r) => r.ts,
      pipeline: ({ readings: input }) =>
        input.pipe(
          mapAsync((r: Reading) => new Promise<Reading>((resolve) => setTimeout(() => resolve(r), 2))),
          mapAsync((r: Reading) => new Promise<Reading>((resolve) => setTimeout(() => resolve({ ...r, value: r.value + 1 }), 5))),
          keyBy((r) => r.sensorId),
          tumbling('10s', { grace: 0, emit: 'final' }),
          aggregate({ n: count(), total: sum((r) => r.value), last: max((r) => r.seq) }),
          map((w) => ({ sensorId: w.key, windowStart: w.windowStart, n: w.n, total: w.total, last: w.last })),
        ),
    });
    const driver = await TestDriver.create(module);
    const rs = readings(9, 300, 2);
    for (const r of rs) {
      driver.pipe('readings', r);
      // The watermark moves after every record (lateness 0): windows must still get every record.
      driver.advanceWatermark(r.ts);
    }
    driver.advanceWatermark(1e9);
    await driver.settle();
    const n = driver.readValues().reduce((a, w) => a + w.n, 0);
    expect(n).toBe(rs.length);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('refuses a concurrency that is not a whole number from 1 to 10,000', () => {
    expect(() => mapAsync(async (x: unknown) => x, { concurrency: 0 })).toThrow(/concurrency must be a whole number from 1 to 10000, got 0/);
  });
});
