import { filter, map, merge } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, hopping, keyBy, max, mean, min, session, stddev, sum, tumbling, type WindowOptions } from 'fastdata';
import { TestDriver } from 'fastdata/testing';

interface Reading {
  sensor: string;
  ts: number;
  temp: number | null;
}

const statsSchema = {
  type: 'record',
  name: 'Stats',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'windowEnd', type: 'long' },
    { name: 'n', type: 'long' },
  ],
};

type Window = (options: WindowOptions) => ReturnType<typeof tumbling<Reading>>;

/** A module counting readings per sensor in the given window. */
function counting(window: Window, options: WindowOptions, watermark = {}) {
  return defineStream<{ readings: Reading }, { key: string; windowStart: number; windowEnd: number; n: number }>({
    name: 'counting',
    inputs: { readings: 'readings' },
    output: { topic: 'counts', schema: statsSchema, key: (s) => s.key },
    eventTime: (r) => r.ts,
    watermark,
    pipeline: ({ readings }) => readings.pipe(keyBy((r) => r.sensor), window(options), aggregate({ n: count() })),
  });
}

const s = (sec: number) => sec * 1000;
const reading = (sensor: string, sec: number, temp: number | null = 20): Reading => ({ sensor, ts: s(sec), temp });
const windows = (driver: { readValues(): unknown[] }) => driver.readValues().map((v) => v as { key: string; windowStart: number; windowEnd: number; n: number });

describe('tumbling windows', () => {
  const final = { grace: '10s', emit: 'final' } as const;

  it('aligns windows to the epoch and emits each once when the watermark passes end + grace', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), final));
    driver.pipe('readings', reading('a', 61)).pipe('readings', reading('a', 119));
    driver.pipe('readings', reading('a', 129)); // watermark 129s: [60s,120s) closes at 130s, not yet
    expect(driver.readValues()).toEqual([]);
    driver.pipe('readings', reading('a', 130));
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: s(60), windowEnd: s(120), n: 2 }]);
    driver.advanceWatermark(s(1000));
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: s(120), windowEnd: s(180), n: 2 }]);
    driver.advanceWatermark(s(2000));
    expect(driver.readValues()).toEqual([]); // never twice
  });

  it('accepts out-of-order records within grace and sends later ones to the dead-letter topic as late', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), final));
    for (const sec of [10, 50, 65, 30]) driver.pipe('readings', reading('a', sec)); // 30s is out of order, within grace
    expect(driver.readValues()).toEqual([]);
    driver.pipe('readings', reading('a', 75)); // watermark 75s >= 60s + 10s grace: [0,60s) closes
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(60), n: 3 }]);
    driver.pipe('readings', reading('a', 20)); // its window is closed
    const [late] = driver.readDeadLetters();
    expect(late).toMatchObject({ reason: 'late', value: reading('a', 20) });
    expect(late!.message).toMatch(/1970-01-01T00:00:20.000Z arrived after its window closed: the watermark is 1970-01-01T00:01:15.000Z/);
    expect(late!.details).toEqual({ 'fastdata.event.time': String(s(20)), 'fastdata.watermark': String(s(75)) });
    expect(driver.counters.late).toBe(1);
    driver.advanceWatermark(s(500));
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: s(60), windowEnd: s(120), n: 2 }]);
  });

  it('aligns fractional and negative event times to the same windows as whole ones', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), final));
    for (const ms of [-59_999.5, -0.25, 0.1, 0.2, 59_999.9]) driver.pipe('readings', { sensor: 'a', ts: ms, temp: 20 });
    driver.advanceWatermark(s(1000));
    expect(windows(driver)).toEqual([
      { key: 'a', windowStart: -s(60), windowEnd: 0, n: 2 },
      { key: 'a', windowStart: 0, windowEnd: s(60), n: 3 },
    ]);
  });

  it('with zero grace closes a window as soon as the watermark reaches its end', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('10s', o), { grace: 0, emit: 'final' }));
    driver.pipe('readings', reading('a', 1)).pipe('readings', reading('a', 10));
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(10), n: 1 }]);
    driver.pipe('readings', reading('a', 9));
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual(['late']);
  });

  it('holds the watermark back by the allowed lateness', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: 0, emit: 'final' }, { lateness: '30s' }));
    driver.pipe('readings', reading('a', 10)).pipe('readings', reading('a', 80));
    expect(driver.watermark).toBe(s(50));
    expect(driver.readValues()).toEqual([]);
    driver.pipe('readings', reading('a', 59)); // behind the max, but not late: watermark is 50s
    driver.pipe('readings', reading('a', 95)); // watermark 65s
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(60), n: 2 }]);
  });

  it('keeps keys apart and emits closed windows in end order', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: 0, emit: 'final' }));
    for (const [sensor, sec] of [['a', 1], ['b', 2], ['b', 3], ['a', 61], ['c', 62]] as const) driver.pipe('readings', reading(sensor, sec));
    driver.advanceWatermark(s(120));
    expect(windows(driver).map((w) => [w.key, w.windowStart, w.n])).toEqual([
      ['a', 0, 1],
      ['b', 0, 2],
      ['a', s(60), 1],
      ['c', s(60), 1],
    ]);
  });

  it('closes windows of a quiet partition after the idle timeout, in processing time', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: '5s', emit: 'final' }, { idleTimeout: '30s' }));
    driver.pipe('readings', reading('a', 10));
    driver.advanceTime(s(29));
    expect(driver.readValues()).toEqual([]);
    // Idle from 30s on: the watermark follows the clock from 10s. [0,60s) closes at 65s: 55s later.
    driver.advanceTime(s(30 + 54 - 29));
    expect(driver.readValues()).toEqual([]);
    driver.advanceTime(s(2));
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(60), n: 1 }]);
  });
});

