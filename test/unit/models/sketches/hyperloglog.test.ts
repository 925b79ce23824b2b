/**
 * HyperLogLog: estimates within the stated standard error 1.04 / sqrt(2^p) over many
 * independent streams of distinct values (the true count is known: the test makes the values
 * distinct); merges equal, register for register, to the sketch of the concatenated stream;
 * a state that goes through JSON mid-stream.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DistinctCountState,
  distinctCount,
  distinctCountEstimate,
  distinctCountInit,
  distinctCountMerge,
  distinctCountStandardError,
  distinctCountUpdate,
} from '../../../../src/models/sketches/index.js';
import { mulberry32 } from '../../../../src/sources/random.js';

const sketchOf = (xs: readonly unknown[], precision?: number) => {
  const s = distinctCountInit({ precision });
  for (const x of xs) distinctCountUpdate(s, x);
  return s;
};

/** Trial t's n distinct values: strings for odd t, numbers from a random base for even t. */
function distinctValues(t: number, n: number, seed: number): (string | number)[] {
  const rnd = mulberry32(seed * 1_000 + t);
  if (t % 2) {
    const prefix = Math.floor(rnd() * 1e9).toString(36);
    return Array.from({ length: n }, (_, i) => `${prefix}:${i}`);
  }
  const base = Math.floor(rnd() * 1e12);
  return Array.from({ length: n }, (_, i) => base + i * 0.5);
}

describe('HyperLogLog accuracy', () => {
  it('states the standard error 1.04 / sqrt(2^p)', () => {
    expect(distinctCountStandardError(14)).toBeCloseTo(0.008125, 6);
    expect(distinctCountStandardError(4)).toBe(0.26);
  });

  // For each precision: independent streams of n distinct values for n from 10 to 100,000.
  // Checked per precision: the share of estimates off by more than 3 standard errors (and
  // one unit: with n = 10 and 1,024 registers, one collision of two values is already 10%)
  // is at most 1% (a normal error would give 0.27%; with 16 registers, p = 4, the error is
  // skewed and 5% is allowed); the root mean square error is at most 1.3 standard errors and
  // the mean error (the bias) at most 0.5 of one, in every n.
  const cells: [p: number, trials: number, ns: number[]][] = [
    [4, 100, [10, 100, 1_000, 10_000, 100_000]],
    [8, 100, [10, 100, 1_000, 10_000, 100_000]],
    [10, 100, [10, 100, 1_000, 10_000, 100_000]],
    [14, 20, [10, 100, 1_000, 10_000, 100_000]],
  ];
  for (const [p, trials, ns] of cells) {
    it(`p = ${p}: within ${(100 * distinctCountStandardError(p)).toFixed(2)}% standard error over ${trials} streams for each of n = ${ns.join(', ')}`, () => {
      const se = distinctCountStandardError(p);
      let beyond3 = 0;
      for (const n of ns) {
        let sum = 0;
        let squares = 0;
        for (let t = 0; t < trials; t++) {
          const estimate = distinctCountEstimate(sketchOf(distinctValues(t, n, p), p));
          const error = (estimate - n) / n;
          sum += error;
          squares += error * error;
          if (Math.abs(estimate - n) > 3 * se * n + 1) beyond3++;
        }
        expect(Math.sqrt(squares / trials) / se, `rms at n=${n}`).toBeLessThanOrEqual(1.3);
        expect(Math.abs(sum / trials) / se, `bias at n=${n}`).toBeLessThanOrEqual(0.5);
      }
      expect(beyond3 / (trials * ns.length)).toBeLessThanOrEqual(p === 4 ? 0.05 : 0.01);
    });
  }

  it('counts a few values exactly, and counts each value once however often it comes', () => {
    for (const n of [0, 1, 2, 5, 10, 20]) expect(distinctCountEstimate(sketchOf(distinctValues(1, n, 3)))).toBe(n);
    const once = sketchOf(distinctValues(2, 5_000, 3));
    const thrice = sketchOf([...distinctValues(2, 5_000, 3), ...distinctValues(2, 5_000, 3).reverse(), ...distinctValues(2, 5_000, 3)]);
    expect(thrice).toEqual(once);
  });

  it('tells strings from numbers, and skips null, undefined and non-finite numbers', () => {
    expect(distinctCountEstimate(sketchOf([1, '1', 1, '1']))).toBe(2);
    expect(distinctCountEstimate(sketchOf([null, undefined, Number.NaN, Number.NEGATIVE_INFINITY, 'a']))).toBe(1);
    expect(distinctCountEstimate(sketchOf([0, -0]))).toBe(1);
  });

  it('keeps registers sparse while few are set and dense after m / 8, with the same estimate', () => {
    const few = sketchOf(distinctValues(1, 100, 9), 10);
    expect(few.registers).toBeNull();
    expect(few.sparseSize).toBeGreaterThan(85); // 100 values in 1,024 registers: about 5 share one
    expect(few.sparseSize).toBe(Object.keys(few.sparse!).length);
    const many = sketchOf(distinctValues(1, 1_000, 9), 10);
    expect(many.sparse).toBeNull();
    expect(many.registers).toHaveLength(1024);
    expect(many.registers!.filter((r) => r > 0).length).toBeGreaterThan(1024 / 8);
  });
});

