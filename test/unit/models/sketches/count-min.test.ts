/**
 * Count-min and heavy hitters against exact counts this test keeps in a Map, over random
 * streams (uniform to very skewed, strings and numbers, weighted and not): estimates never
 * below the truth, above it by more than epsilon * N at most at rate delta; merges equal to
 * the sketch of the concatenated stream; the candidate list's bound on unlisted items, after
 * merges too; a state that goes through JSON mid-stream.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CountMinState,
  type HeavyHittersState,
  countMinEstimate,
  countMinInit,
  countMinMerge,
  countMinUpdate,
  heavyHitters,
  heavyHittersEstimate,
  heavyHittersInit,
  heavyHittersMerge,
  heavyHittersTop,
  heavyHittersUpdate,
} from '../../../../src/models/sketches/index.js';
import { mulberry32 } from '../../../../src/sources/random.js';

type Item = string | number;

/** A stream of n occurrences (some weighted) over a universe; `skew` 1 is uniform, 8 very skewed towards the first items. */
const streams = fc
  .record({
    universe: fc.integer({ min: 1, max: 3_000 }),
    n: fc.integer({ min: 1, max: 8_000 }),
    skew: fc.constantFrom(1, 2, 4, 8),
    weighted: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ universe, n, skew, weighted, seed }) => {
    const rnd = mulberry32(seed);
    return Array.from({ length: n }, () => {
      const i = Math.floor(universe * rnd() ** skew);
      const item: Item = i % 3 === 0 ? i : `item-${i}`;
      return [item, weighted ? 1 + Math.floor(rnd() * 5) : 1] as const;
    });
  });

function truthOf(stream: readonly (readonly [Item, number])[]): { counts: Map<Item, number>; total: number } {
  const counts = new Map<Item, number>();
  let total = 0;
  for (const [item, w] of stream) {
    counts.set(item, (counts.get(item) ?? 0) + w);
    total += w;
  }
  return { counts, total };
}

const sketchOf = (stream: readonly (readonly [Item, number])[], epsilon: number, delta: number) => {
  const s = countMinInit({ epsilon, delta });
  for (const [item, w] of stream) countMinUpdate(s, item, w);
  return s;
};

