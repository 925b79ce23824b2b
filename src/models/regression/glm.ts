/**
 * The shared core of the online linear and logistic regressions: a generalised linear model
 * learned by stochastic gradient descent, one record at a time, over features standardised
 * online (`standard-scaler.ts`). The two models differ only in their loss gradient and in
 * what they make of the raw output (the value itself; a probability).
 *
 * One update, in River's order (a `compose.Pipeline(preprocessing.StandardScaler(), GLM)` learn_one):
 *
 *   1. each finite feature updates its running mean and variance, then is standardised: z_j
 *   2. raw = sum_j w_j z_j + intercept                      (a feature seen for the first time has w_j = 0)
 *   3. g = clamp(loss'(y, raw), ±clipGradient)
 *   4. intercept -= interceptLr(t) * g
 *   5. for each feature present: grad_j = g z_j + l2 w_j, then
 *        sgd:      w_j -= lr(t) * grad_j
 *        adagrad:  G_j += grad_j²;  w_j -= lr(t) / sqrt(G_j + epsilon) * grad_j
 *   6. t += 1
 *
 * where lr(t) is the base rate under the schedule (constant, or lr / (t + 1)^power). The L2
 * penalty is lazy, as River's: it shrinks the weights of the features in the record only.
 * A feature absent from a record (or not finite) takes no part in it: no statistics, no
 * weight change, no contribution to the prediction (as a standardised value of 0 would).
 */
import { checkModelState, type ModelState } from '../model-state.js';
import { checkFeatures, type Features, usable } from './features.js';
import { type ResolvedSgdOptions, scheduled } from './sgd-options.js';
import { learnFeature, scaleFeature, type StandardScalerState, standardScalerInit } from './standard-scaler.js';

export interface GlmState<K extends string> extends ModelState<K> {
  /** The hyper-parameters, resolved at init: learning needs only the state. */
  options: ResolvedSgdOptions;
  /** Updates so far (the schedule's t). */
  t: number;
  intercept: number;
  /** Per feature name, its weight on the standardised feature (or on the raw one with `scale: false`). */
  weights: Record<string, number>;
  /** Per feature name, AdaGrad's sum of squared gradients (empty with the 'sgd' optimizer). */
  g2: Record<string, number>;
  /** The online standardiser, or null with `scale: false`. */
  scaler: StandardScalerState | null;
}

export function glmInit<K extends string>(kind: K, v: number, options: ResolvedSgdOptions): GlmState<K> {
  return { kind, v, options, t: 0, intercept: 0, weights: {}, g2: {}, scaler: options.scale ? standardScalerInit() : null };
}

/** A weight by name: 0 for a feature never learned (an inherited property such as `constructor` is not a weight). */
const weightOf = (weights: Record<string, number>, name: string): number => {
  const w = weights[name];
  return typeof w === 'number' ? w : 0;
};

/** The raw output (before the link function) for `x`, the state unchanged. */
export function glmRaw(state: GlmState<string>, kind: string, v: number, x: Features): number {
  checkModelState(state, kind, v);
  checkFeatures(x);
  const stats = state.scaler?.stats;
  let dot = 0;
  for (const name in x) {
    const value = x[name];
    if (!usable(value)) continue;
    dot += weightOf(state.weights, name) * (stats ? scaleFeature(stats, name, value) : value);
  }
  return dot + state.intercept;
}

/**
 * One learning step on (x, y), in place. `lossGradient(raw)` is the derivative of the loss
 * with respect to the raw output, for this record's label.
 */
export function glmLearn<S extends GlmState<string>>(state: S, x: Features, lossGradient: (raw: number) => number): S {
  const o = state.options;
  const stats = state.scaler?.stats;
  const weights = state.weights;
  // Pass 1: standardise (learning first, as River's pipeline does) and take the dot product.
  const names: string[] = [];
  const zs: number[] = [];
  let dot = 0;
  for (const name in x) {
    const value = x[name];
    if (!usable(value)) continue;
    let z = value;
    if (stats) {
      learnFeature(stats, name, value);
      z = scaleFeature(stats, name, value);
    }
    names.push(name);
    zs.push(z);
    dot += weightOf(weights, name) * z;
  }
  const clip = o.clipGradient;
  const g = Math.max(Math.min(lossGradient(dot + state.intercept), clip), -clip);

  const t = state.t;
  if (o.intercept) state.intercept -= scheduled(o, o.interceptLr, t) * g;
  // Pass 2: the weights of the features present.
  const lr = scheduled(o, o.lr, t);
  const l2 = o.l2;
  if (o.optimizer === 'sgd') {
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const w = weightOf(weights, name);
      const grad = l2 === 0 ? g * zs[i]! : g * zs[i]! + l2 * w;
      weights[name] = w - lr * grad;
    }
  } else {
    const g2 = state.g2;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const w = weightOf(weights, name);
      const grad = l2 === 0 ? g * zs[i]! : g * zs[i]! + l2 * w;
      const sum = (g2[name] = weightOf(g2, name) + grad * grad);
      weights[name] = w - (lr / Math.sqrt(sum + o.epsilon)) * grad;
    }
  }
  state.t = t + 1;
  return state;
}
