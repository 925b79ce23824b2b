/**
 * The hyper-parameters the online regressions of this folder share, their defaults (River's,
 * so a comparison with River needs no translation) and their checks at init: each bad option
 * is an FD_ARGUMENT_INVALID naming the option, the value and the range.
 */
import { invalidArgument } from '../../errors.js';

export interface SgdOptions {
  /**
   * How the weights move: 'sgd' (plain stochastic gradient descent, River's default) or
   * 'adagrad' (a per-feature step that shrinks with the feature's summed squared gradients). Default 'sgd'.
   */
  optimizer?: 'sgd' | 'adagrad';
  /** Base learning rate of the weights, > 0. Default 0.01 for 'sgd', 0.1 for 'adagrad' (River's defaults). */
  lr?: number;
  /**
   * How the learning rates change with the number of updates t (0 for the first):
   * 'constant', or 'inverse-scaling': lr / (t + 1)^power, as River's `optim.schedulers.InverseScaling`.
   * Applies to the weights' and the intercept's rates alike. Default 'constant'.
   */
  schedule?: 'constant' | 'inverse-scaling';
  /** The power of 'inverse-scaling', > 0. Default 0.5. */
  power?: number;
  /** L2 penalty, >= 0: each update pulls the weights of the features present towards 0 by lr * l2 * weight. Default 0. */
  l2?: number;
  /** Learn an intercept (bias). Default true. */
  intercept?: boolean;
  /** Base learning rate of the intercept, >= 0 (plain SGD, whatever `optimizer` is). Default 0.01. */
  interceptLr?: number;
  /** Standardise the features online (running mean and variance per feature) before the model sees them. Default true. */
  scale?: boolean;
  /** The loss gradient is clipped to ±clipGradient, > 0. Default 1e12 (River's: in effect, no clipping). */
  clipGradient?: number;
  /** AdaGrad's epsilon, > 0. Default 1e-8. */
  epsilon?: number;
}

/** Every option resolved: what a model's state carries, so that learning needs only the state. */
export type ResolvedSgdOptions = Required<SgdOptions>;

const shown = (value: unknown) => (typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)));

function positive(field: string, value: unknown, hint: string): number {
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) throw invalidArgument(field, `${shown(value)} is not a number > 0; ${hint}`);
  return value;
}

function nonNegative(field: string, value: unknown, hint: string): number {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) throw invalidArgument(field, `${shown(value)} is not a number >= 0; ${hint}`);
  return value;
}

/** The options with defaults filled in, checked; `what` names the model in messages (e.g. 'linearRegression'). */
export function resolveSgdOptions(what: string, options: unknown): ResolvedSgdOptions {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw invalidArgument(what, `${shown(options)} is not an options object; pass e.g. ${what}Init({ lr: 0.01, l2: 0.001 })`);
  }
  const o = (options ?? {}) as SgdOptions;
  const optimizer = o.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adagrad') throw invalidArgument(`${what}.optimizer`, `${shown(optimizer)} is not 'sgd' or 'adagrad'`);
  const schedule = o.schedule ?? 'constant';
  if (schedule !== 'constant' && schedule !== 'inverse-scaling') throw invalidArgument(`${what}.schedule`, `${shown(schedule)} is not 'constant' or 'inverse-scaling'`);
  const bool = (field: keyof SgdOptions, value: unknown) => {
    if (typeof value !== 'boolean') throw invalidArgument(`${what}.${field}`, `${shown(value)} is not true or false`);
    return value;
  };
  return {
    optimizer,
    lr: positive(`${what}.lr`, o.lr ?? (optimizer === 'adagrad' ? 0.1 : 0.01), 'e.g. 0.01; too large a rate makes the weights diverge'),
    schedule,
    power: positive(`${what}.power`, o.power ?? 0.5, 'e.g. 0.5: the rate at update t is lr / (t + 1)^power'),
    l2: nonNegative(`${what}.l2`, o.l2 ?? 0, 'e.g. 0.001; 0 turns the penalty off'),
    intercept: bool('intercept', o.intercept ?? true),
    interceptLr: nonNegative(`${what}.interceptLr`, o.interceptLr ?? 0.01, 'e.g. 0.01'),
    scale: bool('scale', o.scale ?? true),
    clipGradient: positive(`${what}.clipGradient`, o.clipGradient ?? 1e12, 'e.g. 1e12 (no clipping in effect)'),
    epsilon: positive(`${what}.epsilon`, o.epsilon ?? 1e-8, 'e.g. 1e-8'),
  };
}

/** The learning rate at update `t` (0 for the first) of a base rate under `options.schedule`. */
export function scheduled(options: ResolvedSgdOptions, base: number, t: number): number {
  return options.schedule === 'constant' ? base : base / Math.pow(t + 1, options.power);
}
