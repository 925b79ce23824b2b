/** The streaming sketches: quantiles (DDSketch), distinct counts (HyperLogLog), frequencies (count-min) and heavy hitters. */
export {
  type DDSketchStore,
  type QuantileSketchOptions,
  type QuantileSketchState,
  quantile,
  quantileInit,
  quantileMerge,
  quantileOf,
  quantileUpdate,
  quantiles,
} from './ddsketch.js';
export {
  type DistinctCountOptions,
  type DistinctCountState,
  distinctCount,
  distinctCountEstimate,
  distinctCountInit,
  distinctCountMerge,
  distinctCountStandardError,
  distinctCountUpdate,
} from './hyperloglog.js';
export { type CountMinOptions, type CountMinState, countMinEstimate, countMinInit, countMinMerge, countMinUpdate } from './count-min.js';
export {
  type HeavyHitter,
  type HeavyHittersOptions,
  type HeavyHittersState,
  heavyHitters,
  heavyHittersEstimate,
  heavyHittersInit,
  heavyHittersMerge,
  heavyHittersTop,
  heavyHittersUpdate,
} from './heavy-hitters.js';
export type { SketchItem } from './murmur3.js';
