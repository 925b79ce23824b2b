/**
 * Live quality of a binary classifier: log loss and accuracy of (label, probability) pairs,
 * over everything seen and over the recent pairs (a fading factor, see `faded.ts`), as a small
 * JSON state for `mapWithState` (the prequential evaluator's).
 *
 *   log loss = mean of -log(p) for a true label, -log(1 - p) for a false one, p clamped to [1e-15, 1 - 1e-15]
 *   accuracy = share of pairs whose predicted class (true when p > 0.5) is the label
 *
 * Over everything these are River's `metrics.LogLoss` and `metrics.Accuracy` (same clamp, same
 * tie rule). A pair whose label is missing (null, undefined, NaN) is not scored; a probability
 * that is not a number in [0, 1] (a diverging model) is counted in `invalid`.
 *
 * Memory: 9 numbers.
 *
 * References: Gama et al. 2013 (see `faded.ts`); River, `river/metrics/log_loss.py`.
 */
import { labelSign } from '../regression/logistic-regression.js';
import { checkModelState, type ModelState } from '../model-state.js';
import { checkFading } from './faded.js';

export const CLASSIFICATION_METRICS_KIND = 'classification-metrics';
export const CLASSIFICATION_METRICS_VERSION = 1;

/** Faded means of one horizon: total weight, mean log loss, share correct. */
export interface ClassificationErrorStats {
  w: number;
  logLoss: number;
  accuracy: number;
}

export interface ClassificationMetricsState extends ModelState<typeof CLASSIFICATION_METRICS_KIND> {
  fading: number;
  n: number;
  invalid: number;
  all: ClassificationErrorStats;
  recent: ClassificationErrorStats;
}

export interface ClassificationMetrics {
  n: number;
  invalid: number;
  logLoss: number;
  accuracy: number;
  logLossRecent: number;
  accuracyRecent: number;
}

const EPS = 1e-15;
const emptyStats = (): ClassificationErrorStats => ({ w: 0, logLoss: 0, accuracy: 0 });

/** Metrics before any pair; `fading` (default 0.99) weighs the `recent` ones. */
export function classificationMetricsInit(options: { fading?: number } = {}): ClassificationMetricsState {
  const fading = checkFading(options?.fading ?? 0.99, 'fading');
  return { kind: CLASSIFICATION_METRICS_KIND, v: CLASSIFICATION_METRICS_VERSION, fading, n: 0, invalid: 0, all: emptyStats(), recent: emptyStats() };
}

function add(s: ClassificationErrorStats, a: number, loss: number, correct: number): void {
  const w = (s.w = a * s.w + 1);
  s.logLoss += (loss - s.logLoss) / w;
  s.accuracy += (correct - s.accuracy) / w;
}

/**
 * Scores `probability` (of the positive class) against `label` (true/false or 1/0), in
 * place; returns `state`. A label of another kind is FD_ARGUMENT_INVALID naming it.
 */
export function classificationMetricsUpdate(state: ClassificationMetricsState, label: unknown, probability: number | null | undefined): ClassificationMetricsState {
  checkModelState(state, CLASSIFICATION_METRICS_KIND, CLASSIFICATION_METRICS_VERSION);
  const sign = labelSign(label);
  if (sign === 0) return state;
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    state.invalid++;
    return state;
  }
  const p = Math.max(Math.min(probability, 1 - EPS), EPS);
  const loss = sign > 0 ? -Math.log(p) : -Math.log(1 - p);
  const correct = probability > 0.5 === sign > 0 ? 1 : 0;
  state.n++;
  add(state.all, 1, loss, correct);
  add(state.recent, state.fading, loss, correct);
  return state;
}

/** The metrics now (0 for all before any pair). */
export function classificationMetrics(state: ClassificationMetricsState): ClassificationMetrics {
  checkModelState(state, CLASSIFICATION_METRICS_KIND, CLASSIFICATION_METRICS_VERSION);
  return {
    n: state.n,
    invalid: state.invalid,
    logLoss: state.all.logLoss,
    accuracy: state.all.accuracy,
    logLossRecent: state.recent.logLoss,
    accuracyRecent: state.recent.accuracy,
  };
}
