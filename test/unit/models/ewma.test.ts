import { describe, expect, it } from 'vitest';
import { ewmaInit, ewmaPredictiveStddev, ewmaStddev, ewmaUpdate, type EwmaState } from 'fastdata';
import { mulberry32 } from '../../../src/sources/random.js';

const run = (xs: (number | null)[], alpha: number): EwmaState => xs.reduce<EwmaState>((s, x) => ewmaUpdate(s, x, alpha), ewmaInit());

/** The weights the incremental form gives each value: the first (1-a)^(n-1), the i-th a(1-a)^(n-i). */
function explicit(xs: number[], alpha: number) {
  const n = xs.length;
  const w = xs.map((_, i) => (i === 0 ? (1 - alpha) ** (n - 1) : alpha * (1 - alpha) ** (n - 1 - i)));
  const mean = xs.reduce((acc, x, i) => acc + w[i]! * x, 0);
  const variance = xs.reduce((acc, x, i) => acc + w[i]! * (x - mean) ** 2, 0);
  return { mean, variance };
}

describe('ewma', () => {
  it('takes the first value as the mean, with no spread', () => {
    expect(run([21.5], 0.1)).toEqual({ n: 1, mean: 21.5, variance: 0 });
  });

  it('equals the exponentially weighted mean and variance computed from all the values', () => {
    const xs = [20, 21.5, 19.75, 22, 20.5, 18, 23.25, 20, 20.1, 19.9];
    for (const alpha of [0.05, 0.1, 0.3, 0.9]) {
      const state = run(xs, alpha);
      const expected = explicit(xs, alpha);
      expect(state.n).toBe(xs.length);
      expect(state.mean).toBeCloseTo(expected.mean, 12);
      expect(state.variance).toBeCloseTo(expected.variance, 12);
      expect(ewmaStddev(state)).toBeCloseTo(Math.sqrt(expected.variance), 12);
    }
  });

  it('stays precise on large values (no sum of squares)', () => {
    const state = run([1e12 + 1, 1e12 + 3, 1e12 + 1, 1e12 + 3], 0.5);
    expect(state.variance).toBeGreaterThan(0.5);
    expect(state.variance).toBeLessThan(1.5);
  });

  it('forgets: with alpha 1 only the last value counts', () => {
    expect(run([5, 9, 7], 1)).toEqual({ n: 3, mean: 7, variance: 0 });
  });

  it('skips values that are not finite numbers, and never changes the state it is given', () => {
    const before = run([20, 22], 0.2);
    const frozen = Object.freeze({ ...before });
    for (const x of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) expect(ewmaUpdate(frozen, x, 0.2)).toEqual(before);
    expect(ewmaUpdate(frozen, 30, 0.2).n).toBe(3);
    expect(frozen).toEqual(before);
  });

  it('refuses a weight outside (0, 1], naming the value and the fix', () => {
    for (const alpha of [0, -0.1, 1.5, Number.NaN]) {
      expect(() => ewmaUpdate(ewmaInit(), 1, alpha)).toThrow(new RegExp(`alpha: ${String(alpha)} is not a weight in \\(0, 1\\]; use e.g. 0.1`));
    }
  });
});

describe('ewmaPredictiveStddev', () => {
  it('corrects the weighted variance by the squared weights of the values it rests on', () => {
    const xs = [20, 21.5, 19.75, 22, 20.5];
    const alpha = 0.1;
    const n = xs.length;
    const w = xs.map((_, i) => (i === 0 ? (1 - alpha) ** (n - 1) : alpha * (1 - alpha) ** (n - 1 - i)));
    const s = w.reduce((acc, x) => acc + x * x, 0);
    const state = run(xs, alpha);
    expect(ewmaPredictiveStddev(state, alpha)).toBeCloseTo(Math.sqrt((state.variance / (1 - s)) * (1 + s)), 12);
    expect(ewmaPredictiveStddev(state, alpha)).toBeGreaterThan(1.5 * ewmaStddev(state)); // five values: a big correction
  });

  it('tends to the weighted standard deviation / sqrt(1 - alpha) in the long run', () => {
    const state = run(Array.from({ length: 500 }, (_, i) => 20 + Math.sin(i)), 0.2);
    expect(ewmaPredictiveStddev(state, 0.2)).toBeCloseTo(ewmaStddev(state) / Math.sqrt(0.8), 10);
  });

  it('predicts the squared distance of the next value from the mean, on average, from as few as 3 values', () => {
    const random = mulberry32(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    for (const n of [3, 5, 20]) {
      let squared = 0;
      let predicted = 0;
      for (let trial = 0; trial < 20_000; trial++) {
        const state = run(Array.from({ length: n }, normal), 0.1);
        squared += (normal() - state.mean) ** 2;
        predicted += ewmaPredictiveStddev(state, 0.1) ** 2;
      }
      expect(predicted / squared).toBeGreaterThan(0.95);
      expect(predicted / squared).toBeLessThan(1.05);
    }
  });

  it('tells no spread from fewer than 2 values, or when the last value carries all the weight', () => {
    expect(ewmaPredictiveStddev(run([20], 0.1), 0.1)).toBe(0);
    expect(ewmaPredictiveStddev(run([20, 25, 30], 1), 1)).toBe(0);
  });
});