describe('emit policies', () => {
  it('emits every update with emit: update, and the final value once more only if it changed since', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: 0, emit: 'update' }));
    driver.pipe('readings', reading('a', 1)).pipe('readings', reading('a', 2));
    expect(windows(driver).map((w) => w.n)).toEqual([1, 2]);
    driver.advanceWatermark(s(60));
    expect(driver.readValues()).toEqual([]);
  });

  it('rate-limits updates with updateEvery and flushes the last change at close', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: 0, emit: 'update', updateEvery: '1s' }));
    for (let i = 0; i < 5; i++) driver.pipe('readings', reading('a', i));
    expect(driver.readValues()).toEqual([]);
    driver.advanceTime(1000);
    expect(windows(driver).map((w) => w.n)).toEqual([5]);
    driver.advanceTime(1000);
    expect(driver.readValues()).toEqual([]); // no change, no update
    driver.pipe('readings', reading('a', 10)).pipe('readings', reading('a', 11));
    driver.advanceWatermark(s(60));
    expect(windows(driver).map((w) => w.n)).toEqual([7]);
  });
});

describe('hopping windows', () => {
  it('counts a record in every window that contains it', async () => {
    const driver = await TestDriver.create(counting((o) => hopping('30s', '10s', o), { grace: 0, emit: 'final' }));
    driver.pipe('readings', reading('a', 25));
    driver.advanceWatermark(s(100));
    expect(windows(driver).map((w) => [w.windowStart / 1000, w.windowEnd / 1000, w.n])).toEqual([
      [0, 30, 1],
      [10, 40, 1],
      [20, 50, 1],
    ]);
  });

  it('keeps a record in the windows still open and drops it only from the closed ones', async () => {
    const driver = await TestDriver.create(counting((o) => hopping('30s', '10s', o), { grace: 0, emit: 'final' }));
    driver.pipe('readings', reading('a', 35)); // watermark 35s: [0,30) would be closed
    driver.pipe('readings', reading('a', 25)); // windows [0,30) closed, [10,40) and [20,50) open
    driver.advanceWatermark(s(100));
    expect(windows(driver).map((w) => [w.windowStart / 1000, w.n])).toEqual([
      [10, 2],
      [20, 2],
      [30, 1],
    ]);
    expect(driver.readDeadLetters()).toEqual([]);
  });
});

describe('session windows', () => {
  it('grows a session while records come within the gap, and closes it gap + grace after its last record', async () => {
    const driver = await TestDriver.create(counting((o) => session('10s', o), { grace: 0, emit: 'final' }));
    driver.pipe('readings', reading('a', 0)).pipe('readings', reading('a', 8)); // one session [0, 8]
    driver.pipe('readings', reading('a', 30)); // watermark 30 >= 8 + 10: the first session closes
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(8), n: 2 }]);
    driver.pipe('readings', reading('a', 45)); // 15s after 30: a new session; [30] closes at 40
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: s(30), windowEnd: s(30), n: 1 }]);
    driver.advanceWatermark(s(1000));
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: s(45), windowEnd: s(45), n: 1 }]);
  });

  it('merges two sessions that an out-of-order record bridges', async () => {
    const driver = await TestDriver.create(counting((o) => session('10s', o), { grace: 0, emit: 'final' }, { lateness: '30s' }));
    driver.pipe('readings', reading('b', 100)).pipe('readings', reading('b', 120)); // 20s apart: two sessions
    driver.pipe('readings', reading('b', 110)); // 10s from both: one session [100, 120]
    driver.advanceWatermark(s(1000));
    expect(windows(driver)).toEqual([{ key: 'b', windowStart: s(100), windowEnd: s(120), n: 3 }]);
  });

  it('takes a record inside an open session even if it is far behind the watermark', async () => {
    const driver = await TestDriver.create(counting((o) => session('10s', o), { grace: 0, emit: 'final' }));
    for (let sec = 0; sec <= 60; sec += 5) driver.pipe('readings', reading('a', sec)); // a session growing to 60s
    driver.pipe('readings', reading('a', 2)); // old, but inside the open session
    driver.pipe('readings', reading('b', 3)); // old, and no open session of b covers it: late
    expect(driver.readDeadLetters().map((l) => [l.reason, (l.value as Reading).sensor])).toEqual([['late', 'b']]);
    driver.advanceWatermark(s(100));
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(60), n: 14 }]);
  });
});

