/**
 * Quantiles of a stream with a relative-error guarantee: DDSketch (Masson, Rim and Lee,
 * "DDSketch: a fast and fully-mergeable quantile sketch with relative-error guarantees",
 * VLDB 2019), with the paper's logarithmic mapping and collapsing of the lowest bins.
 *
 * A value x > 0 falls in bin k = ceil(log_gamma(x)), gamma = (1 + a) / (1 - a), where `a`
 * is the relative accuracy; the bin answers (1 - a) * gamma^k, which is within a * x of every
 * value of the bin. Negative values go to a second store by |x|, zero (and |x| below the
 * smallest normal double times gamma) is counted apart. A quantile walks the bins up to its rank.
 *
 * The guarantee: the q-quantile here is the value of rank floor(q * (n - 1)) in the sorted
 * stream (0-based; q = 0 the minimum, q = 1 the maximum, exact as the state keeps both);
 * `quantile` answers within a * |x| of it, for any stream and any q, unless the bin of x was
 * collapsed. A store keeps at most `maxBins` bins: when it would need more, its lowest bins
 * (the smallest magnitudes) fold into one, so the guarantee holds for every value within a
 * factor of gamma^maxBins of the largest magnitude of its sign (with a = 0.01 and the
 * default 2048 bins, a ratio of 6e17: nanoseconds to years). Merging is exact: the merge of
 * two sketches is the sketch of the two streams one after the other, bin for bin, because a
 * store's bins depend only on the multiset of values it took, not on their order.
 *
 * Why not `@datadog/sketches-js` (2.1.1, its current release): its `merge` drops the negative store
 * (DataDog/sketches-js#22, open; reproduced: 100 positive and 100 negative values merged
 * answered a 10th percentile of +19.9 where -80 is right), and its sketch is a class over a
 * JS array that would have to be rebuilt from JSON on every update to live in a changelog.
 *
 * State: plain JSON, updated in place. Memory per key: two stores of at most `maxBins`
 * numbers each (dense between their lowest and highest bin), about 8 bytes a bin; a stream
 * spanning 1 ms to 1 min at a = 0.01 needs about 550 bins.
 *
 * Values that are not finite numbers (null, undefined, NaN, ±Infinity) are skipped, as the
 * aggregators skip them.
 *
 * @example
 * mapWithState({ name: 'latency', init: () => quantileInit(), step: (s, r) => { quantileUpdate(s, r.ms); return { p99: quantile(s, 0.99) }; } })
 */
import type { Aggregator } from '../../stream/ops/aggregators.js';
import { type ModelState, checkModelState } from '../model-state.js';
import { checkOpenRange, checkQuantile, checkWhole, mergeMismatch } from './options.js';

const KIND = 'ddsketch';
const V = 1;

/** Bins between `offset` and `offset + bins.length - 1`, by key; `count` is their sum. */
export interface DDSketchStore {
  offset: number;
  count: number;
  bins: number[];
}

export interface QuantileSketchState extends ModelState<'ddsketch'> {
  relativeAccuracy: number;
  maxBins: number;
  /** Values taken (finite ones). */
  count: number;
  /** Values counted as zero. */
  zeros: number;
  /** Exact smallest and largest value, null before any. */
  min: number | null;
  max: number | null;
  /** Positive values by key of x, negative ones by key of |x|. */
  pos: DDSketchStore;
  neg: DDSketchStore;
}

export interface QuantileSketchOptions {
  /** The relative error `a` of every quantile, in (0, 1). Default 0.01 (1%). */
  relativeAccuracy?: number;
  /** Bins per sign before the lowest fold, a whole number in [16, 1000000]. Default 2048. */
  maxBins?: number;
}

/** The mapping's constants for one relative accuracy, computed once per accuracy in use. */
interface Mapping {
  a: number;
  /** 1 / ln(gamma). */
  multiplier: number;
  lnGamma: number;
  /** |x| below this counts as zero (its bin's answer would be a subnormal double). */
  minIndexable: number;
}
let mapping: Mapping = makeMapping(0.01);

function makeMapping(a: number): Mapping {
  const lnGamma = Math.log1p((2 * a) / (1 - a));
  return { a, multiplier: 1 / lnGamma, lnGamma, minIndexable: 2 ** -1022 * Math.exp(lnGamma) };
}
const mappingFor = (a: number) => (mapping.a === a ? mapping : (mapping = makeMapping(a)));

