/**
 * The most frequent items of a stream: a count-min sketch (count-min.ts) for the counts and
 * a bounded list of at most `k` candidates (Cormode and Muthukrishnan 2005, section 5.1:
 * the sketch with a heap of the items whose estimate is largest).
 *
 * Each item's count goes to the sketch; the item then enters the list if it is there
 * already (its count is refreshed), if the list has room, or if its estimate beats the
 * smallest count in the list (which leaves). The list holds each candidate's estimate at its
 * last arrival. The state also keeps `missed`: the largest estimate of an item that left or
 * was turned away.
 *
 * Bounds (N the total count, epsilon and delta those of the sketch):
 * - a listed count is at least the item's true count, and at most epsilon * N more with
 *   probability 1 - delta;
 * - every item that is not listed has a true count of at most `missed` (always, not only
 *   with high probability: its last estimate was at least its count), and `missed` is at
 *   most the smallest listed count;
 * - hence an item whose true count exceeds N / (k + 1) + epsilon * N is listed, with
 *   probability at least 1 - k * delta.
 *
 * Merging: the sketches merge exactly (the counters add); the candidate lists merge into the
 * k items of both lists with the largest estimates in the merged sketch, and `missed`
 * becomes the larger of the two inputs' `missed` added (an item on neither list has at most
 * that many occurrences) and the largest estimate cut from the union. So the bound on
 * unlisted items holds after any tree of merges, but loosens by addition: merging 10
 * partitions' lists bounds an unlisted item by the sum of their `missed`.
 *
 * State: plain JSON, updated in place. Memory per key: the sketch's counters plus k items
 * and counts. An update costs one hash, `depth` counters and, for an item not listed once
 * the list is full, a scan of the k counts.
 *
 * @example
 * aggregate({ top: heavyHitters((r) => r.page, { k: 10, epsilon: 0.001 }) }) // [{ item, count }, ...]
 */
import type { Aggregator } from '../../stream/ops/aggregators.js';
import { type ModelState, checkModelState } from '../model-state.js';
import { type CountMinOptions, type CountMinState, countMinAdd, countMinEstimate, countMinInit, countMinMerge } from './count-min.js';
import type { SketchItem } from './murmur3.js';
import { checkWhole, mergeMismatch } from './options.js';

const KIND = 'heavy-hitters';
const V = 1;

export interface HeavyHittersState extends ModelState<'heavy-hitters'> {
  k: number;
  sketch: CountMinState;
  /** The candidates, in no order, and their estimates at their last arrival. */
  items: SketchItem[];
  counts: number[];
  /** Every item not in `items` has a true count of at most this. */
  missed: number;
}

export interface HeavyHittersOptions extends CountMinOptions {
  /** Candidates kept, a whole number in [1, 10000]. Default 10. */
  k?: number;
}

/** A listed item with its estimated count. */
export interface HeavyHitter {
  item: SketchItem;
  count: number;
}

/** The empty state. Throws FD_ARGUMENT_INVALID for an option out of range. */
export function heavyHittersInit(options: HeavyHittersOptions = {}): HeavyHittersState {
  const k = checkWhole(options.k ?? 10, 'k', 1, 10_000, '10 for the ten most frequent items');
  return { kind: KIND, v: V, k, sketch: countMinInit(options), items: [], counts: [], missed: 0 };
}

/**
 * Adds `count` (default 1) occurrences of `item` (a string or finite number) in place and
 * returns the state. null, undefined, non-finite numbers and counts that are not positive
 * finite numbers are skipped; another type of item throws FD_ARGUMENT_INVALID.
 */
export function heavyHittersUpdate(state: HeavyHittersState, item: unknown, count = 1): HeavyHittersState {
  checkModelState(state, KIND, V);
  const estimate = countMinAdd(state.sketch, item, count);
  if (estimate !== estimate) return state; // skipped
  offer(state, item as SketchItem, estimate);
  return state;
}

/** Puts `item` with its current estimate on the list, if it belongs there. */
function offer(state: HeavyHittersState, item: SketchItem, estimate: number): void {
  const { items, counts } = state;
  const at = items.indexOf(item);
  if (at >= 0) {
    counts[at] = estimate;
    return;
  }
  if (items.length < state.k) {
    items.push(item);
    counts.push(estimate);
    return;
  }
  let low = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! < counts[low]!) low = i;
  const lowest = counts[low]!;
  if (estimate > lowest) {
    if (lowest > state.missed) state.missed = lowest;
    items[low] = item;
    counts[low] = estimate;
  } else if (estimate > state.missed) {
    state.missed = estimate;
  }
}

/** The listed items, most frequent first (ties: in list order), with their estimated counts. */
export function heavyHittersTop(state: HeavyHittersState): HeavyHitter[] {
  checkModelState(state, KIND, V);
  return state.items.map((item, i) => ({ item, count: state.counts[i]! })).sort((a, b) => b.count - a.count);
}

/** The estimated count of any item (listed or not), from the sketch. */
export function heavyHittersEstimate(state: HeavyHittersState, item: unknown): number {
  checkModelState(state, KIND, V);
  return countMinEstimate(state.sketch, item);
}

/**
 * Merges `from` into `into` (in place; `from` is not changed) and returns `into`: the
 * sketch of both streams exactly, the list as described above. Throws FD_ARGUMENT_INVALID
 * when k, epsilon or delta differ.
 */
export function heavyHittersMerge(into: HeavyHittersState, from: HeavyHittersState): HeavyHittersState {
  checkModelState(into, KIND, V);
  checkModelState(from, KIND, V);
  if (into.k !== from.k) throw mergeMismatch('heavyHittersMerge', 'k', into.k, from.k);
  countMinMerge(into.sketch, from.sketch);
  const union = [...into.items];
  for (const item of from.items) if (!union.includes(item)) union.push(item);
  const ranked = union.map((item, i) => ({ item, count: countMinEstimate(into.sketch, item), i }));
  ranked.sort((a, b) => b.count - a.count || a.i - b.i);
  const kept = ranked.slice(0, into.k);
  let missed = into.missed + from.missed;
  for (const cut of ranked.slice(into.k)) if (cut.count > missed) missed = cut.count;
  into.items = kept.map((r) => r.item);
  into.counts = kept.map((r) => r.count);
  into.missed = missed;
  return into;
}

/**
 * Window aggregator: the `k` most frequent values of a field with their estimated counts,
 * most frequent first. The accumulator is the state, so session windows and partitions merge.
 *
 * @example
 * aggregate({ pages: heavyHitters((r) => r.page, { k: 5 }) })
 */
export function heavyHitters<T>(field: (value: T) => string | number | null | undefined, options: HeavyHittersOptions = {}): Aggregator<T, HeavyHittersState, HeavyHitter[]> {
  heavyHittersInit(options);
  return {
    init: () => heavyHittersInit(options),
    field,
    add: (acc, value) => heavyHittersUpdate(acc, field(value)),
    addField: (acc, x) => heavyHittersUpdate(acc, x),
    merge: heavyHittersMerge,
    result: heavyHittersTop,
  };
}