describe('aggregates', () => {
  const allStats = defineStream<{ readings: Reading }, Record<string, unknown>>({
    name: 'all-stats',
    inputs: { readings: 'readings' },
    output: { topic: 'stats', schema: { type: 'record', name: 'Any', fields: [] }, key: (x) => String(x.key) },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => r.sensor),
        tumbling('1m', { grace: 0, emit: 'final' }),
        aggregate({
          n: count(),
          total: sum((r) => r.temp),
          avg: mean((r) => r.temp),
          lo: min((r) => r.temp),
          hi: max((r) => r.temp),
          sd: stddev((r) => r.temp),
          sampleSd: stddev((r) => r.temp, { sample: true }),
        }),
      ),
  });

  it('computes count, sum, mean, min, max and stddev, skipping missing values', async () => {
    const driver = await TestDriver.create(allStats);
    const temps = [21.5, null, 19, 30.25, 18];
    temps.forEach((t, i) => driver.pipe('readings', reading('a', i, t)));
    driver.advanceWatermark(s(60));
    const [w] = driver.readValues();
    const xs = temps.filter((t): t is number => t !== null);
    const avg = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - avg) ** 2, 0);
    expect(w).toMatchObject({ n: 5, total: 88.75, lo: 18, hi: 30.25 });
    expect(w!.avg).toBeCloseTo(avg, 12);
    expect(w!.sd).toBeCloseTo(Math.sqrt(variance / xs.length), 12);
    expect(w!.sampleSd).toBeCloseTo(Math.sqrt(variance / (xs.length - 1)), 12);
  });

  it('averages equal values to exactly that value, and skips infinities', async () => {
    const driver = await TestDriver.create(allStats);
    for (let i = 0; i < 50; i++) driver.pipe('readings', reading('a', i % 60, 22.04));
    driver.pipe('readings', reading('a', 59, Number.POSITIVE_INFINITY));
    driver.advanceWatermark(s(60));
    const [w] = driver.readValues();
    expect(w).toMatchObject({ n: 51, avg: 22.04, lo: 22.04, hi: 22.04, sd: 0 });
    expect(w!.total).toBeCloseTo(50 * 22.04, 9);
  });

  it('dead-letters a record whose field function throws, leaving its window untouched', async () => {
    const nested = defineStream<{ readings: { sensor: string; ts: number; probe?: { temp: number } } }, Record<string, unknown>>({
      name: 'nested',
      inputs: { readings: 'readings' },
      output: { topic: 'stats', schema: { type: 'record', name: 'Any', fields: [] }, key: (x) => String(x.key) },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) =>
        readings.pipe(
          keyBy((r) => r.sensor),
          tumbling('1m', { grace: 0, emit: 'final' }),
          aggregate({ n: count(), hottest: max((r) => r.probe!.temp), avg: mean((r) => r.probe!.temp) }),
        ),
    });
    const driver = await TestDriver.create(nested);
    driver.pipe('readings', { sensor: 'a', ts: 1000, probe: { temp: 20 } });
    driver.pipe('readings', { sensor: 'a', ts: 2000 }); // no probe: r.probe!.temp throws
    driver.pipe('readings', { sensor: 'a', ts: 3000, probe: { temp: 30 } });
    driver.advanceWatermark(s(60));
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: expect.stringMatching(/^aggregate field hottest: .*temp/) }]);
    expect(driver.readValues()).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(60), n: 2, hottest: 30, avg: 25 }]);
  });

  it('answers NaN where there is no value to aggregate', async () => {
    const driver = await TestDriver.create(allStats);
    driver.pipe('readings', reading('a', 1, null));
    driver.advanceWatermark(s(60));
    const [w] = driver.readValues();
    expect(w).toMatchObject({ n: 1, total: 0 });
    for (const field of ['avg', 'lo', 'hi', 'sd', 'sampleSd']) expect(w![field]).toBeNaN();
  });
});

