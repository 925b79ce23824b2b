import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { anomalyScore, type AnomalyScoreOptions, defineStream, keyBy, MAX_ANOMALY_SCORE, type Scored } from 'fastdata';
import { TestDriver } from 'fastdata/testing';

interface Point {
  id: string;
  ts: number;
  x: number | null;
}

type Row = Omit<Scored<Point>, 'value' | 'key'> & { id: string; x: number | null };

const rowSchema = {
  type: 'record',
  name: 'Row',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'x', type: ['null', 'double'] },
    { name: 'time', type: 'long' },
    { name: 'score', type: 'double' },
    { name: 'expected', type: 'double' },
    { name: 'stddev', type: 'double' },
    { name: 'anomalous', type: 'boolean' },
    { name: 'observations', type: 'long' },
  ],
};

function scoring(options: AnomalyScoreOptions = {}) {
  return defineStream<{ points: Point }, Row>({
    name: 'scoring',
    inputs: { points: 'points' },
    output: { topic: 'scores', schema: rowSchema, key: (r) => r.id },
    eventTime: (p) => p.ts,
    pipeline: ({ points }) =>
      points.pipe(
        keyBy((p) => p.id),
        anomalyScore((p) => p.x, { name: 'x', ...options }),
        map(({ key, value, ...s }) => ({ id: key, x: value.x, ...s })),
      ),
  });
}

/** Noise in [-1, 1] that repeats: a test input, not a random one. */
const noise = (i: number) => [0.3, -0.8, 0.5, -0.2, 0.9, -0.6, 0.1, -0.4, 0.7, -1][i % 10]!;

async function feed(xs: (number | null)[], options: AnomalyScoreOptions = {}, id = 'a') {
  const driver = await TestDriver.create(scoring(options));
  xs.forEach((x, i) => driver.pipe('points', { id, ts: i * 60_000, x }));
  return { driver, rows: driver.readValues() };
}

describe('anomalyScore', () => {
  it('flags a jump against the history before it, and not the noise of that history', async () => {
    const normal = Array.from({ length: 30 }, (_, i) => 20 + noise(i));
    const { rows } = await feed([...normal, 28]);
    expect(rows.slice(0, 30).filter((r) => r.anomalous)).toEqual([]);
    const jump = rows[30]!;
    expect(jump.anomalous).toBe(true);
    expect(jump.score).toBeGreaterThan(5);
    // Judged against the state before it: the jump is not in `expected` yet.
    expect(jump.expected).toBeGreaterThan(19);
    expect(jump.expected).toBeLessThan(21);
    expect(jump.score).toBeCloseTo((28 - jump.expected) / jump.stddev, 10);
    expect(jump.observations).toBe(30);
  });

  it('scores nothing during warmup, then scores from the warmup-th value on', async () => {
    const early = await feed([20, 21, 19, 20, 40], { warmup: 5 });
    expect(early.rows.map((r) => [r.observations, r.score, r.anomalous])).toEqual([0, 1, 2, 3, 4].map((n) => [n, 0, false]));
    expect(early.rows[0]!.expected).toBe(20); // the first value is its own expectation
    const scored = await feed([20, 21, 19, 20, 21, 40], { warmup: 5 });
    expect(scored.rows[5]).toMatchObject({ observations: 5, anomalous: true });
  });

  it('with no spread in the history, scores an equal value 0 and any other at the documented cap', async () => {
    const { rows } = await feed([20, 20, 20, 20, 20, 20, 20.01, 19.99], { warmup: 3, alpha: 1 });
    expect(rows.slice(0, 6).every((r) => r.score === 0 && r.stddev === 0)).toBe(true);
    expect(rows[6]).toMatchObject({ score: MAX_ANOMALY_SCORE, anomalous: true, stddev: 0 });
    expect(rows[7]).toMatchObject({ score: -MAX_ANOMALY_SCORE, anomalous: true });
    expect(rows.every((r) => Number.isFinite(r.score))).toBe(true);
  });

  it('keeps one history per key', async () => {
    const driver = await TestDriver.create(scoring({ warmup: 2 }));
    for (let i = 0; i < 10; i++) {
      driver.pipe('points', { id: 'cold', ts: i, x: 5 + noise(i) });
      driver.pipe('points', { id: 'hot', ts: i, x: 50 + noise(i) });
    }
    const rows = driver.readValues();
    expect(rows.filter((r) => r.anomalous)).toEqual([]);
    expect(rows.filter((r) => r.id === 'hot').at(-1)!.expected).toBeGreaterThan(49);
    expect(rows.filter((r) => r.id === 'cold').at(-1)!.observations).toBe(9);
  });

  it('emits missing values with score 0 and leaves the history as it was', async () => {
    const { rows } = await feed([20, 21, 19, 20, 21, null, 20], { warmup: 2 });
    expect(rows[5]).toMatchObject({ x: null, score: 0, anomalous: false, observations: 5 });
    expect(rows[6]!.observations).toBe(5);
  });

  it('keeps its history across a restart (it is checkpointed state)', async () => {
    const driver = await TestDriver.create(scoring({ warmup: 3 }));
    [20, 21, 19, 20].forEach((x, i) => driver.pipe('points', { id: 'a', ts: i, x }));
    const before = driver.readValues().at(-1)!;
    driver.restart();
    driver.pipe('points', { id: 'a', ts: 10, x: 35 });
    const [after] = driver.readValues();
    expect(after).toMatchObject({ observations: 4, anomalous: true });
    expect(after!.expected).not.toBe(before.expected); // includes the 4th value
  });

  it('forgets a key after its ttl of event time without values', async () => {
    const driver = await TestDriver.create(scoring({ ttl: '1h' }));
    [20, 21, 19].forEach((x, i) => driver.pipe('points', { id: 'a', ts: i * 60_000, x }));
    driver.advanceWatermark(2 * 60_000 + 3_600_000);
    driver.readValues();
    driver.pipe('points', { id: 'a', ts: 4 * 3_600_000, x: 30 });
    expect(driver.readValues()).toMatchObject([{ observations: 0, expected: 30, score: 0 }]);
  });

  it('refuses bad options, naming each field and the fix', () => {
    const bad = { alpha: 0, threshold: -1, warmup: 1.5 } as AnomalyScoreOptions;
    expect(() => anomalyScore<Point>((p) => p.x, bad)).toThrow(
      /anomalyScore\(\) options are not valid:\n {2}- alpha: 0 is not a weight in \(0, 1\][^\n]*\n {2}- threshold: -1 is not a number in \(0, 1000\][^\n]*\n {2}- warmup: 1.5 is not a whole number >= 2/,
    );
    expect(() => anomalyScore('x' as never)).toThrow(/valueOf: pass a function/);
    expect(() => anomalyScore<Point>((p) => p.x, { ttl: 'forever' as never })).toThrow(/mapWithState ttl: "forever" is not a valid duration/);
  });
});
