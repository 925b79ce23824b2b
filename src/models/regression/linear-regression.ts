/**
 * Online linear regression: predicts a number from a record of named features, and learns
 * from each (features, label) pair as it arrives, with constant memory per key. For a
 * per-sensor model inside `mapWithState` (or `prequential`, which also tracks its error).
 *
 * Algorithm: least squares by stochastic gradient descent (`glm.ts` gives the update), the
 * squared loss (y - p)² whose gradient is 2 (p - y), over features standardised online
 * (`standard-scaler.ts`). It replicates River 0.26's
 * `compose.Pipeline(preprocessing.StandardScaler(), linear_model.LinearRegression(...))`
 * update for update: with the same hyper-parameters, the same stream gives the same weights
 * and predictions (to rounding; test/models-river/regression.test.ts holds it to 1e-9).
 *
 * Parameters (`SgdOptions`): optimizer 'sgd' | 'adagrad', lr (0.01), schedule 'constant' |
 * 'inverse-scaling' with power (0.5), l2 (0), intercept (true), interceptLr (0.01), scale (true),
 * clipGradient (1e12), epsilon (1e-8): River's defaults.
 *
 * Inputs: a feature that is not a finite number (null, NaN, ±Infinity) is absent from that
 * record (its weight and statistics unchanged, no contribution to the prediction); a label
 * that is not a finite number makes the update skip the record (the state unchanged). A feature
 * seen for the first time starts at weight 0.
 *
 * Memory per key: a few numbers per feature name seen (weight, count, mean, variance; AdaGrad
 * adds one) plus the options: about 100 bytes of JSON per feature.
 *
 * References: L. Bottou, "Stochastic Gradient Descent Tricks", Neural Networks: Tricks of the
 * Trade, 2012; J. Duchi, E. Hazan, Y. Singer, "Adaptive Subgradient Methods", JMLR 12, 2011
 * (AdaGrad); River, `river/linear_model/base.py`.
 *
 * @example
 * const model = linearRegressionInit({ lr: 0.02, l2: 0.001 });
 * linearRegressionPredict(model, { humidity: 40, hour: 13 }); // before the label arrives
 * linearRegressionUpdate(model, { humidity: 40, hour: 13 }, 21.3);
 */
import type { RegressionModel } from '../evaluation/supervised-model.js';
import { checkModelState } from '../model-state.js';
import { checkFeatures, type Features } from './features.js';
import { type GlmState, glmInit, glmLearn, glmRaw } from './glm.js';
import { resolveSgdOptions, type SgdOptions } from './sgd-options.js';

export const LINEAR_REGRESSION_KIND = 'linear-regression';
export const LINEAR_REGRESSION_VERSION = 1;

export type LinearRegressionState = GlmState<typeof LINEAR_REGRESSION_KIND>;
export type LinearRegressionOptions = SgdOptions;

/** A model that has learned nothing (predicts 0); bad options throw FD_ARGUMENT_INVALID naming the option. */
export function linearRegressionInit(options?: LinearRegressionOptions): LinearRegressionState {
  return glmInit(LINEAR_REGRESSION_KIND, LINEAR_REGRESSION_VERSION, resolveSgdOptions('linearRegression', options));
}

/** Learns from one (features, label) pair, in place; returns `state`. A label that is not a finite number is skipped. */
export function linearRegressionUpdate(state: LinearRegressionState, x: Features, y: number | null | undefined): LinearRegressionState {
  checkModelState(state, LINEAR_REGRESSION_KIND, LINEAR_REGRESSION_VERSION);
  checkFeatures(x);
  if (typeof y !== 'number' || y - y !== 0) return state;
  return glmLearn(state, x, (p) => 2 * (p - y));
}

/** The prediction for `x` (the state unchanged). */
export function linearRegressionPredict(state: LinearRegressionState, x: Features): number {
  return glmRaw(state, LINEAR_REGRESSION_KIND, LINEAR_REGRESSION_VERSION, x);
}


/**
 * The linear regression as a model for `prequential(...)`; the options are checked here, so a
 * bad one is an error when the module loads.
 */
export function linearRegression(options?: LinearRegressionOptions): RegressionModel<LinearRegressionState> {
  const resolved = resolveSgdOptions('linearRegression', options);
  return {
    task: 'regression',
    kind: LINEAR_REGRESSION_KIND,
    init: () => glmInit(LINEAR_REGRESSION_KIND, LINEAR_REGRESSION_VERSION, { ...resolved }),
    predict: linearRegressionPredict,
    learn: linearRegressionUpdate,
  };
}