describe('HyperLogLog merge', () => {
  const item = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -5_000, max: 5_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }));

  it('equals, register for register, the sketch of the concatenated stream (500 streams, sparse and dense)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(item, { maxLength: 400 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(4, 6, 10),
        (parts, p) => {
          const merged = parts.map((part) => sketchOf(part, p)).reduce((a, b) => distinctCountMerge(a, b));
          expect(merged).toEqual(sketchOf(parts.flat(), p));
          expect(distinctCountEstimate(merged)).toBe(distinctCountEstimate(sketchOf(parts.flat(), p)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is the union: merging a sketch with itself changes nothing', () => {
    const s = sketchOf(distinctValues(1, 3_000, 4), 10);
    const copy = JSON.parse(JSON.stringify(s)) as DistinctCountState;
    expect(distinctCountMerge(s, copy)).toEqual(copy);
  });

  it('refuses to merge sketches of different precision, naming it', () => {
    expect(() => distinctCountMerge(distinctCountInit(), distinctCountInit({ precision: 12 }))).toThrow(/different precision \(14 and 12\)/);
  });
});

describe('HyperLogLog state', () => {
  it('survives JSON mid-stream: the same estimate and registers as an uninterrupted run (300 streams)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 1, maxLength: 600 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, at) => {
        const cut = Math.floor(at * xs.length);
        let resumed = JSON.parse(JSON.stringify(sketchOf(xs.slice(0, cut), 8))) as DistinctCountState;
        for (const x of xs.slice(cut)) resumed = distinctCountUpdate(resumed, x);
        const straight = sketchOf(xs, 8);
        expect(resumed).toEqual(straight);
        expect(distinctCountEstimate(resumed)).toBe(distinctCountEstimate(straight));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a precision out of range and values it cannot count, naming the option or field', () => {
    expect(() => distinctCountInit({ precision: 3 })).toThrow('precision: 3 is not a whole number in [4, 16]; use e.g. 14');
    expect(() => distinctCountInit({ precision: 17 })).toThrow(/precision: 17 is not/);
    expect(() => distinctCountUpdate(distinctCountInit(), { a: 1 })).toThrow(/distinctCount value: a value of type object cannot be counted/);
  });

  it('window aggregator: adds, merges and answers the estimate', () => {
    const agg = distinctCount((r: { user: string | null }) => r.user, { precision: 12 });
    const users = distinctValues(1, 2_000, 6) as string[];
    let a = agg.init();
    let b = agg.init();
    users.forEach((user, i) => {
      if (i % 3) a = agg.add(a, { user });
      else b = agg.add(b, { user });
      b = agg.add(b, { user: null });
    });
    const estimate = agg.result(agg.merge(a, b));
    expect(Math.abs(estimate - 2_000) / 2_000).toBeLessThanOrEqual(4 * distinctCountStandardError(12));
  });
});
