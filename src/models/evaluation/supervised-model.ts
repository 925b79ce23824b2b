/**
 * What the prequential evaluator needs of a supervised online model: how to make its state,
 * predict from it and learn into it. The regressions of `src/models/regression/` provide
 * these as `linearRegression(options)` and `logisticRegression(options)`; any model with
 * JSON state can be wrapped the same way.
 */
import type { Features } from '../regression/features.js';

/** A model that predicts a number. */
export interface RegressionModel<S extends object = object> {
  task: 'regression';
  /** Its kind, as its state's `kind`. */
  kind: string;
  init(): S;
  predict(state: S, x: Features): number;
  /** Learns in place; a label that is not a finite number is skipped. */
  learn(state: S, x: Features, y: number | null | undefined): S;
}

/** A model that gives the probability of the positive class of a binary label. */
export interface ClassificationModel<S extends object = object> {
  task: 'classification';
  kind: string;
  init(): S;
  predictProba(state: S, x: Features): number;
  /** Learns in place; labels are true/false or 1/0, a missing one (null, undefined, NaN) is skipped. */
  learn(state: S, x: Features, y: boolean | number | null | undefined): S;
}

export type SupervisedModel = RegressionModel | ClassificationModel;
