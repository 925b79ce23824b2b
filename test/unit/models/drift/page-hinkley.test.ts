import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PageHinkleyState, pageHinkleyInit, pageHinkleyUpdate } from '../../../../src/models/drift/page-hinkley.js';
import { mulberry32 } from '../../../../src/sources/random.js';

function firstDetection(xs: readonly number[], state: PageHinkleyState): number {
  return xs.findIndex((x) => pageHinkleyUpdate(state, x).drift);
}

describe('Page-Hinkley', () => {
  it('detects a step of s within threshold / (s/2 - delta) + 1 values (no noise, no forgetting)', () => {
    // After n0 values of 0, each value s deviates from the running mean by s·n0/n >= s/2 while
    // n <= 2·n0, so the sum for increases gains at least s/2 - delta per value above its minimum.
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 10, noNaN: true }), fc.double({ min: 1, max: 50, noNaN: true }), fc.integer({ min: 30, max: 2000 }), (s, threshold, n0) => {
        const bound = Math.ceil(threshold / (s / 2 - 0.005)) + 1;
        fc.pre(bound <= n0);
        const xs = [...Array<number>(n0).fill(0), ...Array<number>(n0).fill(s)];
        const at = firstDetection(xs, pageHinkleyInit({ threshold, alpha: 1 }));
        expect(at).toBeGreaterThanOrEqual(n0);
        expect(at - n0).toBeLessThan(bound);
      }),
      { numRuns: 200, seed: 1954 },
    );
  });

  it("mode 'up' ignores a fall, 'down' ignores a rise, 'both' sees either", () => {
    const fall = [...Array<number>(100).fill(5), ...Array<number>(200).fill(0)];
    const rise = [...Array<number>(100).fill(0), ...Array<number>(200).fill(5)];
    expect(firstDetection(fall, pageHinkleyInit({ mode: 'up', threshold: 10 }))).toBe(-1);
    expect(firstDetection(rise, pageHinkleyInit({ mode: 'down', threshold: 10 }))).toBe(-1);
    expect(firstDetection(fall, pageHinkleyInit({ mode: 'down', threshold: 10 }))).toBeGreaterThanOrEqual(100);
    expect(firstDetection(rise, pageHinkleyInit({ mode: 'both', threshold: 10 }))).toBeGreaterThanOrEqual(100);
  });

  it('makes no detection before minInstances values, and starts afresh after one', () => {
    const s = pageHinkleyInit({ threshold: 1, minInstances: 50 });
    const xs = [...Array<number>(10).fill(0), ...Array<number>(100).fill(100)];
    const at = firstDetection(xs, s);
    expect(at).toBe(49);
    pageHinkleyUpdate(s, 100);
    expect(s.drift).toBe(false);
    expect(s.count).toBe(1);
    expect(s.mean).toBe(100);
  });

  it('survives a restart mid-stream with identical detections', () => {
    const rand = mulberry32(5);
    const xs = Array.from({ length: 5000 }, (_, i) => rand() + (Math.floor(i / 700) % 2) * 0.8);
    const whole = pageHinkleyInit({ threshold: 10 });
    const expected = xs.map((x) => pageHinkleyUpdate(whole, x).drift);
    let s = pageHinkleyInit({ threshold: 10 });
    const got = xs.map((x, i) => {
      if (i % 333 === 0) s = JSON.parse(JSON.stringify(s)) as PageHinkleyState;
      return pageHinkleyUpdate(s, x).drift;
    });
    expect(got).toEqual(expected);
    expect(expected.filter(Boolean).length).toBeGreaterThan(3);
  });

  it('skips values that are not finite numbers and refuses bad options', () => {
    const s = pageHinkleyInit();
    for (const x of [1, Number.NaN, null, 2]) pageHinkleyUpdate(s, x);
    expect(s.count).toBe(2);
    expect(s.mean).toBe(1.5);
    expect(() => pageHinkleyInit({ mode: 'sideways' as 'up' })).toThrow(/mode: "sideways" is not one of 'up', 'down', 'both'/);
    expect(() => pageHinkleyInit({ threshold: -1 })).toThrow(/threshold: -1/);
    expect(() => pageHinkleyInit({ alpha: 1.5 })).toThrow(/alpha: 1.5/);
  });
});
