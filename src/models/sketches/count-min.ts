/**
 * Frequencies of items in a stream: the count-min sketch (Cormode and Muthukrishnan, "An
 * improved data stream summary: the count-min sketch and its applications", J. Algorithms
 * 2005). `depth` rows of `width` counters; an item adds its count to one counter per row,
 * and its estimate is the smallest of its counters.
 *
 * From the error `epsilon` and the failure probability `delta`: width = ceil(e / epsilon),
 * depth = ceil(ln(1 / delta)). Then, N being the total count added:
 * - an estimate is never below the item's true count (counts are positive);
 * - it exceeds the true count by more than epsilon * N with probability at most delta
 *   (for each item queried).
 * The paper's bound assumes pairwise-independent row hashes; the rows here come from one
 * MurmurHash3 x86_128 hash, row i at (h1 + i * h2) mod width (Kirsch and Mitzenmacher,
 * "Less hashing, same performance", 2006). The tests check the rate over random streams.
 *
 * Merging adds the counters: the merge of two sketches is exactly the sketch of both
 * streams (same width, depth and hash; bit for bit with whole-number counts, which add
 * exactly up to 2^53).
 *
 * State: plain JSON, updated in place. Memory per key: width * depth numbers; the defaults
 * (epsilon 0.001, delta 0.01) give 2,719 * 5 = 13,595 counters, about 110 kB in memory.
 *
 * Items are strings or finite numbers (hashed as in murmur3.ts: 1 and "1" differ). null,
 * undefined and non-finite numbers are skipped, as is a count that is not a positive finite number.
 *
 * @example
 * const s = countMinInit({ epsilon: 0.001, delta: 0.01 });
 * countMinUpdate(s, 'sensor-7'); countMinEstimate(s, 'sensor-7'); // >= 1
 */
import { FastdataError } from '../../errors.js';
import { type ModelState, checkModelState } from '../model-state.js';
import { hashItem, hashOut } from './murmur3.js';
import { checkOpenRange, mergeMismatch } from './options.js';

const KIND = 'count-min';
const V = 1;

export interface CountMinState extends ModelState<'count-min'> {
  width: number;
  depth: number;
  /** N: the sum of the counts added. */
  total: number;
  /** depth rows of width counters, row after row. */
  counters: number[];
}

export interface CountMinOptions {
  /** Overestimate bound as a fraction of the total count, in (0, 1). Default 0.001. */
  epsilon?: number;
  /** Probability that an estimate exceeds that bound, in (0, 1). Default 0.01. */
  delta?: number;
}

/** Counters a sketch may have: 2^24 (134 MB of numbers) is far past any window's use. */
const MAX_COUNTERS = 2 ** 24;

/** The empty sketch. Throws FD_ARGUMENT_INVALID for an option out of range. */
export function countMinInit(options: CountMinOptions = {}): CountMinState {
  const epsilon = checkOpenRange(options.epsilon ?? 0.001, 'epsilon', 0, 1, '0.001 for estimates within 0.1% of the total count');
  const delta = checkOpenRange(options.delta ?? 0.01, 'delta', 0, 1, '0.01 for a 1% chance of exceeding epsilon');
  const width = Math.ceil(Math.E / epsilon);
  const depth = Math.ceil(Math.log(1 / delta));
  if (width * depth > MAX_COUNTERS) {
    throw new FastdataError(
      'FD_ARGUMENT_INVALID',
      `epsilon: ${epsilon} with delta ${delta} needs ${width} x ${depth} counters, more than ${MAX_COUNTERS}; use a larger epsilon (e.g. 0.0001)`,
      { context: { field: 'epsilon' } },
    );
  }
  return { kind: KIND, v: V, width, depth, total: 0, counters: new Array<number>(width * depth).fill(0) };
}

/**
 * Adds `count` (default 1) to `item` in place and returns the item's estimate after the
 * update, or NaN when the item or count was skipped.
 */
export function countMinAdd(state: CountMinState, item: unknown, count = 1): number {
  checkModelState(state, KIND, V);
  if (!(count > 0 && count - count === 0) || !hashItem(item, 'countMin item')) return Number.NaN;
  const { width, depth, counters } = state;
  const h1 = hashOut[0]!;
  const h2 = hashOut[1]!;
  state.total += count;
  let estimate = Number.POSITIVE_INFINITY;
  for (let i = 0; i < depth; i++) {
    const at = i * width + ((h1 + i * h2) % width);
    const c = counters[at]! + count;
    counters[at] = c;
    if (c < estimate) estimate = c;
  }
  return estimate;
}

/** Adds `count` (default 1) to `item` in place and returns the state. */
export function countMinUpdate(state: CountMinState, item: unknown, count = 1): CountMinState {
  countMinAdd(state, item, count);
  return state;
}

/** The estimated count of `item`: at least its true count, at most epsilon * total more with probability 1 - delta. */
export function countMinEstimate(state: CountMinState, item: unknown): number {
  checkModelState(state, KIND, V);
  if (!hashItem(item, 'countMin item')) return 0;
  const { width, depth, counters } = state;
  const h1 = hashOut[0]!;
  const h2 = hashOut[1]!;
  let estimate = Number.POSITIVE_INFINITY;
  for (let i = 0; i < depth; i++) {
    const c = counters[i * width + ((h1 + i * h2) % width)]!;
    if (c < estimate) estimate = c;
  }
  return estimate;
}

/**
 * Adds the counters of `from` into `into` (in place; `from` is not changed) and returns
 * `into`: exactly the sketch of both streams. Throws FD_ARGUMENT_INVALID when their sizes differ.
 */
export function countMinMerge(into: CountMinState, from: CountMinState): CountMinState {
  checkModelState(into, KIND, V);
  checkModelState(from, KIND, V);
  if (into.width !== from.width || into.depth !== from.depth) {
    throw mergeMismatch('countMinMerge', 'epsilon/delta (width x depth)', `${into.width} x ${into.depth}`, `${from.width} x ${from.depth}`);
  }
  const a = into.counters;
  const b = from.counters;
  for (let i = 0; i < b.length; i++) a[i] = a[i]! + b[i]!;
  into.total += from.total;
  return into;
}
