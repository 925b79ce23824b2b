/**
 * reduce, collect and topK over windows: each against the truth this test computes from the
 * records it sends (1,500 keys, out-of-order and late records), across restarts from the
 * checkpoint mid-stream; and their errors.
 */
import type { OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Windowed, collect, defineStream, hopping, keyBy, reduce, session, topK, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { mulberry32 } from '../../../src/sources/random.js';

interface Reading {
  sensor: string;
  ts: number;
  v: number;
  tag: string;
}
type Result = { key: string; windowStart: number; windowEnd: number } & Record<string, unknown>;

const WINDOW = 10_000;
const GRACE = 2_000;

function moduleOf(op: OperatorFunction<Windowed<Reading>, unknown>, window = tumbling<Reading>(WINDOW, { grace: GRACE, emit: 'final' })) {
  return defineStream<{ readings: Reading }, Result>({
    name: 'reducers',
    inputs: { readings: 'readings' },
    output: { topic: 'out', schema: { type: 'record', name: 'Any', fields: [] }, key: (o) => o.key },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) => readings.pipe(keyBy((r) => r.sensor), window, op) as never,
  });
}

/** A seeded generator, so a failure can be replayed. */
const random = mulberry32;

/** 20,000 readings of 1,500 sensors over 200 s; a quarter up to 4 s behind (some later than the grace allows). */
function readings(seed = 5): Reading[] {
  const rnd = random(seed);
  const out: Reading[] = [];
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const clock = (i / n) * 200_000;
    const ts = Math.round(clock - (rnd() < 0.25 ? rnd() * 4_000 : 0));
    // Scores from a small range, so that ties happen.
    out.push({ sensor: `s${Math.floor(rnd() * 1_500)}`, ts, v: Math.floor(rnd() * 20), tag: `t${Math.floor(rnd() * 4)}` });
  }
  return out;
}

/** The accepted records of each window, in arrival order, by `key@start`; and the late ones (watermark: max time seen). */
function truthWindows(all: Reading[]): { windows: Map<string, Reading[]>; late: Reading[] } {
  let watermark = Number.NEGATIVE_INFINITY;
  const windows = new Map<string, Reading[]>();
  const late: Reading[] = [];
  for (const r of all) {
    const start = Math.floor(r.ts / WINDOW) * WINDOW;
    if (start + WINDOW + GRACE <= watermark) late.push(r);
    else windows.set(`${r.sensor}@${start}`, [...(windows.get(`${r.sensor}@${start}`) ?? []), r]);
    watermark = Math.max(watermark, r.ts);
  }
  return { windows, late };
}

/** Pipes every reading, restarting the task from its checkpoint every 3,001 records; all outputs, and the dead letters. */
async function run(op: OperatorFunction<Windowed<Reading>, unknown>, all: Reading[]) {
  const driver = await TestDriver.create(moduleOf(op));
  const outputs: Result[] = [];
  all.forEach((r, i) => {
    driver.pipe('readings', r);
    if (i % 3_001 === 3_000) {
      outputs.push(...driver.readValues());
      driver.restart();
    }
  });
  driver.advanceWatermark(10_000_000);
  outputs.push(...driver.readValues());
  return { outputs, letters: driver.readDeadLetters() };
}

/** Each window once, and equal to `expected(records)` of the truth. */
function expectEach(outputs: Result[], windows: Map<string, Reading[]>, expected: (records: Reading[]) => Record<string, unknown>) {
  const got = new Map<string, Result[]>();
  for (const o of outputs) got.set(`${o.key}@${o.windowStart}`, [...(got.get(`${o.key}@${o.windowStart}`) ?? []), o]);
  const wrong = [...windows]
    .filter(([id, records]) => {
      const [key, start] = [id.split('@')[0]!, Number(id.split('@')[1])];
      const want = { key, windowStart: start, windowEnd: start + WINDOW, ...expected(records) };
      return got.get(id)?.length !== 1 || JSON.stringify(got.get(id)![0]) !== JSON.stringify(want);
    })
    .slice(0, 3);
  expect(wrong.map(([id, records]) => ({ id, expected: expected(records), got: got.get(id) }))).toEqual([]);
  expect(got.size).toBe(windows.size);
}

