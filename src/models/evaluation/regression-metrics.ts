/**
 * Live quality of a regression: MAE, RMSE and R² of (label, prediction) pairs, over
 * everything seen and over the recent pairs (a fading factor, see `faded.ts`), as a small
 * JSON state that lives in `mapWithState` (the prequential evaluator's) and so in the changelog.
 *
 *   MAE = mean |y - p|,  RMSE = sqrt(mean (y - p)²),  R² = 1 - SSE / SST
 *
 * with SST the sum of squared deviations of the labels from their mean (Welford's update,
 * weighted by the fading factor as in West's algorithm). Over everything these are River's
 * `metrics.MAE`, `metrics.RMSE` and `metrics.R2` (R² is 0 until two labels with some spread
 * have been seen, as River's). A pair whose label or prediction is not a finite number is not
 * scored; a prediction that is not finite (a diverging model) is counted in `invalid`.
 *
 * Memory: 15 numbers.
 *
 * References: Gama et al. 2013 (see `faded.ts`); D. H. D. West, "Updating mean and variance
 * estimates: an improved method", CACM 22(9), 1979; River, `river/metrics/r2.py`.
 */
import { checkModelState, type ModelState } from '../model-state.js';
import { checkFading } from './faded.js';

export const REGRESSION_METRICS_KIND = 'regression-metrics';
export const REGRESSION_METRICS_VERSION = 1;

/** Faded sums of one horizon: total weight, mean |e|, mean e², label mean, label sum of squared deviations, sum of squared errors. */
export interface RegressionErrorStats {
  w: number;
  mae: number;
  mse: number;
  yMean: number;
  yM2: number;
  sse: number;
}

export interface RegressionMetricsState extends ModelState<typeof REGRESSION_METRICS_KIND> {
  /** The fading factor of `recent`. */
  fading: number;
  /** Pairs scored. */
  n: number;
  /** Predictions that were not finite numbers (not scored). */
  invalid: number;
  all: RegressionErrorStats;
  recent: RegressionErrorStats;
}

/** The metrics as a report carries them: plain numbers, never NaN. */
export interface RegressionMetrics {
  n: number;
  invalid: number;
  mae: number;
  rmse: number;
  r2: number;
  maeRecent: number;
  rmseRecent: number;
  r2Recent: number;
}

const emptyStats = (): RegressionErrorStats => ({ w: 0, mae: 0, mse: 0, yMean: 0, yM2: 0, sse: 0 });

/** Metrics before any pair; `fading` (default 0.99) weighs the `recent` ones. */
export function regressionMetricsInit(options: { fading?: number } = {}): RegressionMetricsState {
  const fading = checkFading(options?.fading ?? 0.99, 'fading');
  return { kind: REGRESSION_METRICS_KIND, v: REGRESSION_METRICS_VERSION, fading, n: 0, invalid: 0, all: emptyStats(), recent: emptyStats() };
}

function add(s: RegressionErrorStats, a: number, y: number, e: number): void {
  const w = (s.w = a * s.w + 1);
  s.mae += (Math.abs(e) - s.mae) / w;
  s.mse += (e * e - s.mse) / w;
  const d = y - s.yMean;
  s.yMean += d / w;
  s.yM2 = a * s.yM2 + d * (y - s.yMean);
  s.sse = a * s.sse + e * e;
}

/** Scores `prediction` against `label`, in place; returns `state`. */
export function regressionMetricsUpdate(state: RegressionMetricsState, label: number | null | undefined, prediction: number | null | undefined): RegressionMetricsState {
  checkModelState(state, REGRESSION_METRICS_KIND, REGRESSION_METRICS_VERSION);
  if (typeof label !== 'number' || label - label !== 0) return state;
  if (typeof prediction !== 'number' || prediction - prediction !== 0) {
    state.invalid++;
    return state;
  }
  const e = label - prediction;
  state.n++;
  add(state.all, 1, label, e);
  add(state.recent, state.fading, label, e);
  return state;
}

const r2 = (s: RegressionErrorStats) => (s.yM2 > 0 ? 1 - s.sse / s.yM2 : 0);

/** The metrics now (0 for all before any pair). */
export function regressionMetrics(state: RegressionMetricsState): RegressionMetrics {
  checkModelState(state, REGRESSION_METRICS_KIND, REGRESSION_METRICS_VERSION);
  const { all, recent } = state;
  return {
    n: state.n,
    invalid: state.invalid,
    mae: all.mae,
    rmse: Math.sqrt(all.mse),
    r2: r2(all),
    maeRecent: recent.mae,
    rmseRecent: Math.sqrt(recent.mse),
    r2Recent: r2(recent),
  };
}