/** The empty sketch. Throws FD_ARGUMENT_INVALID for an option out of range, naming it. */
export function quantileInit(options: QuantileSketchOptions = {}): QuantileSketchState {
  const relativeAccuracy = checkOpenRange(options.relativeAccuracy ?? 0.01, 'relativeAccuracy', 0, 1, '0.01 for quantiles within 1%');
  const maxBins = checkWhole(options.maxBins ?? 2048, 'maxBins', 16, 1_000_000, '2048');
  return {
    kind: KIND,
    v: V,
    relativeAccuracy,
    maxBins,
    count: 0,
    zeros: 0,
    min: null,
    max: null,
    pos: { offset: 0, count: 0, bins: [] },
    neg: { offset: 0, count: 0, bins: [] },
  };
}

/** Adds `x` to the sketch in place and returns it; a value that is not a finite number is skipped. */
export function quantileUpdate(state: QuantileSketchState, x: number | null | undefined): QuantileSketchState {
  checkModelState(state, KIND, V);
  if (typeof x !== 'number' || x - x !== 0) return state;
  x += 0; // -0 becomes 0: JSON would turn it into 0 anyway, and a restored state must answer alike
  const m = mappingFor(state.relativeAccuracy);
  if (x >= m.minIndexable) storeAdd(state.pos, Math.ceil(Math.log(x) * m.multiplier), 1, state.maxBins);
  else if (x <= -m.minIndexable) storeAdd(state.neg, Math.ceil(Math.log(-x) * m.multiplier), 1, state.maxBins);
  else state.zeros++;
  state.count++;
  if (state.min === null || x < state.min) state.min = x;
  if (state.max === null || x > state.max) state.max = x;
  return state;
}

/**
 * The q-quantile (q in [0, 1]): within relativeAccuracy * |x| of x, the value of rank
 * floor(q * (count - 1)) in the sorted stream. NaN for an empty sketch.
 */
export function quantile(state: QuantileSketchState, q: number): number {
  checkModelState(state, KIND, V);
  checkQuantile(q);
  if (state.count === 0) return Number.NaN;
  const rank = Math.floor(q * (state.count - 1));
  if (rank === 0) return state.min!;
  if (rank === state.count - 1) return state.max!;
  const m = mappingFor(state.relativeAccuracy);
  let estimate: number;
  if (rank < state.neg.count) {
    // Ascending values are descending keys of |x|.
    const { bins, offset } = state.neg;
    let seen = 0;
    let i = bins.length - 1;
    for (; i > 0; i--) if ((seen += bins[i]!) > rank) break;
    estimate = -binValue(offset + i, m);
  } else if (rank < state.neg.count + state.zeros) {
    estimate = 0;
  } else {
    const { bins, offset } = state.pos;
    const r = rank - state.neg.count - state.zeros;
    let seen = 0;
    let i = 0;
    for (; i < bins.length - 1; i++) if ((seen += bins[i]!) > r) break;
    estimate = binValue(offset + i, m);
  }
  // The true quantile lies in [min, max]: clamping only brings the answer closer (and keeps
  // the bin of values near the largest double from answering Infinity).
  return Math.min(Math.max(estimate, state.min!), state.max!);
}

/** (1 - a) * gamma^k, written as (1 + a) * gamma^(k - 1), which stays finite where gamma^k would not. */
const binValue = (key: number, m: Mapping) => Math.exp((key - 1) * m.lnGamma) * (1 + m.a);

/**
 * Adds the sketch `from` into `into` (in place; `from` is not changed) and returns `into`:
 * the result equals the sketch of both streams. Throws FD_ARGUMENT_INVALID when their
 * relativeAccuracy or maxBins differ.
 */
export function quantileMerge(into: QuantileSketchState, from: QuantileSketchState): QuantileSketchState {
  checkModelState(into, KIND, V);
  checkModelState(from, KIND, V);
  if (into.relativeAccuracy !== from.relativeAccuracy) throw mergeMismatch('quantileMerge', 'relativeAccuracy', into.relativeAccuracy, from.relativeAccuracy);
  if (into.maxBins !== from.maxBins) throw mergeMismatch('quantileMerge', 'maxBins', into.maxBins, from.maxBins);
  storeMerge(into.pos, from.pos, into.maxBins);
  storeMerge(into.neg, from.neg, into.maxBins);
  into.zeros += from.zeros;
  into.count += from.count;
  if (from.min !== null && (into.min === null || from.min < into.min)) into.min = from.min;
  if (from.max !== null && (into.max === null || from.max > into.max)) into.max = from.max;
  return into;
}

