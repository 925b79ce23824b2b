/**
 * Prequential evaluation (test-then-train) of a supervised online model, per key: for each
 * record the model first predicts from the record's features, the prediction is scored
 * against the record's label, and only then does the model learn from the record. Every
 * prediction is thus made on a record the model has not seen, and the running metrics (MAE,
 * RMSE, R² for a regression; log loss, accuracy for a classifier; over everything and over
 * the recent records, see `regression-metrics.ts`, `classification-metrics.ts`) say how well
 * the model does now, as it learns: a module emits them as its own output topic, a dashboard
 * charts them and an alert rule fires when `maeRecent` climbs.
 *
 * The state per key (model + metrics + when the next report is due) is a `mapWithState`
 * state: checkpointed to the module's changelog, restored after a restart.
 *
 * Reports: with `every`, at most one per key per period of event time: the first scored
 * record of a key reports, then the first scored record of each later period (periods
 * aligned on the epoch, as tumbling windows). Without `every`, each scored record reports.
 * A record without a label (null, undefined, NaN) is neither scored nor learned and reports
 * nothing; its features may still be predicted from by the model's own `predict`.
 *
 * Memory per key: the model's state plus 15 (regression) or 9 (classification) numbers.
 *
 * Reference: A. P. Dawid, "Present position and potential developments: some personal views:
 * statistical theory: the prequential approach", JRSS A 147(2), 1984; J. Gama et al., "On
 * evaluating stream learning algorithms", Machine Learning 90(3), 2013.
 *
 * @example
 * readings.pipe(
 *   keyBy((r) => r.sensorId),
 *   prequential({
 *     name: 'temperature-lr',
 *     model: linearRegression({ lr: 0.02 }),
 *     features: (r) => ({ humidity: r.humidity, pressure: r.pressure }),
 *     label: (r) => r.temperature,
 *     every: '1m',
 *   }),
 * ) // { model: 'temperature-lr', key, time, n, mae, rmse, r2, maeRecent, ... } per sensor per minute
 */
