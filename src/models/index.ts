/**
 * The online models, as the package's public face exports them (src/index.ts). Each keeps a
 * plain JSON state with its kind and layout version (model-state.ts), for `mapWithState` and
 * window aggregators; docs/models.md is the index of their pages.
 */
export { type ModelState, checkModelState } from './model-state.js';
export * from './sketches/index.js';
export { type KMeansAssignment, type KMeansOptions, type KMeansState, kmeansInit, kmeansPredict, kmeansUpdate } from './clustering/kmeans.js';
export { type AdwinOptions, type AdwinState, adwinInit, adwinUpdate, adwinVariance } from './drift/adwin.js';
export { type PageHinkleyOptions, type PageHinkleyState, pageHinkleyInit, pageHinkleyUpdate } from './drift/page-hinkley.js';
export {
  type HoltWintersError,
  type HoltWintersOptions,
  type HoltWintersState,
  holtWintersError,
  holtWintersForecast,
  holtWintersInit,
  holtWintersUpdate,
  holtWintersWarmup,
} from './forecast/holt-winters.js';
export { type Features } from './regression/features.js';
export { type SgdOptions } from './regression/sgd-options.js';
export { type StandardScalerState, standardScalerInit, standardScalerTransform, standardScalerUpdate } from './regression/standard-scaler.js';
export { type LinearRegressionOptions, type LinearRegressionState, linearRegression, linearRegressionInit, linearRegressionPredict, linearRegressionUpdate } from './regression/linear-regression.js';
export {
  type BinaryLabel,
  type LogisticRegressionOptions,
  type LogisticRegressionState,
  logisticRegression,
  logisticRegressionInit,
  logisticRegressionPredict,
  logisticRegressionPredictProba,
  logisticRegressionUpdate,
} from './regression/logistic-regression.js';
export { type ClassificationModel, type RegressionModel, type SupervisedModel } from './evaluation/supervised-model.js';
export {
  type ClassificationReport,
  type PrequentialOptions,
  type PrequentialState,
  type RegressionReport,
  prequential,
  prequentialInit,
  prequentialMetrics,
  prequentialUpdate,
} from './evaluation/prequential.js';
export { prequentialClassificationSchema, prequentialRegressionSchema } from './evaluation/prequential-schema.js';
export { type RegressionMetrics, type RegressionMetricsState, regressionMetrics, regressionMetricsInit, regressionMetricsUpdate } from './evaluation/regression-metrics.js';
export {
  type ClassificationMetrics,
  type ClassificationMetricsState,
  classificationMetrics,
  classificationMetricsInit,
  classificationMetricsUpdate,
} from './evaluation/classification-metrics.js';
export { accuracyOf, logLossOf, maeOf, r2Of, rmseOf } from './evaluation/window-metrics.js';