function storeMerge(into: DDSketchStore, from: DDSketchStore, maxBins: number): void {
  const { bins, offset } = from;
  for (let i = 0; i < bins.length; i++) if (bins[i]! > 0) storeAdd(into, offset + i, bins[i]!, maxBins);
}

/**
 * Adds `w` to bin `key`. The store spans [offset, offset + length - 1] = [max(lowest key
 * seen, highest - maxBins + 1), highest key seen]; counts of keys below the span sit in its
 * first bin. That span and those counts depend only on the keys added, in any order:
 * hence merges are exact.
 */
function storeAdd(s: DDSketchStore, key: number, w: number, maxBins: number): void {
  const bins = s.bins;
  s.count += w;
  const n = bins.length;
  if (n === 0) {
    s.offset = key;
    bins.push(w);
    return;
  }
  const lo = s.offset;
  const hi = lo + n - 1;
  if (key >= lo && key <= hi) {
    bins[key - lo] = bins[key - lo]! + w;
  } else if (key > hi) {
    const newLo = key - maxBins + 1;
    if (newLo > lo) {
      // Fold the bins below the new span into its first bin.
      const cut = Math.min(newLo - lo, n);
      let folded = 0;
      for (let i = 0; i < cut; i++) folded += bins[i]!;
      bins.splice(0, cut);
      s.offset = newLo;
      while (newLo + bins.length <= key) bins.push(0);
      bins[0] = bins[0]! + folded;
    } else {
      while (lo + bins.length <= key) bins.push(0);
    }
    bins[key - s.offset] = bins[key - s.offset]! + w;
  } else {
    // Below the span: widen it down as far as maxBins allows; what lies further down joins its first bin.
    const newLo = Math.max(key, hi - maxBins + 1);
    if (newLo < lo) {
      s.bins = new Array<number>(lo - newLo).fill(0).concat(bins);
      s.offset = newLo;
    }
    s.bins[0] = s.bins[0]! + w;
  }
}

/** Checks the quantiles of an aggregator at creation. */
function checkQuantiles(qs: unknown): number[] {
  if (!Array.isArray(qs) || qs.length === 0) return [checkQuantile(qs, 'quantiles')];
  return qs.map((q, i) => checkQuantile(q, `quantiles[${i}]`));
}

/**
 * Window aggregator: the quantiles `qs` of a field, as an array in the order of `qs` (NaN
 * for a window without values). The accumulator is the sketch, so session windows and
 * partitions merge exactly.
 *
 * @example
 * aggregate({ latency: quantiles((r) => r.ms, [0.5, 0.99]) }) // { latency: [p50, p99] }
 */
export function quantiles<T>(
  field: (value: T) => number | null | undefined,
  qs: readonly number[],
  options: QuantileSketchOptions = {},
): Aggregator<T, QuantileSketchState, number[]> {
  const checked = checkQuantiles(qs);
  quantileInit(options);
  return {
    init: () => quantileInit(options),
    field,
    add: (acc, value) => quantileUpdate(acc, field(value)),
    addField: (acc, x) => quantileUpdate(acc, x as number),
    merge: quantileMerge,
    result: (acc) => checked.map((q) => quantile(acc, q)),
  };
}

/**
 * Window aggregator: one quantile of a field (NaN for a window without values).
 *
 * @example
 * aggregate({ p99: quantileOf((r) => r.ms, 0.99) })
 */
export function quantileOf<T>(field: (value: T) => number | null | undefined, q: number, options: QuantileSketchOptions = {}): Aggregator<T, QuantileSketchState, number> {
  checkQuantile(q);
  quantileInit(options);
  return {
    init: () => quantileInit(options),
    field,
    add: (acc, value) => quantileUpdate(acc, field(value)),
    addField: (acc, x) => quantileUpdate(acc, x as number),
    merge: quantileMerge,
    result: (acc) => quantile(acc, q),
  };
}
