import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KMeansState, kmeansInit, kmeansPredict, kmeansUpdate } from '../../../../src/models/clustering/kmeans.js';
import { mulberry32 } from '../../../../src/sources/random.js';

const gaussian = (rand: () => number) => () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const dist = (a: readonly number[], b: readonly number[]) => Math.sqrt(a.reduce((s, v, j) => s + (v - b[j]!) ** 2, 0));

/** k true centers at least `separation` apart in d dimensions, and labelled points around them (spread 1). */
function clusters(seed: number, k: number, d: number, n: number, separation: number) {
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const truth: number[][] = [];
  while (truth.length < k) {
    const c = Array.from({ length: d }, () => (rand() - 0.5) * separation * 2 * k);
    if (truth.every((t) => dist(t, c) >= separation)) truth.push(c);
  }
  const labels = Array.from({ length: n }, () => Math.floor(rand() * k));
  const points = labels.map((l) => truth[l]!.map((v) => v + g()));
  return { truth, labels, points };
}

describe('streaming k-means', () => {
  it("init 'first': the first k distinct points are the centers; a duplicate leaves its center where it is", () => {
    const s = kmeansInit({ k: 3, dimensions: 2 });
    for (const p of [[0, 0], [0, 0], [5, 5], [0, 0], [9, 1]]) kmeansUpdate(s, p);
    expect(s.centers).toEqual([[0, 0], [5, 5], [9, 1]]);
    expect(s.weights).toEqual([3, 1, 1]);
    expect(kmeansPredict(s, [8, 1])).toEqual({ cluster: 2, distance: 1 });
    expect(kmeansPredict(kmeansInit({ k: 2, dimensions: 2 }), [1, 1])).toBeNull();
  });

  it('with decay 1, each center is exactly the mean of the points it was given (MacQueen)', () => {
    // Well separated, and the first three points are one of each cluster: every point joins its true center.
    const { truth, points, labels } = clusters(3, 3, 2, 3000, 40);
    const firsts = [0, 1, 2].map((l) => labels.indexOf(l));
    const order = [...firsts, ...points.map((_, i) => i).filter((i) => !firsts.includes(i))];
    const s = kmeansInit({ k: 3, dimensions: 2 });
    for (const i of order) kmeansUpdate(s, points[i]!);
    for (let l = 0; l < 3; l++) {
      const mine = points.filter((_, i) => labels[i] === l);
      const mean = [0, 1].map((j) => mine.reduce((a, p) => a + p[j]!, 0) / mine.length);
      const c = kmeansPredict(s, truth[l]!)!.cluster;
      expect(c).toBe(l);
      expect(s.centers[c]![0]).toBeCloseTo(mean[0]!, 9);
      expect(s.centers[c]![1]).toBeCloseTo(mean[1]!, 9);
      expect(s.weights[c]).toBe(mine.length);
    }
  });

  it('with a half-life, one center is the exponentially weighted mean (weight 0.5^(age/h), per point and per mini-batch)', () => {
    const rand = mulberry32(8);
    const xs = Array.from({ length: 400 }, (_, i) => [i / 10 + rand(), rand() * 3]);
    const h = 50;
    const a = 0.5 ** (1 / h);
    // One point at a time: point i has weight a^(n-1-i).
    const one = kmeansInit({ k: 1, dimensions: 2, halfLife: h });
    for (const x of xs) kmeansUpdate(one, x);
    const weights = xs.map((_, i) => a ** (xs.length - 1 - i));
    const total = weights.reduce((p, q) => p + q, 0);
    for (const j of [0, 1]) expect(one.centers[0]![j]).toBeCloseTo(xs.reduce((p, x, i) => p + weights[i]! * x[j]!, 0) / total, 9);
    expect(one.weights[0]).toBeCloseTo(total, 9);
    // Mini-batches of 20 (after the first point, which seeds the center): a batch's points share one weight, a^(points after the batch).
    const batched = kmeansInit({ k: 1, dimensions: 2, decay: a });
    kmeansUpdate(batched, xs[0]!);
    const batches: number[][][] = [];
    for (let i = 1; i < xs.length; i += 20) batches.push(xs.slice(i, i + 20));
    for (const b of batches) kmeansUpdate(batched, b);
    const bw = [a ** (xs.length - 1), ...batches.flatMap((b, bi) => b.map(() => a ** (xs.length - 1 - (1 + 20 * bi + b.length - 1))))];
    const btotal = bw.reduce((p, q) => p + q, 0);
    for (const j of [0, 1]) expect(batched.centers[0]![j]).toBeCloseTo(xs.reduce((p, x, i) => p + bw[i]! * x[j]!, 0) / btotal, 9);
  });

  it("a mini-batch is assigned against the centers before it moves them (Sculley's step)", () => {
    const s = kmeansInit({ k: 2, dimensions: 1 });
    kmeansUpdate(s, [0]);
    kmeansUpdate(s, [10]);
    // One point at a time, [4] would pull center 0 to 2 and [5.5] would then join it; in one batch both are judged against 0 and 10.
    kmeansUpdate(s, [[4], [5.5], [4.5]]);
    expect(s.centers[0]![0]).toBeCloseTo((0 + 4 + 4.5) / 3, 12);
    expect(s.centers[1]![0]).toBeCloseTo((10 + 5.5) / 2, 12);
    const sequential = kmeansInit({ k: 2, dimensions: 1 });
    for (const p of [[0], [10], [4], [5.5], [4.5]]) kmeansUpdate(sequential, p);
    expect(sequential.centers[0]![0]).toBeCloseTo((0 + 4 + 5.5 + 4.5) / 4, 12);
  });

  it('k-means++ finds well-separated true centers, whatever the order of the stream', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1000 }), (seed, k, d, initSeed) => {
        const { truth, points } = clusters(seed, k, d, 400 * k, 25);
        const s = kmeansInit({ k, dimensions: d, init: 'kmeans++', seed: initSeed });
        for (const p of points) kmeansUpdate(s, p);
        // Each true center has its own estimated center, within 0.5 (the mean of ~400 points of spread 1 is within ~0.05·sqrt(d)).
        const matched = truth.map((t) => kmeansPredict(s, t)!);
        expect(new Set(matched.map((m) => m.cluster)).size).toBe(k);
        for (const m of matched) expect(m.distance).toBeLessThan(0.5);
      }),
      { numRuns: 60, seed: 2010 },
    );
  });

  it('k-means++ is reproducible: the same seed and stream give the same centers; it predicts nothing while buffering', () => {
    const { points } = clusters(4, 4, 3, 2000, 5);
    const run = (seed: number) => {
      const s = kmeansInit({ k: 4, dimensions: 3, init: 'kmeans++', initBuffer: 100, seed });
      points.forEach((p, i) => {
        if (i < 99) expect(kmeansPredict(kmeansUpdate(s, p), p)).toBeNull();
        else kmeansUpdate(s, p);
      });
      return s.centers;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('follows drift with a half-life, and does not without one', () => {
    const g = gaussian(mulberry32(12));
    // Two clusters 30 apart; from point 3000 on, the first moves by +10.
    const point = (i: number) => (i % 2 === 0 ? [(i >= 3000 ? 10 : 0) + g(), g()] : [30 + g(), g()]);
    const forgetful = kmeansInit({ k: 2, dimensions: 2, halfLife: 200 });
    const stubborn = kmeansInit({ k: 2, dimensions: 2 });
    for (let i = 0; i < 5000; i++) {
      const p = point(i);
      kmeansUpdate(forgetful, p);
      kmeansUpdate(stubborn, p);
    }
    expect(kmeansPredict(forgetful, [10, 0])!.distance).toBeLessThan(0.5);
    expect(kmeansPredict(stubborn, [10, 0])!.distance).toBeGreaterThan(3);
  });

  it('survives a restart mid-stream (also mid-buffer): JSON state, identical assignments and centers', () => {
    const { points } = clusters(21, 3, 2, 3000, 10);
    for (const options of [{ k: 3, dimensions: 2, halfLife: 300 }, { k: 3, dimensions: 2, init: 'kmeans++' as const, initBuffer: 500, seed: 3 }, { k: 3, dimensions: 2, learningRate: 0.1 }]) {
      const whole = kmeansInit(options);
      const expected = points.map((p) => kmeansPredict(kmeansUpdate(whole, p), p));
      let s = kmeansInit(options);
      const got = points.map((p, i) => {
        if (i % 277 === 0) s = JSON.parse(JSON.stringify(s)) as KMeansState;
        return kmeansPredict(kmeansUpdate(s, p), p);
      });
      expect(got).toEqual(expected);
      expect(s).toEqual(whole);
    }
  });

  it('skips points with a value that is not finite; refuses points of another length and bad options, naming them', () => {
    const s = kmeansInit({ k: 2, dimensions: 2 });
    kmeansUpdate(s, [1, Number.NaN]);
    kmeansUpdate(s, [[null as unknown as number, 1], [2, 2]]);
    expect(s.n).toBe(1);
    expect(s.centers).toEqual([[2, 2]]);
    expect(() => kmeansUpdate(s, [1, 2, 3])).toThrow(/point: an array of 3 is not a point of this model's 2 dimensions/);
    expect(() => kmeansPredict(s, [1])).toThrow(/point:/);
    expect(() => kmeansInit({ k: 0, dimensions: 2 })).toThrow(/k: 0 is not a whole number/);
    expect(() => kmeansInit({ k: 2, dimensions: 2, halfLife: 10, decay: 0.9 })).toThrow(/halfLife: give halfLife or decay, not both/);
    expect(() => kmeansInit({ k: 2, dimensions: 2, learningRate: 2 })).toThrow(/learningRate: 2/);
    expect(() => kmeansInit({ k: 4, dimensions: 2, init: 'kmeans++', initBuffer: 3 })).toThrow(/initBuffer: 3 is not a whole number in \[4,/);
    expect(() => kmeansInit(undefined as unknown as { k: number; dimensions: number })).toThrow(/kmeansInit: undefined is not an options object/);
  });
});
