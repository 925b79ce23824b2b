/**
 * DDSketch: every quantile within the relative accuracy of the exact one (which this test
 * computes by sorting), over random streams of every shape (signs, zeros, ranges from
 * subnormal to near the largest double, single values, repeats); merges equal to the sketch
 * of the concatenated stream, bin for bin; a state that goes through JSON mid-stream.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type QuantileSketchState,
  quantile,
  quantileInit,
  quantileMerge,
  quantileOf,
  quantileUpdate,
  quantiles,
} from '../../../../src/models/sketches/index.js';

const QS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

/** The q-quantile as the sketch defines it: the value of rank floor(q * (n - 1)) in sorted order. */
const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

/** |x| below this counts as zero in the sketch (2^-1022 * gamma); the bound is stated for the rest. */
const tiny = (a: number) => 2 ** -1022 * ((1 + a) / (1 - a));

const sketchOf = (xs: readonly number[], options?: Parameters<typeof quantileInit>[0]) => {
  const s = quantileInit(options);
  for (const x of xs) quantileUpdate(s, x);
  return s;
};

/** The relative error allowed: a, and the last bits of a double's logarithm. */
const within = (estimate: number, truth: number, a: number) => {
  const bound = Math.abs(truth) < tiny(a) ? tiny(a) : a * Math.abs(truth) * (1 + 1e-9);
  return Math.abs(estimate - truth) <= bound;
};

function expectAccurate(xs: number[], a: number, maxBins = 1_000_000): void {
  const s = sketchOf(xs, { relativeAccuracy: a, maxBins });
  const sorted = xs.filter(Number.isFinite).sort((x, y) => x - y);
  for (const q of QS) {
    const truth = exact(sorted, q);
    const got = quantile(s, q);
    if (!within(got, truth, a)) throw new Error(`q=${q}: ${got} is not within ${a} of ${truth} (n=${sorted.length})`);
  }
}

const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const latencies = fc.double({ min: 1e-3, max: 1e5, noNaN: true });
const accuracy = fc.constantFrom(0.001, 0.005, 0.01, 0.02, 0.05, 0.2);

