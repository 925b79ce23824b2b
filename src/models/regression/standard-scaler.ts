/**
 * Online standardisation of features: a running mean and variance per feature, and each
 * value replaced by its z-score (x - mean) / stddev, so that features on different scales
 * (a temperature around 20, a pressure around 1000) get comparable gradient steps in the
 * regressions of this folder.
 *
 * Algorithm: Welford's running mean and population variance per feature, exactly as River's
 * `preprocessing.StandardScaler` (0.26) does it, in the same order of operations:
 *
 *   n += 1;  old = mean;  mean += (x - old) / n;  var += ((x - old) * (x - mean) - var) / n
 *   z = var > 0 ? (x - mean) / sqrt(var) : 0
 *
 * A feature with no spread yet (one value, or always the same value) scales to 0. A value
 * that is not a finite number is absent: it neither updates its feature's statistics nor
 * appears in the transformed record.
 *
 * Memory: three numbers per feature name seen (plus the name), in `stats`.
 *
 * References: B. P. Welford, "Note on a method for calculating corrected sums of squares and
 * products", Technometrics 4(3), 1962; River, `river/preprocessing/scale.py`.
 *
 * @example
 * const s = standardScalerInit();
 * standardScalerUpdate(s, { temperature: 21.3, pressure: 1012 });
 * standardScalerTransform(s, { temperature: 22, pressure: 1010 }); // { temperature: ..., pressure: ... }
 */
import { checkModelState, type ModelState } from '../model-state.js';
import { checkFeatures, type Features, usable } from './features.js';

export const STANDARD_SCALER_KIND = 'standard-scaler';
export const STANDARD_SCALER_VERSION = 1;

/** Running statistics of one feature: [values seen, mean, population variance]. */
export type FeatureStats = [n: number, mean: number, variance: number];

export interface StandardScalerState extends ModelState<typeof STANDARD_SCALER_KIND> {
  /** Per feature name, its running statistics. */
  stats: Record<string, FeatureStats>;
}

/** The scaler before any record. */
export function standardScalerInit(): StandardScalerState {
  return { kind: STANDARD_SCALER_KIND, v: STANDARD_SCALER_VERSION, stats: {} };
}

/** Learns the finite values of `x` into the running statistics, in place; returns `state`. */
export function standardScalerUpdate(state: StandardScalerState, x: Features): StandardScalerState {
  checkModelState(state, STANDARD_SCALER_KIND, STANDARD_SCALER_VERSION);
  checkFeatures(x);
  for (const name in x) {
    const value = x[name];
    if (usable(value)) learnFeature(state.stats, name, value);
  }
  return state;
}

/** The z-scores of the finite values of `x` against the statistics so far (the state is not changed). */
export function standardScalerTransform(state: StandardScalerState, x: Features): Record<string, number> {
  checkModelState(state, STANDARD_SCALER_KIND, STANDARD_SCALER_VERSION);
  checkFeatures(x);
  const out: Record<string, number> = {};
  for (const name in x) {
    const value = x[name];
    if (usable(value)) out[name] = scaleFeature(state.stats, name, value);
  }
  return out;
}

/** One Welford step for one feature (River's order of operations, for identical rounding). */
export function learnFeature(stats: Record<string, FeatureStats>, name: string, x: number): void {
  let s = stats[name];
  // An inherited property (e.g. `constructor`) is not an array: only own entries are statistics.
  if (!Array.isArray(s)) s = stats[name] = [0, 0, 0];
  const n = ++s[0];
  const old = s[1];
  const mean = (s[1] = old + (x - old) / n);
  s[2] += ((x - old) * (x - mean) - s[2]) / n;
}

/** The z-score of `x` for feature `name`: 0 for a feature with no spread (or never seen). */
export function scaleFeature(stats: Record<string, FeatureStats>, name: string, x: number): number {
  const s = stats[name];
  if (!Array.isArray(s) || !(s[2] > 0)) return 0;
  return (x - s[1]) / Math.sqrt(s[2]);
}