describe('keyBy, window and aggregate next to each other or apart', () => {
  // keyBy -> window -> aggregate in a row run fused (one subscriber, no Keyed or Windowed
  // objects); anything in between takes the general path. Both must behave the same.
  const module = (between: boolean) =>
    defineStream<{ readings: Reading }, { key: string; windowStart: number; windowEnd: number; n: number }>({
      name: between ? 'apart' : 'fused',
      inputs: { readings: 'readings' },
      output: { topic: 'counts', schema: statsSchema, key: (x) => x.key },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) =>
        between
          ? readings.pipe(
              keyBy((r) => (r.sensor === 'bad' ? (undefined as unknown as string) : r.sensor)),
              filter(() => true),
              tumbling('1m', { grace: '5s', emit: 'final' }),
              map((w) => w),
              aggregate({ n: count() }),
            )
          : readings.pipe(
              keyBy((r) => (r.sensor === 'bad' ? (undefined as unknown as string) : r.sensor)),
              tumbling('1m', { grace: '5s', emit: 'final' }),
              aggregate({ n: count() }),
            ),
    });

  it('gives the same windows, dead letters and counters either way', async () => {
    const run = async (between: boolean) => {
      const driver = await TestDriver.create(module(between));
      for (const [sensor, sec] of [['a', 1], ['b', 2], ['bad', 3], ['a', 59], ['b', 66], ['a', 30], ['a', 61], ['b', 130]] as const) {
        driver.pipe('readings', reading(sensor, sec));
      }
      driver.advanceWatermark(s(1000));
      return { outputs: driver.readOutputs(), letters: driver.readDeadLetters().map((l) => [l.reason, l.value]), counters: driver.counters };
    };
    const fused = await run(false);
    expect(fused.outputs.map((o) => [o.value.key, o.value.windowStart, o.value.n, o.timestamp])).toEqual([
      ['a', 0, 2, s(60)],
      ['b', 0, 1, s(60)],
      ['b', s(60), 1, s(120)],
      ['a', s(60), 1, s(120)],
      ['b', s(120), 1, s(180)],
    ]);
    expect(fused.letters).toEqual([
      ['invalid-key', reading('bad', 3)],
      ['late', reading('a', 30)],
    ]);
    expect(await run(true)).toEqual(fused);
  });

  it('feeds every branch when a pipeline uses an input or a keyed stream twice', async () => {
    const twice = defineStream<{ readings: Reading }, { key: string; windowStart: number; windowEnd: number; n: number }>({
      name: 'twice',
      inputs: { readings: 'readings' },
      output: { topic: 'counts', schema: statsSchema, key: (x) => x.key },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) => {
        const keyed = readings.pipe(keyBy((r) => r.sensor));
        return merge(
          keyed.pipe(tumbling('1m', { grace: 0, emit: 'final' }), aggregate({ n: count() }, { name: 'minute' })),
          keyed.pipe(tumbling('2m', { grace: 0, emit: 'final' }), aggregate({ n: count() }, { name: 'two-minutes' })),
          readings.pipe(
            filter((r) => r.temp === null),
            map((r) => ({ key: `${r.sensor}-missing`, windowStart: r.ts, windowEnd: r.ts, n: 1 })),
          ),
        );
      },
    });
    const driver = await TestDriver.create(twice);
    driver.pipe('readings', reading('a', 10)).pipe('readings', reading('a', 70, null)).pipe('readings', reading('a', 100));
    driver.advanceWatermark(s(240));
    expect(windows(driver).map((w) => [w.key, w.windowStart / 1000, w.windowEnd / 1000, w.n])).toEqual([
      ['a-missing', 70, 70, 1],
      ['a', 0, 60, 1],
      ['a', 60, 120, 2],
      ['a', 0, 120, 3],
    ]);
  });
});

describe('state across a restart', () => {
  it('restores open windows and the watermark, so a window spanning the restart is emitted once and whole', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: '10s', emit: 'final' }));
    driver.pipe('readings', reading('a', 1)).pipe('readings', reading('b', 2)).pipe('readings', reading('a', 65));
    driver.restart();
    driver.pipe('readings', reading('a', 30)); // same window as before the restart, within grace
    driver.pipe('readings', reading('a', 75));
    expect(windows(driver)).toEqual([
      { key: 'a', windowStart: 0, windowEnd: s(60), n: 2 },
      { key: 'b', windowStart: 0, windowEnd: s(60), n: 1 },
    ]);
    driver.restart();
    driver.pipe('readings', reading('a', 5)); // the watermark survived the restarts: late
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual(['late']);
  });
});

