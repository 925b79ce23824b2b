/**
 * The generated record path (keyBy -> fixed window -> operator as one function, see
 * src/stream/ops/window-path.ts) against the same pipeline unfused: an identity `map`
 * between the window and the operator keeps them apart, so records take the generic path
 * (a `Windowed` object each, `WindowedState.add`). Same outputs field for field, same
 * order, same dead letters, on hostile input: late and out-of-order records, key functions
 * that throw or return numbers and objects, fields that are null, strings or throw, an
 * aggregator of the author's own that throws, several partitions with keys other than
 * the partitioning (the repartitioned records take the path's `arrive`), restarts from the
 * checkpoint mid-stream. The counts are also checked against the truth the test computes.
 */
import { type OperatorFunction, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Keyed, type Windowed, aggregate, count, defineStream, hopping, keyBy, max, mean, min, reduce, stddev, sum, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { mulberry32 } from '../../../src/sources/random.js';

interface Reading {
  sensor: string;
  site: string;
  ts: number;
  temperature: unknown;
  humidity: number | null;
}
type Result = { key: string; windowStart: number; windowEnd: number } & Record<string, unknown>;

const T0 = Date.UTC(2026, 2, 1);
const WINDOW = 10_000;
const GRACE = 2_000;

/** 12,000 readings of 300 sensors over 120 s, a fifth up to 15 s behind, with odd fields and keys here and there. */
function readings(seed: number): Reading[] {
  const rnd = mulberry32(seed);
  const out: Reading[] = [];
  const n = 12_000;
  for (let i = 0; i < n; i++) {
    const clock = T0 + (i / n) * 120_000;
    const ts = Math.round(clock - (rnd() < 0.2 ? rnd() * 15_000 : 0));
    const s = Math.floor(rnd() * 300);
    const odd = rnd();
    const temperature = odd < 0.02 ? null : odd < 0.03 ? 'hot' : odd < 0.035 ? 'throw' : 15 + rnd() * 10;
    out.push({ sensor: s % 97 === 0 ? 'bad-key' : `s${s}`, site: `site-${s % 7}`, ts, temperature, humidity: odd > 0.99 ? null : 40 + rnd() * 20 });
  }
  return out;
}

/** A key function that returns a number, throws, or returns an object for the odd sensors. */
const keyOf = (r: Reading): string | number => {
  if (r.sensor === 'bad-key') {
    if (r.ts % 3 === 0) throw new Error('no key for this sensor');
    if (r.ts % 3 === 1) return { id: r.sensor } as unknown as string;
    return r.ts % 1000;
  }
  return r.sensor;
};

const temperature = (r: Reading): number | null => {
  if (r.temperature === 'throw') throw new Error('sensor says throw');
  return r.temperature as number | null;
};

/** An aggregator of the author's own, whose add throws on some records (after count has added them). */
const picky = {
  init: () => 0,
  add: (acc: number, r: Reading) => {
    if (r.humidity === null) throw new Error('no humidity');
    return acc + 1;
  },
  merge: (a: number, b: number) => a + b,
  result: (acc: number) => acc,
};

type Op = OperatorFunction<Windowed<Reading>, unknown>;

function moduleOf(by: (r: Reading) => string | number, window: OperatorFunction<Keyed<Reading>, Windowed<Reading>>, op: Op, fused: boolean) {
  const apart = map((w: Windowed<Reading>) => w);
  return defineStream<{ readings: Reading }, Result>({
    name: 'fused-path',
    inputs: { readings: 'readings' },
    output: { topic: 'out', schema: { type: 'record', name: 'Any', fields: [] }, key: (o) => o.key },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) => (fused ? readings.pipe(keyBy(by), window as never, op) : readings.pipe(keyBy(by), window as never, apart, op)) as never,
  });
}