describe('count-min', () => {
  it('sizes itself from epsilon and delta: width ceil(e / epsilon), depth ceil(ln(1 / delta))', () => {
    const s = countMinInit({ epsilon: 0.001, delta: 0.01 });
    expect([s.width, s.depth, s.counters.length]).toEqual([2719, 5, 2719 * 5]);
    expect(countMinInit({ epsilon: 0.1, delta: 0.5 })).toMatchObject({ width: 28, depth: 1 });
  });

  // epsilon 0.01 and delta 0.05 (272 x 3 counters): small enough for collisions to be common.
  // Checked: no estimate is below the true count, ever; the share of (stream, item) pairs
  // whose estimate exceeds the true count by more than epsilon * N is at most delta. Items
  // never seen (true count 0) are queried too.
  it('never underestimates, and overestimates by more than epsilon * N at most at rate delta (400 streams)', () => {
    const epsilon = 0.01;
    const delta = 0.05;
    let queried = 0;
    let over = 0;
    let worst = 0;
    fc.assert(
      fc.property(streams, (stream) => {
        const { counts, total } = truthOf(stream);
        const s = sketchOf(stream, epsilon, delta);
        expect(s.total).toBe(total);
        const unseen = Array.from({ length: 50 }, (_, i) => `never-${i}`);
        for (const item of [...counts.keys(), ...unseen]) {
          const truth = counts.get(item) ?? 0;
          const estimate = countMinEstimate(s, item);
          if (estimate < truth) throw new Error(`${item}: estimate ${estimate} below its count ${truth}`);
          queried++;
          if (estimate - truth > epsilon * total) over++;
          worst = Math.max(worst, (estimate - truth) / total);
        }
      }),
      { numRuns: 400 },
    );
    expect(queried).toBeGreaterThan(100_000);
    expect(over / queried).toBeLessThanOrEqual(delta);
    console.log(`count-min: ${over} of ${queried} estimates over by more than epsilon * N (${((100 * over) / queried).toFixed(3)}%, delta ${100 * delta}%); worst ${(worst / epsilon).toFixed(2)} epsilon * N`);
  });

  it('merges exactly: the merge of the parts is the sketch of the concatenated stream (300 streams)', () => {
    fc.assert(
      fc.property(streams, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }), (stream, cuts) => {
        const points = [0, ...cuts.map((c) => Math.floor(c * stream.length)).sort((a, b) => a - b), stream.length];
        const parts = points.slice(1).map((p, i) => stream.slice(points[i], p));
        const merged = parts.map((part) => sketchOf(part, 0.01, 0.05)).reduce((a, b) => countMinMerge(a, b));
        expect(merged).toEqual(sketchOf(stream, 0.01, 0.05));
      }),
      { numRuns: 300 },
    );
  });

  it('survives JSON mid-stream with the same counters and estimates', () => {
    const stream = Array.from({ length: 5_000 }, (_, i) => [`k${(i * 7919) % 301}`, 1] as const);
    let resumed = JSON.parse(JSON.stringify(sketchOf(stream.slice(0, 2_345), 0.01, 0.05))) as CountMinState;
    for (const [item] of stream.slice(2_345)) resumed = countMinUpdate(resumed, item);
    expect(resumed).toEqual(sketchOf(stream, 0.01, 0.05));
  });

  it('skips null, undefined, non-finite items and counts that are not positive; refuses bad options naming them', () => {
    const s = countMinInit({ epsilon: 0.1, delta: 0.1 });
    for (const item of [null, undefined, Number.NaN]) countMinUpdate(s, item);
    for (const w of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) countMinUpdate(s, 'a', w);
    expect(s.total).toBe(0);
    expect(s.counters.every((c) => c === 0)).toBe(true);
    expect(() => countMinInit({ epsilon: 0 })).toThrow('epsilon: 0 is not a number in (0, 1); use e.g. 0.001');
    expect(() => countMinInit({ delta: 1 })).toThrow(/delta: 1 is not a number in \(0, 1\)/);
    expect(() => countMinInit({ epsilon: 1e-9 })).toThrow(/needs 2718281829 x 5 counters, more than 16777216; use a larger epsilon/);
    expect(() => countMinMerge(countMinInit(), countMinInit({ epsilon: 0.01 }))).toThrow(/different epsilon\/delta \(width x depth\) \("2719 x 5" and "272 x 5"\)/);
  });
});