describe('window reducers against the truth, 1,500 keys, out-of-order and late records, restarts', () => {
  const all = readings();
  const { windows, late } = truthWindows(all);

  it('the premise: thousands of windows, late records among them', () => {
    expect(windows.size).toBeGreaterThan(10_000);
    expect(late.length).toBeGreaterThan(200);
  });

  it('reduce: the first record, then reducer(value, record) for each next one', async () => {
    const { outputs, letters } = await run(
      reduce<Reading>((a, r) => ({ sensor: a.sensor, ts: Math.max(a.ts, r.ts), v: a.v + r.v, tag: a.tag < r.tag ? a.tag : r.tag }), { name: 'totals' }),
      all,
    );
    expect(letters.map((l) => l.value)).toEqual(late);
    expectEach(outputs, windows, (rs) => ({
      value: { sensor: rs[0]!.sensor, ts: Math.max(...rs.map((r) => r.ts)), v: rs.reduce((a, r) => a + r.v, 0), tag: rs.map((r) => r.tag).sort()[0] },
    }));
  });

  it('collect: the first records in arrival order up to the limit, the rest counted as dropped', async () => {
    const { outputs, letters } = await run(collect<Reading>({ limit: 3, name: 'firsts' }), all);
    expect(letters).toHaveLength(late.length);
    expectEach(outputs, windows, (rs) => ({ records: rs.slice(0, 3), dropped: Math.max(0, rs.length - 3) }));
    expect(outputs.some((o) => (o.dropped as number) > 0)).toBe(true);
  });

  it('topK: the k highest scores, ties to the earlier arrival', async () => {
    const { outputs } = await run(topK<Reading>(2, (r) => r.v, { name: 'best' }), all);
    const best = (rs: Reading[]) =>
      rs
        .map((r, i) => ({ r, i }))
        .sort((a, b) => b.r.v - a.r.v || a.i - b.i)
        .slice(0, 2)
        .map(({ r }) => ({ score: r.v, value: r }));
    expectEach(outputs, windows, (rs) => ({ top: best(rs) }));
  });

  it('topK with by: at most one record per by value, its best', async () => {
    const { outputs } = await run(topK<Reading>(2, (r) => r.v, { name: 'best-tags', by: (r) => r.tag }), all);
    const best = (rs: Reading[]) => {
      const perTag = new Map<string, { r: Reading; i: number }>();
      rs.forEach((r, i) => {
        const was = perTag.get(r.tag);
        if (!was || r.v > was.r.v) perTag.set(r.tag, { r, i });
      });
      return [...perTag.values()]
        .sort((a, b) => b.r.v - a.r.v || a.i - b.i)
        .slice(0, 2)
        .map(({ r }) => ({ score: r.v, value: r }));
    };
    expectEach(outputs, windows, (rs) => ({ top: best(rs) }));
  });
});

describe('window reducers: windows other than tumbling', () => {
  const r = (sensor: string, sec: number, v: number): Reading => ({ sensor, ts: sec * 1000, v, tag: 't' });

  it('merge the accumulators of sessions that a record joins', async () => {
    const merged = async (op: OperatorFunction<Windowed<Reading>, unknown>) => {
      const driver = await TestDriver.create(moduleOf(op, session<Reading>('10s', { grace: '30s', emit: 'final' })));
      driver.pipe('readings', r('a', 100, 1)).pipe('readings', r('a', 120, 2)).pipe('readings', r('a', 110, 3));
      driver.advanceWatermark(1_000_000);
      return driver.readValues();
    };
    expect(await merged(reduce((a, x) => ({ ...a, v: a.v + x.v })))).toMatchObject([{ windowStart: 100_000, windowEnd: 120_000, value: { v: 6 } }]);
    expect(await merged(collect({ limit: 2 }))).toMatchObject([{ records: [r('a', 100, 1), r('a', 120, 2)], dropped: 1 }]);
    expect(await merged(topK(2, (x) => x.v))).toMatchObject([{ top: [{ score: 3 }, { score: 2 }] }]);
  });

  it('keep a record in each hopping window that holds it', async () => {
    const driver = await TestDriver.create(moduleOf(collect({ limit: 10 }), hopping<Reading>('30s', '10s', { grace: 0, emit: 'final' })));
    driver.pipe('readings', r('a', 25, 1));
    driver.advanceWatermark(1_000_000);
    expect(driver.readValues().map((w) => [w.windowStart, (w.records as Reading[]).length])).toEqual([
      [0, 1],
      [10_000, 1],
      [20_000, 1],
    ]);
  });
});

describe('window reducers: errors', () => {
  const r = (v: number, extra: Record<string, unknown> = {}) => ({ sensor: 'a', ts: v * 1000, v, tag: 't', ...extra }) as Reading;

  it('dead-letters a record whose reducer throws, naming the operator, and keeps the window', async () => {
    const driver = await TestDriver.create(
      moduleOf(
        reduce<Reading>((a, x) => {
          if (x.v === 2) throw new Error('two is not allowed');
          return { ...a, v: a.v + x.v };
        }, { name: 'sums' }),
      ),
    );
    driver.pipe('readings', r(1)).pipe('readings', r(2)).pipe('readings', r(3));
    driver.advanceWatermark(1_000_000);
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: "reduce 'sums': the reducer threw: two is not allowed", value: r(2) }]);
    expect(driver.readValues()).toMatchObject([{ value: { v: 4 } }]);
  });

  it('dead-letters a reduced value that JSON would not keep as it is, naming the field', async () => {
    const driver = await TestDriver.create(moduleOf(reduce<Reading>((a, x) => ({ ...a, v: a.v + x.v, at: new Date(x.ts) }), { name: 'dated' })));
    driver.pipe('readings', r(1)).pipe('readings', r(2));
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: expect.stringMatching(/^reduce 'dated' keeps the reduced value .* \.at is a Date/) }]);
  });

  it('dead-letters a record collect cannot keep, and one whose topK score is not a number', async () => {
    const c = await TestDriver.create(moduleOf(collect({ name: 'kept' })));
    c.pipe('readings', r(1, { raw: Buffer.from('x') }));
    expect(c.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: expect.stringMatching(/^collect 'kept' keeps .*\.raw is a Buffer/) }]);
    const t = await TestDriver.create(moduleOf(topK(1, (x) => (x.v === 1 ? Number.NaN : x.v), { name: 'top' })));
    t.pipe('readings', r(1));
    expect(t.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: "topK 'top': score returned NaN; return a finite number" }]);
  });

  it('refuses a collect limit or a k out of bounds, saying the bounds', () => {
    expect(() => collect({ limit: 0 })).toThrow(/limit must be a whole number from 1 to 100000/);
    expect(() => collect({ limit: 1e9 })).toThrow(/limit must be a whole number from 1 to 100000/);
    expect(() => topK(0, () => 1)).toThrow(/k must be a whole number from 1 to 10000/);
  });
});