describe('DDSketch quantiles', () => {
  it('answers every quantile within the relative accuracy, over random streams of any doubles (1,000 streams)', () => {
    fc.assert(
      // Down to 0.005: at 0.001 a stream from 1e-308 to 1e308 spans 700,000 bins, and this stays a unit test.
      fc.property(fc.array(anyDouble, { minLength: 1, maxLength: 300 }), fc.constantFrom(0.005, 0.01, 0.05, 0.2), (xs, a) => expectAccurate(xs, a)),
      { numRuns: 1_000 },
    );
  });

  it('answers within the bound on positive, mixed-sign, clustered and repeated streams (1,000 streams)', () => {
    const stream = fc.oneof(
      fc.array(latencies, { minLength: 1, maxLength: 2_000 }),
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2_000 }),
      fc.array(fc.constantFrom(0, -0, 1, -1, 1e-300, -1e-300, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324), { minLength: 1, maxLength: 200 }),
      fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 500 }),
      fc.tuple(fc.double({ min: 1, max: 1e9, noNaN: true }), fc.integer({ min: 1, max: 5_000 })).map(([x, n]) => new Array<number>(n).fill(x)),
    );
    fc.assert(fc.property(stream, accuracy, (xs, a) => expectAccurate(xs, a)), { numRuns: 1_000 });
  });

  it('handles the adversarial cases exactly where it can: one value, zeros, negatives only, the extremes of double', () => {
    expect(quantile(sketchOf([42.5]), 0)).toBe(42.5);
    expect(quantile(sketchOf([42.5]), 0.5)).toBe(42.5); // min = max: clamped to the value itself
    expect(QS.map((q) => quantile(sketchOf([0, 0, -0, 0]), q))).toEqual(QS.map(() => 0));
    const negatives = sketchOf([-1, -2, -3, -4, -5, -6, -7, -8, -9, -10]);
    expect(quantile(negatives, 0)).toBe(-10);
    expect(quantile(negatives, 1)).toBe(-1);
    expect(Math.abs(quantile(negatives, 0.5) - -6) / 6).toBeLessThanOrEqual(0.01);
    const extremes = sketchOf([Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1]);
    expect(QS.map((q) => quantile(extremes, q)).every(Number.isFinite)).toBe(true);
    expect(quantile(extremes, 1)).toBe(Number.MAX_VALUE);
    expect(quantile(sketchOf([]), 0.5)).toBeNaN();
  });

  it('skips values that are not finite numbers, as the aggregators do', () => {
    const s = sketchOf([1, 2, 3]);
    const before = JSON.stringify(s);
    for (const x of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) quantileUpdate(s, x);
    expect(JSON.stringify(s)).toBe(before);
  });

  it('keeps at most maxBins bins per sign and stays accurate for values within gamma^maxBins of the largest (1,000 streams)', () => {
    // Values spread over 1e-12..1e12 with 64 bins at 1%: the lowest collapse.
    const stream = fc.array(fc.double({ min: -12, max: 12, noNaN: true }).map((e) => 10 ** e), { minLength: 1, maxLength: 500 });
    fc.assert(
      fc.property(stream, fc.constantFrom(16, 64, 300), (xs, maxBins) => {
        const a = 0.01;
        const s = sketchOf(xs, { relativeAccuracy: a, maxBins });
        expect(s.pos.bins.length).toBeLessThanOrEqual(maxBins);
        expect(s.pos.bins.reduce((x, y) => x + y, 0)).toBe(xs.length);
        const sorted = [...xs].sort((x, y) => x - y);
        const gamma = (1 + a) / (1 - a);
        // Values at least max / gamma^(maxBins - 1) keep their own bin.
        const floor = sorted.at(-1)! / gamma ** (maxBins - 1);
        for (const q of QS) {
          const truth = exact(sorted, q);
          if (truth > floor) expect(within(quantile(s, q), truth, a)).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('DDSketch merge', () => {
  /** Split `xs` at random cut points, sketch each part, merge them in a random order. */
  const merged = (xs: number[], cuts: number[], order: number[], options: Parameters<typeof quantileInit>[0]) => {
    const points = [...new Set(cuts.map((c) => Math.floor(c * xs.length)))].sort((a, b) => a - b);
    const parts: number[][] = [];
    let from = 0;
    for (const p of [...points, xs.length]) {
      parts.push(xs.slice(from, p));
      from = p;
    }
    const sketches = parts.map((p) => sketchOf(p, options));
    const ordered = order.map((o) => sketches[o % sketches.length]!).filter((s, i, all) => all.indexOf(s) === i);
    for (const s of sketches) if (!ordered.includes(s)) ordered.push(s);
    return ordered.slice(1).reduce((acc, s) => quantileMerge(acc, s), ordered[0]!);
  };

  it('equals the sketch of the concatenated stream, bin for bin, with and without collapsed bins (1,000 streams)', () => {
    const value = fc.oneof(anyDouble, fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constant(0));
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 400 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 7 }),
        fc.constantFrom(16, 40, 2048),
        fc.constantFrom(0.01, 0.05),
        (xs, cuts, order, maxBins, relativeAccuracy) => {
          const options = { maxBins, relativeAccuracy };
          expect(merged(xs, cuts, order, options)).toEqual(sketchOf(xs, options));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('merges negative values too (the case @datadog/sketches-js 2.1.1 gets wrong: its merge drops the negative store)', () => {
    const positives = sketchOf(Array.from({ length: 100 }, (_, i) => i + 1));
    const negatives = sketchOf(Array.from({ length: 100 }, (_, i) => -(i + 1)));
    const m = quantileMerge(positives, negatives);
    expect(m.count).toBe(200);
    // Sorted: -100..-1, 1..100; rank floor(0.1 * 199) = 19 is -81.
    expect(Math.abs(quantile(m, 0.1) - -81)).toBeLessThanOrEqual(0.81);
    expect(quantile(m, 0.5)).toBeLessThan(0);
  });

  it('refuses to merge sketches of different accuracy or size, naming the option', () => {
    expect(() => quantileMerge(quantileInit(), quantileInit({ relativeAccuracy: 0.02 }))).toThrow(/relativeAccuracy \(0.01 and 0.02\)/);
    expect(() => quantileMerge(quantileInit(), quantileInit({ maxBins: 100 }))).toThrow(/maxBins \(2048 and 100\)/);
  });
});

describe('DDSketch state', () => {
  it('survives JSON mid-stream: the same quantiles, bit for bit, as an uninterrupted run', () => {
    fc.assert(
      fc.property(fc.array(anyDouble, { minLength: 2, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, at) => {
        const cut = Math.floor(at * xs.length);
        const straight = sketchOf(xs, { maxBins: 64 });
        let resumed: QuantileSketchState = sketchOf(xs.slice(0, cut), { maxBins: 64 });
        resumed = JSON.parse(JSON.stringify(resumed)) as QuantileSketchState;
        for (const x of xs.slice(cut)) quantileUpdate(resumed, x);
        expect(QS.map((q) => quantile(resumed, q))).toEqual(QS.map((q) => quantile(straight, q)));
        expect(resumed).toEqual(straight);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses options out of range, naming the option, the range and an example', () => {
    expect(() => quantileInit({ relativeAccuracy: 0 })).toThrow('relativeAccuracy: 0 is not a number in (0, 1); use e.g. 0.01');
    expect(() => quantileInit({ relativeAccuracy: 1 })).toThrow(/relativeAccuracy: 1 is not/);
    expect(() => quantileInit({ maxBins: 2.5 })).toThrow(/maxBins: 2.5 is not a whole number in \[16, 1000000\]/);
    expect(() => quantile(quantileInit(), 1.5)).toThrow(/q: 1.5 is not a quantile in \[0, 1\]/);
    expect(() => quantiles((x: number) => x, [0.5, 2])).toThrow(/quantiles\[1\]: 2 is not a quantile/);
  });

  it('refuses the state of another model, naming both', () => {
    expect(() => quantileUpdate({ kind: 'hyperloglog', v: 1 } as never, 1)).toThrow(/a ddsketch model was given a state of kind "hyperloglog" version 1/);
  });
});

describe('quantile aggregators', () => {
  it('add, merge and answer as the sketch does, for quantiles in the order asked', () => {
    const xs = Array.from({ length: 1_000 }, (_, i) => ((i * 7919) % 1_000) - 200);
    const agg = quantiles((r: { v: number | null }) => r.v, [0.99, 0.5]);
    const one = quantileOf((r: { v: number | null }) => r.v, 0.99);
    let a = agg.init();
    let b = agg.init();
    xs.forEach((v, i) => {
      if (i % 2) a = agg.add(a, { v });
      else b = agg.add(b, { v });
    });
    a = agg.add(a, { v: null });
    const [p99, p50] = agg.result(agg.merge(a, b));
    const sorted = [...xs].sort((x, y) => x - y);
    expect(within(p99!, exact(sorted, 0.99), 0.01)).toBe(true);
    expect(within(p50!, exact(sorted, 0.5), 0.01)).toBe(true);
    expect(one.result(xs.reduce((acc, v) => one.addField!(acc, v), one.init()))).toBe(p99);
    expect(agg.result(agg.init())).toEqual([Number.NaN, Number.NaN]);
  });
});