import type { OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import type { Keyed } from '../../stream/ops/keyed.js';
import { mapWithState } from '../../stream/ops/map-with-state.js';
import { type Duration, toMillis } from '../../time/duration.js';
import { checkModelState, type ModelState } from '../model-state.js';
import type { Features } from '../regression/features.js';
import { type ClassificationMetrics, type ClassificationMetricsState, classificationMetrics, classificationMetricsInit, classificationMetricsUpdate } from './classification-metrics.js';
import { checkFading } from './faded.js';
import { type RegressionMetrics, type RegressionMetricsState, regressionMetrics, regressionMetricsInit, regressionMetricsUpdate } from './regression-metrics.js';
import type { ClassificationModel, RegressionModel, SupervisedModel } from './supervised-model.js';

export const PREQUENTIAL_KIND = 'prequential';
export const PREQUENTIAL_VERSION = 1;

export interface PrequentialState extends ModelState<typeof PREQUENTIAL_KIND> {
  /** The model's own state. */
  model: object;
  metrics: RegressionMetricsState | ClassificationMetricsState;
  /** Event time from which the next report is due; null before the first. */
  next: number | null;
}

/** What every report carries besides its metrics. */
export interface PrequentialReportHead {
  /** The model's name (`name`). */
  model: string;
  /** The key the model belongs to. */
  key: string;
  /** Event time of the record that made the report, milliseconds since the epoch. */
  time: number;
}
export type RegressionReport = PrequentialReportHead & RegressionMetrics;
export type ClassificationReport = PrequentialReportHead & ClassificationMetrics;

export interface PrequentialOptions<T, M extends SupervisedModel> {
  /** The model's name: the `model` field of its reports and the name of its state. Required, so the state keeps its name when the pipeline changes. */
  name: string;
  /** e.g. `linearRegression({ lr: 0.02 })` or `logisticRegression()`. */
  model: M;
  /** The record's features, a record of named numbers. */
  features: (value: T) => Features;
  /** The record's label: a number for a regression, true/false or 1/0 for a classifier. */
  label: (value: T) => (M extends ClassificationModel ? boolean | number : number) | null | undefined;
  /** At most one report per key per this much event time (e.g. '1m'). Default: a report per scored record. */
  every?: Duration;
  /** Fading factor of the `...Recent` metrics, in (0, 1]. Default 0.99 (roughly the last 100 records). */
  fading?: number;
  /** Forget a key (model and metrics) after this much event time without records. Default: keep forever. */
  ttl?: Duration;
}

/** The state of a key before any record. */
export function prequentialInit(model: SupervisedModel, options: { fading?: number } = {}): PrequentialState {
  const fading = options?.fading;
  return {
    kind: PREQUENTIAL_KIND,
    v: PREQUENTIAL_VERSION,
    model: model.init(),
    metrics: model.task === 'regression' ? regressionMetricsInit({ fading }) : classificationMetricsInit({ fading }),
    next: null,
  };
}

/**
 * Test, then train, in place: predicts `x`, scores the prediction against `y`, learns (x, y).
 * Returns the prediction (a probability for a classifier), made before learning. A missing
 * label leaves the state as it was.
 */
export function prequentialUpdate(model: SupervisedModel, state: PrequentialState, x: Features, y: unknown): number {
  checkModelState(state, PREQUENTIAL_KIND, PREQUENTIAL_VERSION);
  if (model.task === 'regression') {
    const prediction = model.predict(state.model, x);
    regressionMetricsUpdate(state.metrics as RegressionMetricsState, y as number, prediction);
    model.learn(state.model, x, y as number);
    return prediction;
  }
  const probability = model.predictProba(state.model, x);
  classificationMetricsUpdate(state.metrics as ClassificationMetricsState, y, probability);
  model.learn(state.model, x, y as boolean);
  return probability;
}

/** The metrics of a key now. */
export function prequentialMetrics(model: SupervisedModel, state: PrequentialState): RegressionMetrics | ClassificationMetrics {
  checkModelState(state, PREQUENTIAL_KIND, PREQUENTIAL_VERSION);
  return model.task === 'regression' ? regressionMetrics(state.metrics as RegressionMetricsState) : classificationMetrics(state.metrics as ClassificationMetricsState);
}

/**
 * Runs `model` per key, test-then-train, and emits its running metrics as reports (see the
 * file's comment). Needs keyed records (`keyBy(...)` before it).
 */
export function prequential<T>(options: PrequentialOptions<T, RegressionModel>): OperatorFunction<Keyed<T>, RegressionReport>;
export function prequential<T>(options: PrequentialOptions<T, ClassificationModel>): OperatorFunction<Keyed<T>, ClassificationReport>;
export function prequential<T>(options: PrequentialOptions<T, SupervisedModel>): OperatorFunction<Keyed<T>, RegressionReport | ClassificationReport> {
  const { name, model, features, label, every, fading, ttl } = validate(options);
  return mapWithState<T, PrequentialState, RegressionReport | ClassificationReport>({
    name: `prequential-${name}`,
    ttl,
    init: () => prequentialInit(model, { fading }),
    step: (state, value, { key, time }) => {
      const y = label(value);
      const seen = state.metrics.n + state.metrics.invalid;
      prequentialUpdate(model, state, features(value), y);
      // A record without a label reports nothing; a diverged model's (invalid) does, so it shows.
      if (state.metrics.n + state.metrics.invalid === seen) return undefined;
      if (state.next !== null && time < state.next) return undefined;
      state.next = every === undefined ? null : (Math.floor(time / every) + 1) * every;
      return { model: name, key, time, ...prequentialMetrics(model, state) } as RegressionReport | ClassificationReport;
    },
  });
}

function validate<T>(options: PrequentialOptions<T, SupervisedModel>) {
  const problems: string[] = [];
  const o = (options ?? {}) as Partial<PrequentialOptions<T, SupervisedModel>>;
  if (typeof o.name !== 'string' || o.name.trim() === '') problems.push("name: give the model a name, e.g. 'temperature-lr': it names the reports' model field and the state");
  const m = o.model as Partial<SupervisedModel> | undefined;
  if (!m || typeof m.init !== 'function' || typeof m.learn !== 'function' || (m.task !== 'regression' && m.task !== 'classification')) {
    problems.push('model: pass a supervised model, e.g. linearRegression({ lr: 0.02 }) or logisticRegression()');
  }
  if (typeof o.features !== 'function') problems.push('features: pass a function from a record to its features, e.g. (r) => ({ humidity: r.humidity })');
  if (typeof o.label !== 'function') problems.push('label: pass a function from a record to its label, e.g. (r) => r.temperature');
  let every: number | undefined;
  let fading = 0.99;
  for (const check of [
    () => (every = o.every === undefined ? undefined : toMillis(o.every, { what: 'every' })),
    () => (fading = checkFading(o.fading ?? 0.99, 'fading')),
  ]) {
    try {
      check();
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }
  if (problems.length > 0) throw new FastdataError('FD_PIPELINE_INVALID', `prequential() options are not valid:\n  - ${problems.join('\n  - ')}`);
  return { name: o.name!, model: o.model!, features: o.features!, label: o.label!, every, fading, ttl: o.ttl };
}