/** Every reading through the driver (keyed by sensor on `partitions`), restarting from the checkpoint every 2,501 records. */
async function run(module: ReturnType<typeof moduleOf>, all: Reading[], partitions: number) {
  const driver = await TestDriver.create(module, { partitions });
  const outputs: unknown[] = [];
  all.forEach((r, i) => {
    driver.pipe('readings', r, { key: r.sensor });
    if (i % 2_501 === 2_500) {
      outputs.push(...driver.readOutputs().map((o) => ({ value: o.value, timestamp: o.timestamp })));
      driver.restart();
    }
  });
  driver.advanceWatermark(T0 + 10 * 60_000);
  outputs.push(...driver.readOutputs().map((o) => ({ value: o.value, timestamp: o.timestamp })));
  const letters = driver.readDeadLetters().map((l) => `${l.reason}: ${l.message}`);
  return { outputs, letters };
}

const statsOf = (): Op =>
  aggregate(
    {
      n: count(),
      meanT: mean(temperature),
      minT: min(temperature),
      maxT: max(temperature),
      sdT: stddev(temperature),
      sumH: sum((r: Reading) => r.humidity),
      picky,
    },
    { name: 'stats' },
  ) as Op;

const cases: { name: string; window: () => OperatorFunction<Keyed<Reading>, Windowed<Reading>>; op: () => Op; by?: (r: Reading) => string | number }[] = [
  { name: 'tumbling, final, aggregate', window: () => tumbling(WINDOW, { grace: GRACE, emit: 'final' }), op: statsOf },
  { name: 'hopping, update, aggregate', window: () => hopping(WINDOW, 2_500, { grace: GRACE, emit: 'update' }), op: statsOf },
  { name: 'tumbling, final, aggregate by site (repartitioned)', window: () => tumbling(WINDOW, { grace: GRACE, emit: 'final' }), op: statsOf, by: (r) => r.site },
  {
    name: 'hopping, final, reduce (an operator without code of its own)',
    window: () => hopping(WINDOW, 5_000, { grace: GRACE, emit: 'final' }),
    op: () =>
      reduce<Reading>((a, r) => {
        if (r.temperature === 'hot') throw new Error('too hot to reduce');
        return { ...a, ts: Math.max(a.ts, r.ts) };
      }) as Op,
  },
];

describe('the generated record path of keyBy -> window -> operator', () => {
  for (const c of cases) {
    for (const partitions of [1, 3]) {
      it(`${c.name}, ${partitions} partition(s): the same outputs and dead letters as the unfused pipeline`, async () => {
        const all = readings(partitions * 31 + c.name.length);
        const by = c.by ?? keyOf;
        const fused = await run(moduleOf(by, c.window(), c.op(), true), all, partitions);
        const apart = await run(moduleOf(by, c.window(), c.op(), false), all, partitions);
        expect(fused.outputs.length).toBeGreaterThan(50);
        expect(fused.outputs).toEqual(apart.outputs);
        expect(fused.letters).toEqual(apart.letters);
        // The hostile records reached the dead-letter topic through the fused path.
        const reasons = new Set(fused.letters.map((l) => l.split(':')[0]));
        expect(reasons).toContain('late');
        expect(reasons).toContain('pipeline-error');
        if (c.by === undefined) expect(reasons).toContain('invalid-key');
      });
    }
  }

  it('counts every accepted reading of a tumbling window once, as the test computes them', async () => {
    const all = readings(7).filter((r) => r.sensor !== 'bad-key');
    // The truth: one partition, the watermark is the highest event time so far.
    const truth = new Map<string, number>();
    let watermark = Number.NEGATIVE_INFINITY;
    for (const r of all) {
      const start = Math.floor(r.ts / WINDOW) * WINDOW;
      if (start + WINDOW + GRACE > watermark) truth.set(`${r.sensor}@${start}`, (truth.get(`${r.sensor}@${start}`) ?? 0) + 1);
      watermark = Math.max(watermark, r.ts);
    }
    const { outputs } = await run(moduleOf(keyOf, tumbling(WINDOW, { grace: GRACE, emit: 'final' }), aggregate({ n: count() }) as Op, true), all, 1);
    const got = new Map((outputs as { value: Result }[]).map(({ value }) => [`${value.key}@${value.windowStart}`, value.n]));
    expect(got.size).toBe(truth.size);
    expect([...truth].filter(([id, n]) => got.get(id) !== n)).toEqual([]);
  });
});