describe('heavy hitters', () => {
  const epsilon = 0.005;
  const delta = 0.01;

  const hhOf = (stream: readonly (readonly [Item, number])[], k: number) => {
    const s = heavyHittersInit({ k, epsilon, delta });
    for (const [item, w] of stream) heavyHittersUpdate(s, item, w);
    return s;
  };

  /** The bounds every state must keep, whatever merges made it. */
  function expectBounds(s: HeavyHittersState, counts: Map<Item, number>): void {
    const listed = new Set(s.items);
    expect(s.items.length).toBeLessThanOrEqual(s.k);
    expect(new Set(s.items).size).toBe(s.items.length);
    s.items.forEach((item, i) => {
      const count = s.counts[i]!;
      if (count < counts.get(item)! || count > heavyHittersEstimate(s, item)) throw new Error(`${item}: listed ${count}, true ${counts.get(item)}, estimate ${heavyHittersEstimate(s, item)}`);
    });
    for (const [item, truth] of counts) if (!listed.has(item) && truth > s.missed) throw new Error(`${item}: unlisted with ${truth} > missed ${s.missed}`);
  }

  it('lists every item above N / (k + 1) + epsilon * N; an unlisted item never beats `missed`, nor `missed` the smallest listed count (400 streams)', () => {
    let streamsWithMiss = 0;
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 20 }), (stream, k) => {
        const { counts, total } = truthOf(stream);
        const s = hhOf(stream, k);
        expectBounds(s, counts);
        if (s.items.length === k) expect(s.missed).toBeLessThanOrEqual(Math.min(...s.counts));
        else expect([s.missed, s.items.length]).toEqual([0, counts.size]);
        const listed = new Set(s.items);
        if ([...counts].some(([item, c]) => c > total / (k + 1) + epsilon * total && !listed.has(item))) streamsWithMiss++;
        const top = heavyHittersTop(s);
        expect(top.map((t) => t.count)).toEqual([...top.map((t) => t.count)].sort((a, b) => b - a));
      }),
      { numRuns: 400 },
    );
    // The bound holds with probability 1 - k * delta per stream (k up to 20: 80%); it is far better in practice.
    expect(streamsWithMiss / 400).toBeLessThanOrEqual(0.2);
    console.log(`heavy hitters: ${streamsWithMiss} of 400 streams missed an item above N / (k + 1) + epsilon * N`);
  });

  it('merges: the sketch exactly, the list within its bound, through a tree of merges (300 streams)', () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), fc.integer(), (stream, k, partitions, seed) => {
        // Records go to partitions at random, as keys would.
        const rnd = mulberry32(seed);
        const parts: (readonly [Item, number])[][] = Array.from({ length: partitions }, () => []);
        for (const r of stream) parts[Math.floor(rnd() * partitions)]!.push(r);
        let states = parts.map((p) => hhOf(p, k));
        while (states.length > 1) {
          const next: HeavyHittersState[] = [];
          for (let i = 0; i < states.length; i += 2) next.push(i + 1 < states.length ? heavyHittersMerge(states[i]!, states[i + 1]!) : states[i]!);
          states = next;
        }
        const merged = states[0]!;
        expect(merged.sketch).toEqual(hhOf(stream, k).sketch);
        expectBounds(merged, truthOf(stream).counts);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the true top items of a skewed stream after merging partitions', () => {
    const rnd = mulberry32(77);
    const stream = Array.from({ length: 50_000 }, () => [`page-${Math.floor(1_000 * rnd() ** 6)}`, 1] as const);
    const { counts } = truthOf(stream);
    const trueTop = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([item]) => item);
    const a = hhOf(stream.filter((_, i) => i % 3 === 0), 10);
    const b = hhOf(stream.filter((_, i) => i % 3 !== 0), 10);
    const top = heavyHittersTop(heavyHittersMerge(a, b)).slice(0, 5);
    // The first three in order; the 4th and 5th differ by less than epsilon * N, so as a set.
    expect(top.slice(0, 3).map((t) => t.item)).toEqual(trueTop.slice(0, 3));
    expect(new Set(top.map((t) => t.item))).toEqual(new Set(trueTop));
    for (const t of top) expect(t.count - counts.get(t.item)!).toBeLessThanOrEqual(epsilon * 50_000);
  });

  it('survives JSON mid-stream: the same list, counts and sketch as an uninterrupted run', () => {
    fc.assert(
      fc.property(streams, fc.double({ min: 0, max: 1, noNaN: true }), (stream, at) => {
        const cut = Math.floor(at * stream.length);
        let resumed = JSON.parse(JSON.stringify(hhOf(stream.slice(0, cut), 5))) as HeavyHittersState;
        for (const [item, w] of stream.slice(cut)) resumed = heavyHittersUpdate(resumed, item, w);
        const straight = hhOf(stream, 5);
        expect(resumed).toEqual(straight);
        expect(heavyHittersTop(resumed)).toEqual(heavyHittersTop(straight));
      }),
      { numRuns: 100 },
    );
  });

  it('window aggregator: the top items with their counts, merged across windows', () => {
    const agg = heavyHitters((r: { page: string | null }) => r.page, { k: 3, epsilon: 0.01 });
    let a = agg.init();
    let b = agg.init();
    for (let i = 0; i < 600; i++) a = agg.add(a, { page: `p${i % 6 === 0 ? 'hot' : i % 40}` });
    for (let i = 0; i < 300; i++) b = agg.add(b, { page: i % 2 ? 'warm' : null });
    const top = agg.result(agg.merge(a, b));
    expect(top.map((t) => t.item)).toEqual(['warm', 'phot', expect.any(String)]);
    expect(top[0]!.count).toBeGreaterThanOrEqual(150);
    expect(top[1]!.count).toBeGreaterThanOrEqual(100);
  });

  it('refuses a k out of range and merges of different k, naming them', () => {
    expect(() => heavyHittersInit({ k: 0 })).toThrow('k: 0 is not a whole number in [1, 10000]; use e.g. 10');
    expect(() => heavyHittersMerge(heavyHittersInit({ k: 5 }), heavyHittersInit({ k: 6 }))).toThrow(/different k \(5 and 6\)/);
    expect(() => heavyHittersUpdate(heavyHittersInit(), { id: 1 })).toThrow(/countMin item: a value of type object cannot be counted/);
  });
});
