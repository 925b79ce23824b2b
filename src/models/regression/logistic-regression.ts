/**
 * Online logistic regression: the probability that a record belongs to the positive class,
 * from a record of named features, learned from each (features, label) pair as it arrives,
 * with constant memory per key (e.g. "will this sensor fail within the hour").
 *
 * Algorithm: the log loss log(1 + exp(-y' raw)), y' = ±1, minimised by stochastic gradient
 * descent (`glm.ts` gives the update) over features standardised online
 * (`standard-scaler.ts`); the gradient is -y' / (exp(y' raw) + 1), with River's cut-offs for
 * |raw| > 18, and the probability is the logistic function of raw (exactly 0 or 1 beyond
 * ±30, as River's). It replicates River 0.26's
 * `compose.Pipeline(preprocessing.StandardScaler(), linear_model.LogisticRegression(...))`
 * update for update (test/models-river/regression.test.ts holds it to 1e-9).
 *
 * Parameters: those of `SgdOptions` (River's defaults: sgd, lr 0.01, constant, l2 0,
 * interceptLr 0.01, scale true).
 *
 * Inputs: labels are true/false or 1/0; a label that is null, undefined or NaN makes the
 * update skip the record; any other label is an FD_ARGUMENT_INVALID naming it. A feature that
 * is not a finite number is absent from that record (see `linear-regression.ts`).
 *
 * Memory per key: as the linear regression, about 100 bytes of JSON per feature name seen.
 *
 * References: as `linear-regression.ts`; River, `river/linear_model/log_reg.py`, `river/optim/losses.py` (Log).
 *
 * @example
 * const model = logisticRegressionInit({ lr: 0.05 });
 * logisticRegressionPredictProba(model, { vibration: 0.3, temperature: 71 }); // P(label is true)
 * logisticRegressionUpdate(model, { vibration: 0.3, temperature: 71 }, false);
 */
import { invalidArgument } from '../../errors.js';
import type { ClassificationModel } from '../evaluation/supervised-model.js';
import { checkModelState } from '../model-state.js';
import { checkFeatures, type Features } from './features.js';
import { type GlmState, glmInit, glmLearn, glmRaw } from './glm.js';
import { resolveSgdOptions, type SgdOptions } from './sgd-options.js';

export const LOGISTIC_REGRESSION_KIND = 'logistic-regression';
export const LOGISTIC_REGRESSION_VERSION = 1;

export type LogisticRegressionState = GlmState<typeof LOGISTIC_REGRESSION_KIND>;
export type LogisticRegressionOptions = SgdOptions;
/** A class label: true/1 is the positive class, false/0 the negative one. */
export type BinaryLabel = boolean | 0 | 1;

/** A model that has learned nothing (probability 0.5); bad options throw FD_ARGUMENT_INVALID naming the option. */
export function logisticRegressionInit(options?: LogisticRegressionOptions): LogisticRegressionState {
  return glmInit(LOGISTIC_REGRESSION_KIND, LOGISTIC_REGRESSION_VERSION, resolveSgdOptions('logisticRegression', options));
}

/**
 * +1 for the positive class, -1 for the negative one, 0 for a missing label (null, undefined,
 * NaN); anything else is FD_ARGUMENT_INVALID naming `field`.
 */
export function labelSign(y: unknown, field = 'label'): -1 | 0 | 1 {
  if (y === true || y === 1) return 1;
  if (y === false || y === 0) return -1;
  if (y === null || y === undefined || Number.isNaN(y)) return 0;
  const shown = typeof y === 'number' ? String(y) : (JSON.stringify(y) ?? String(y));
  throw invalidArgument(field, `${shown} is not a class label; use true/false or 1/0 (e.g. (r) => r.status === 'failed')`);
}

/** Learns from one (features, label) pair, in place; returns `state`. A missing label is skipped. */
export function logisticRegressionUpdate(state: LogisticRegressionState, x: Features, y: BinaryLabel | null | undefined): LogisticRegressionState {
  checkModelState(state, LOGISTIC_REGRESSION_KIND, LOGISTIC_REGRESSION_VERSION);
  checkFeatures(x);
  const sign = labelSign(y);
  if (sign === 0) return state;
  return glmLearn(state, x, (raw) => logLossGradient(sign, raw));
}

/** P(the label of `x` is true), in [0, 1] (the state unchanged). */
export function logisticRegressionPredictProba(state: LogisticRegressionState, x: Features): number {
  return sigmoid(glmRaw(state, LOGISTIC_REGRESSION_KIND, LOGISTIC_REGRESSION_VERSION, x));
}

/** The more likely class of `x`: true when its probability is above 0.5 (a tie is false, as River's). */
export function logisticRegressionPredict(state: LogisticRegressionState, x: Features): boolean {
  return logisticRegressionPredictProba(state, x) > 0.5;
}

/** River's `utils.math.sigmoid`: exactly 0 below -30 and 1 above 30. */
export function sigmoid(raw: number): number {
  if (raw < -30) return 0;
  if (raw > 30) return 1;
  return 1 / (1 + Math.exp(-raw));
}

/** d/draw of log(1 + exp(-sign raw)), with River's cut-offs where exp would lose everything. */
function logLossGradient(sign: 1 | -1, raw: number): number {
  const z = raw * sign;
  if (z > 18) return Math.exp(-z) * -sign;
  if (z < -18) return -sign;
  return -sign / (Math.exp(z) + 1);
}

/**
 * The logistic regression as a model for `prequential(...)`; the options are checked here, so
 * a bad one is an error when the module loads.
 */
export function logisticRegression(options?: LogisticRegressionOptions): ClassificationModel<LogisticRegressionState> {
  const resolved = resolveSgdOptions('logisticRegression', options);
  return {
    task: 'classification',
    kind: LOGISTIC_REGRESSION_KIND,
    init: () => glmInit(LOGISTIC_REGRESSION_KIND, LOGISTIC_REGRESSION_VERSION, { ...resolved }),
    predictProba: logisticRegressionPredictProba,
    learn: (state, x, y) => logisticRegressionUpdate(state, x, y as BinaryLabel | null | undefined),
  };
}
