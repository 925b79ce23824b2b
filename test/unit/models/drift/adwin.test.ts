import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AdwinState, adwinInit, adwinUpdate, adwinVariance } from '../../../../src/models/drift/adwin.js';
import { mulberry32 } from '../../../../src/sources/random.js';

const gaussian = (rand: () => number) => () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** Detection indices of a stream. */
function detections(xs: readonly number[], state: AdwinState = adwinInit()): number[] {
  const out: number[] = [];
  xs.forEach((x, i) => {
    if (adwinUpdate(state, x).drift) out.push(i);
  });
  return out;
}

/**
 * The shortest W1 whose cut bound (River's, with W0 much longer) is below a shift of `s` in the
 * mean of values of spread `sigma`: sqrt(2 m sigma² δ') + (2/3) m δ' < s, m = 1 / (n - 4).
 */
function cutLength(s: number, sigma: number, width: number, delta = 0.002): number {
  const deltaPrime = Math.log((2 * Math.log(width)) / delta);
  for (let n = 6; ; n++) {
    const m = 1 / (n - 4);
    if (Math.sqrt(2 * m * sigma * sigma * deltaPrime) + (2 / 3) * deltaPrime * m < s) return n;
  }
}

describe('ADWIN', () => {
  it('keeps the exact mean, width and variance of the window while nothing changes', () => {
    const xs = Array.from({ length: 1000 }, mulberry32(7));
    const s = adwinInit({ delta: 1e-9 });
    xs.forEach((x) => adwinUpdate(s, x));
    expect(s.detections).toBe(0);
    expect(s.width).toBe(1000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(s.mean).toBeCloseTo(mean, 12);
    expect(adwinVariance(s)).toBeCloseTo(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length, 12);
  });

  it('holds the window in logarithmically many buckets, each row at most maxBuckets long', () => {
    for (const maxBuckets of [2, 5]) {
      const s = adwinInit({ maxBuckets, delta: 1e-12 });
      for (let i = 0; i < 100_000; i++) adwinUpdate(s, i % 2);
      expect(s.width).toBe(100_000);
      // Rows of 2^i values, at most maxBuckets each: the rows add up to the width.
      expect(s.rows.reduce((a, row, i) => a + row.totals.length * 2 ** i, 0)).toBe(100_000);
      for (const row of s.rows) expect(row.totals.length).toBeLessThanOrEqual(maxBuckets);
      expect(s.rows.length).toBeLessThanOrEqual(Math.ceil(Math.log2(100_000 / maxBuckets + 1)) + 1);
      expect(JSON.stringify(s).length).toBeLessThan(2 * (maxBuckets + 1) * 17 * 25 + 500);
    }
  });

  it('is detected within the delay its cut bound implies, for any shift of the mean (noise of spread 1)', () => {
    // The delay is bounded by 4 times the W1 length at which the bound falls below the shift, plus
    // the clock: the observed difference of means is noisy around the shift, and tests run every 32 values.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.double({ min: 0.5, max: 4, noNaN: true }), fc.integer({ min: 1000, max: 3000 }), (seed, shift, before) => {
        const g = gaussian(mulberry32(seed));
        const xs = [...Array.from({ length: before }, g), ...Array.from({ length: 4000 }, () => shift + g())];
        const after = detections(xs).filter((i) => i >= before);
        expect(after.length).toBeGreaterThan(0);
        expect(after[0]! - before).toBeLessThanOrEqual(4 * cutLength(shift, 1, before) + 32);
      }),
      { numRuns: 60, seed: 20070426 },
    );
  });

  it('rarely fires on a stationary stream: under 5% of 5,000-value streams at the default delta', () => {
    for (const kind of ['uniform', 'gaussian', 'bernoulli 0.3'] as const) {
      let streamsWithAlarm = 0;
      for (let seed = 1; seed <= 100; seed++) {
        const rand = mulberry32(seed * 7919 + kind.length);
        const g = gaussian(rand);
        const next = kind === 'uniform' ? rand : kind === 'gaussian' ? g : () => (rand() < 0.3 ? 1 : 0);
        if (detections(Array.from({ length: 5000 }, next)).length > 0) streamsWithAlarm++;
      }
      expect(streamsWithAlarm, kind).toBeLessThan(5);
    }
  });

  it('after a detection, the mean and width describe the window that survived the cut; the next value starts afresh', () => {
    const xs = [...Array<number>(500).fill(0), ...Array<number>(500).fill(10)];
    const s = adwinInit({ clock: 1 });
    let at = -1;
    let survived = { mean: 0, width: 0 };
    xs.forEach((x, i) => {
      adwinUpdate(s, x);
      if (s.drift && at < 0) {
        at = i;
        survived = { mean: s.mean, width: s.width };
      }
    });
    expect(at).toBeGreaterThanOrEqual(500);
    expect(at).toBeLessThan(520);
    // The cut dropped old zeros: what is left has a higher mean than the whole stream so far.
    expect(survived.width).toBeLessThan(at + 1);
    expect(survived.mean).toBeGreaterThan((10 * (at - 499)) / (at + 1));
    // River's reset: the window after the detection holds only what came after it.
    expect(s.width).toBeLessThanOrEqual(xs.length - at - 1);
  });

  it('resetOnDrift false keeps the window that survived the cut (the paper)', () => {
    const xs = [...Array<number>(500).fill(0), ...Array<number>(300).fill(10)];
    const kept = adwinInit({ clock: 1, resetOnDrift: false });
    const reset = adwinInit({ clock: 1 });
    xs.forEach((x) => {
      adwinUpdate(kept, x);
      adwinUpdate(reset, x);
    });
    expect(kept.detections).toBeGreaterThan(0);
    expect(kept.width).toBeGreaterThanOrEqual(reset.width);
    expect(kept.mean).toBe(10);
  });

  it('survives a restart mid-stream: JSON state, identical detections, widths and means', () => {
    const g = gaussian(mulberry32(99));
    const xs = Array.from({ length: 6000 }, (_, i) => (i > 2500 ? 1.2 : 0) + (i > 4200 ? -2 : 0) + g());
    const whole = adwinInit();
    const trace = xs.map((x) => {
      const s = adwinUpdate(whole, x);
      return [s.drift, s.width, s.mean];
    });
    let s = adwinInit();
    const restarted = xs.map((x, i) => {
      if (i % 1234 === 0) s = JSON.parse(JSON.stringify(s)) as AdwinState;
      adwinUpdate(s, x);
      return [s.drift, s.width, s.mean];
    });
    expect(restarted).toEqual(trace);
    expect(trace.filter(([d]) => d).length).toBeGreaterThanOrEqual(2);
  });

  it('skips values that are not finite numbers, and counts true/false as 1/0', () => {
    const a = adwinInit();
    const b = adwinInit();
    for (const x of [1, Number.NaN, 0, null, undefined, Infinity, 1]) adwinUpdate(a, x as number);
    for (const x of [true, false, true]) adwinUpdate(b, x);
    expect(a.width).toBe(3);
    expect(a).toEqual(b);
  });

  it('refuses bad options and states of another model, naming them', () => {
    expect(() => adwinInit({ delta: 0 })).toThrow(/delta: 0 is not a number in \(0, 1\)/);
    expect(() => adwinInit({ clock: 0.5 })).toThrow(/clock: 0.5 is not a whole number/);
    expect(() => adwinInit({ minWindowLength: 0 })).toThrow(/minWindowLength/);
    expect(() => adwinInit({ resetOnDrift: 'yes' as unknown as boolean })).toThrow(/resetOnDrift/);
    expect(() => adwinUpdate({ kind: 'kmeans', v: 1 } as unknown as AdwinState, 1)).toThrow(/adwin model was given a state of kind "kmeans"/);
  });
});