describe('bad records and bad pipelines', () => {
  it('sends a record with no usable event time to the dead-letter topic', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: 0, emit: 'final' }));
    driver.pipe('readings', { sensor: 'a', ts: Number.NaN, temp: 1 });
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'event-time', message: expect.stringMatching(/returned null; return milliseconds/) }]);
  });

  it('sends a record whose key cannot be computed to the dead-letter topic and goes on', async () => {
    const driver = await TestDriver.create(counting((o) => tumbling('1m', o), { grace: 0, emit: 'final' }));
    driver.pipe('readings', { sensor: undefined as unknown as string, ts: 1, temp: 1 }).pipe('readings', reading('a', 2));
    driver.advanceWatermark(s(60));
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'invalid-key', message: expect.stringMatching(/returned undefined/) }]);
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(60), n: 1 }]);
  });

  it('survives an exception in a user operator: the record is dead-lettered, the state kept', async () => {
    const fragile = defineStream<{ readings: Reading }, { key: string; windowStart: number; windowEnd: number; n: number }>({
      name: 'fragile',
      inputs: { readings: 'readings' },
      output: { topic: 'counts', schema: statsSchema, key: (x) => x.key },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) =>
        readings.pipe(
          map((r) => {
            if (r.temp !== null && r.temp < -100) throw new Error(`impossible temperature ${r.temp}`);
            return r;
          }),
          keyBy((r) => r.sensor),
          tumbling('1m', { grace: 0, emit: 'final' }),
          aggregate({ n: count() }),
        ),
    });
    const driver = await TestDriver.create(fragile);
    driver.pipe('readings', reading('a', 1)).pipe('readings', reading('a', 2, -300)).pipe('readings', reading('a', 3));
    driver.advanceWatermark(s(60));
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: 'impossible temperature -300' }]);
    expect(windows(driver)).toEqual([{ key: 'a', windowStart: 0, windowEnd: s(60), n: 2 }]);
  });

  it('dead-letters an output that does not fit the output schema, naming the field', async () => {
    const wrong = defineStream<{ readings: Reading }, { key: string; n: string }>({
      name: 'wrong',
      inputs: { readings: 'readings' },
      output: { topic: 'counts', schema: { type: 'record', name: 'W', fields: [{ name: 'key', type: 'string' }, { name: 'n', type: 'long' }] }, key: (x) => x.key },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) => readings.pipe(map((r) => ({ key: r.sensor, n: 'many' }))),
    });
    const driver = await TestDriver.create(wrong);
    driver.pipe('readings', reading('a', 1));
    expect(driver.readValues()).toEqual([]);
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'output-invalid', message: expect.stringMatching(/n: expected "long", found "many"/) }]);
  });

  it('refuses windows without an explicit grace or emit policy, and aggregate without a window', async () => {
    expect(() => tumbling('1m', { emit: 'final' } as unknown as WindowOptions)).toThrow(/options need grace/);
    expect(() => tumbling('1m', { grace: '5s' } as unknown as WindowOptions)).toThrow(/emit must be 'final'.*or 'update'/);
    expect(() => tumbling('1 minute' as never, { grace: 0, emit: 'final' })).toThrow(/"1 minute" is not a valid duration/);
    expect(() => hopping('1m', '2m', { grace: 0, emit: 'final' })).toThrow(/advance .* is longer than its size/);
    const unwindowed = defineStream<{ readings: Reading }, unknown>({
      name: 'unwindowed',
      inputs: { readings: 'readings' },
      output: { topic: 'x', schema: statsSchema, key: () => 'k' },
      pipeline: ({ readings }) => readings.pipe(keyBy((r) => r.sensor), aggregate({ n: count() }) as never),
    });
    const driver = await TestDriver.create(unwindowed);
    driver.pipe('readings', reading('a', 1));
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'pipeline-error', message: expect.stringMatching(/put keyBy\(\.\.\.\) and a window/) }]);
  });

  it('reports every problem of a stream definition at once', () => {
    expect(() =>
      defineStream({
        name: 'Bad Name',
        inputs: {},
        output: { topic: 'bad topic', schema: 42 as never, key: 'k' as never },
        pipeline: undefined as never,
      }),
    ).toThrow(/name: "Bad Name"[\s\S]*pipeline: must be a function[\s\S]*inputs: name at least one[\s\S]*topic name "bad topic"[\s\S]*output.schema[\s\S]*output.key/);
  });
});
