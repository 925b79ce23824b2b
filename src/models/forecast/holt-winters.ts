/**
 * Holt-Winters exponential smoothing: a forecaster for series with a level, a trend and a
 * season (a sensor's daily cycle, a service's hourly load), updated one value at a time in
 * constant memory, with its one-step-ahead error kept for a dashboard's "live error".
 *
 * The recursions are Hyndman & Athanasopoulos, "Forecasting: principles and practice" (3rd
 * ed.) §8.3, additive trend with additive or multiplicative seasonality, season length m in
 * records (60 for per-minute data with an hourly season):
 *
 *   additive:        ŷ(t+h) = ℓ + h·b + s(t+h-m)          multiplicative: ŷ(t+h) = (ℓ + h·b) · s(t+h-m)
 *   ℓ' = α (y - s(t-m)) + (1-α)(ℓ + b)                   ℓ' = α (y / s(t-m)) + (1-α)(ℓ + b)
 *   b' = β (ℓ' - ℓ) + (1-β) b
 *   s(t) = γ (y - ℓ - b) + (1-γ) s(t-m)                   s(t) = γ y / (ℓ + b) + (1-γ) s(t-m)
 *
 * (for h > m the season repeats: s(t + 1 + (h-1) mod m - m)). Without `beta` there is no trend
 * (b = 0), without `season` no seasonal term: simple exponential smoothing is `{ alpha }`,
 * Holt's linear method `{ alpha, beta }`.
 *
 * Initialisation, from the first values (the warm-up; no forecast before it ends):
 * - season and trend: two seasons (2m values). With a1, a2 the means of the two seasons,
 *   b = (a2 - a1) / m, the trend line through them is a1 + b·(t - (m+1)/2), ℓ is that line at
 *   the warm-up's last value, and each s is the value's departure from the line (difference,
 *   or ratio if multiplicative) averaged over the two seasons, then normalised to sum 0
 *   (mean 1 if multiplicative): the classical decomposition H&A describe for initial states.
 * - season without trend: one season (m values): ℓ = their mean, s = departures from it.
 * - trend without season: 2 values: ℓ = y2, b = y2 - y1.  Neither: 1 value, ℓ = y1.
 * A purely seasonal series (a constant plus a repeating pattern) is then forecast exactly
 * (to rounding) at every step after the warm-up, whatever α, β, γ.
 *
 * Agreement with River (`time_series.HoltWinters`, river 0.26.1): the recursions and forecasts
 * are River's, operation for operation, so from the same components the forecasts are
 * identical at every step (test/models-river/clustering-drift.test.ts). River's initialisation
 * differs: it starts after max(2, m) values with ℓ = their mean, b = their mean first
 * difference (which mistakes the season's shape for a trend), and s = y / ℓ for additive
 * seasonality too (ratios near 1 where departures belong), so it starts without the season's
 * shape: on the comparison's additive series (season 24, noise of spread 1) its one-step MAE is
 * 2.5 over its first two seasons and 1.4 over the next 19, ours 1.0 and 0.9 (noise alone: 0.8).
 * Ours starts one season later.
 *
 * Errors: each value after the warm-up is first forecast one step ahead, and its error
 * y - ŷ kept: cumulative MAE and RMSE, and exponentially weighted ones (`errorAlpha`, default
 * 0.1, about the last 10 values) for a live error that follows the model's current quality.
 *
 * A value that is not a finite number is a missing observation. After the warm-up, time still
 * moves one step (ℓ += b, the season turns; nothing is learned, no error counted), so the
 * season stays aligned with the records; during the warm-up it is skipped.
 *
 * Memory per key: m + 20 numbers (2m during the warm-up with a trend). Time per update: O(1).
 *
 * @example
 * mapWithState({ name: 'temp-forecast', init: () => holtWintersInit({ alpha: 0.3, beta: 0.01, gamma: 0.1, season: 60 }),
 *   step: (s, r) => { holtWintersUpdate(s, r.temperature); const e = holtWintersError(s);
 *     return { sensorId: r.sensorId, next: holtWintersForecast(s, 1)[0] ?? null, mae: e?.recentMae ?? null }; } })
 */
import { invalidArgument } from '../../errors.js';
import { checkModelState, type ModelState } from '../model-state.js';
import { choiceOption, numberOption, optionsObject, wholeOption } from '../option-checks.js';

export const HOLT_WINTERS_KIND = 'holt-winters';
export const HOLT_WINTERS_VERSION = 1;

export interface HoltWintersOptions {
  /** Smoothing of the level, in [0, 1]. */
  alpha: number;
  /** Smoothing of the trend, in [0, 1]; leave out for no trend. */
  beta?: number;
  /** Smoothing of the season, in [0, 1]; needed with `season`. */
  gamma?: number;
  /** Season length in records, a whole number >= 2 (60: per-minute data, hourly season); leave out for no season. */
  season?: number;
  /** How the season combines with the level. Default 'additive'. */
  seasonal?: 'additive' | 'multiplicative';
  /** Weight of the newest error in the recent MAE/RMSE, in (0, 1]. Default 0.1. */
  errorAlpha?: number;
}

export interface HoltWintersState extends ModelState<typeof HOLT_WINTERS_KIND> {
  alpha: number;
  beta: number | null;
  gamma: number | null;
  /** Season length (0: none). */
  season: number;
  seasonal: 'additive' | 'multiplicative';
  errorAlpha: number;
  /** Values held until the warm-up ends; empty after. */
  warmup: number[];
  /** Whether the warm-up has ended (forecasts exist). */
  ready: boolean;
  level: number;
  trend: number;
  /** The last m seasonal terms as a ring; `next` is the index of s(t+1-m). */
  seasonals: number[];
  next: number;
  /** Values taken (missing ones not counted). */
  n: number;
  /** One-step-ahead errors after the warm-up. */
  errors: { n: number; sumAbs: number; sumSq: number; recentAbs: number; recentSq: number; last: number | null };
}

/** The one-step-ahead error so far. */
export interface HoltWintersError {
  /** Values forecast and then seen. */
  n: number;
  mae: number;
  rmse: number;
  /** Exponentially weighted (errorAlpha) MAE and RMSE: the current quality. */
  recentMae: number;
  recentRmse: number;
  /** y - ŷ of the last value. */
  last: number;
}

/** A model before its warm-up; options are checked here (FD_ARGUMENT_INVALID naming the option). */
export function holtWintersInit(options: HoltWintersOptions): HoltWintersState {
  const o = optionsObject<HoltWintersOptions>('holtWintersInit', options, false);
  const alpha = numberOption('alpha', o.alpha, 0, 1, '[]', 'e.g. 0.3');
  const beta = o.beta === undefined ? null : numberOption('beta', o.beta, 0, 1, '[]', 'e.g. 0.01, or leave it out for no trend');
  const season = o.season === undefined ? 0 : wholeOption('season', o.season, 2, 1_000_000, 'the season length in records, e.g. 60 for per-minute data with an hourly season');
  if (season > 0 && o.gamma === undefined) throw invalidArgument('gamma', 'a season needs gamma, the smoothing of the seasonal terms in [0, 1], e.g. 0.1');
  if (season === 0 && o.gamma !== undefined) throw invalidArgument('season', 'gamma was given without a season; give the season length in records, e.g. season: 60');
  const gamma = o.gamma === undefined ? null : numberOption('gamma', o.gamma, 0, 1, '[]', 'e.g. 0.1');
  const seasonal = choiceOption('seasonal', o.seasonal ?? 'additive', ['additive', 'multiplicative'] as const);
  const errorAlpha = numberOption('errorAlpha', o.errorAlpha ?? 0.1, 0, 1, '(]', 'e.g. 0.1 for about the last 10 errors');
  return {
    kind: HOLT_WINTERS_KIND,
    v: HOLT_WINTERS_VERSION,
    alpha,
    beta,
    gamma,
    season,
    seasonal,
    errorAlpha,
    warmup: [],
    ready: false,
    level: 0,
    trend: 0,
    seasonals: [],
    next: 0,
    n: 0,
    errors: { n: 0, sumAbs: 0, sumSq: 0, recentAbs: 0, recentSq: 0, last: null },
  };
}

/** Values the warm-up takes before the first forecast. */
export function holtWintersWarmup(state: HoltWintersState): number {
  const trend = state.beta !== null;
  if (state.season > 0) return trend ? 2 * state.season : state.season;
  return trend ? 2 : 1;
}

/**
 * Takes the next value of the series; updates `state` in place and returns it. After the
 * warm-up the value is first forecast one step ahead and the error kept.
 */
export function holtWintersUpdate(state: HoltWintersState, y: number | null | undefined): HoltWintersState {
  checkModelState(state, HOLT_WINTERS_KIND, HOLT_WINTERS_VERSION);
  const missing = typeof y !== 'number' || !Number.isFinite(y);
  if (!state.ready) {
    if (missing) return state;
    state.n += 1;
    state.warmup.push(y);
    if (state.warmup.length >= holtWintersWarmup(state)) initialise(state);
    return state;
  }
  const m = state.season;
  const multiplicative = state.seasonal === 'multiplicative';
  const old = m > 0 ? state.seasonals[state.next]! : multiplicative ? 1 : 0;
  const level = state.level;
  const trend = state.trend;
  if (missing) {
    state.level = level + trend;
  } else {
    state.n += 1;
    const forecast = multiplicative ? (level + trend) * old : level + trend + old;
    recordError(state, y - forecast);
    const alpha = state.alpha;
    state.level = multiplicative ? alpha * (y / old) + (1 - alpha) * (level + trend) : alpha * (y - old) + (1 - alpha) * (level + trend);
    if (state.beta !== null) state.trend = state.beta * (state.level - level) + (1 - state.beta) * trend;
    if (m > 0) {
      const gamma = state.gamma!;
      state.seasonals[state.next] = multiplicative ? (gamma * y) / (level + trend) + (1 - gamma) * old : gamma * (y - level - trend) + (1 - gamma) * old;
    }
  }
  if (m > 0) state.next = (state.next + 1) % m;
  return state;
}

/** Forecasts of the next `h` values (ŷ(t+1) .. ŷ(t+h)); empty during the warm-up. */
export function holtWintersForecast(state: HoltWintersState, h: number): number[] {
  checkModelState(state, HOLT_WINTERS_KIND, HOLT_WINTERS_VERSION);
  wholeOption('h', h, 1, 1_000_000, 'the number of steps ahead, e.g. 1');
  if (!state.ready) return [];
  const m = state.season;
  const multiplicative = state.seasonal === 'multiplicative';
  const out = new Array<number>(h);
  for (let i = 0; i < h; i++) {
    const base = state.level + (i + 1) * state.trend;
    const s = m > 0 ? state.seasonals[(state.next + (i % m)) % m]! : multiplicative ? 1 : 0;
    out[i] = multiplicative ? base * s : base + s;
  }
  return out;
}

/** The one-step-ahead error since the warm-up; null before any value was forecast. */
export function holtWintersError(state: HoltWintersState): HoltWintersError | null {
  checkModelState(state, HOLT_WINTERS_KIND, HOLT_WINTERS_VERSION);
  const e = state.errors;
  if (e.n === 0 || e.last === null) return null;
  return { n: e.n, mae: e.sumAbs / e.n, rmse: Math.sqrt(e.sumSq / e.n), recentMae: e.recentAbs, recentRmse: Math.sqrt(e.recentSq), last: e.last };
}

function recordError(state: HoltWintersState, error: number): void {
  const e = state.errors;
  const a = state.errorAlpha;
  const abs = Math.abs(error);
  if (e.n === 0) {
    e.recentAbs = abs;
    e.recentSq = error * error;
  } else {
    e.recentAbs += a * (abs - e.recentAbs);
    e.recentSq += a * (error * error - e.recentSq);
  }
  e.n += 1;
  e.sumAbs += abs;
  e.sumSq += error * error;
  e.last = error;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function initialise(state: HoltWintersState): void {
  const ys = state.warmup;
  const m = state.season;
  const multiplicative = state.seasonal === 'multiplicative';
  const hasTrend = state.beta !== null;
  if (m === 0) {
    state.level = ys[ys.length - 1]!;
    state.trend = hasTrend ? ys[1]! - ys[0]! : 0;
  } else {
    const a1 = mean(ys.slice(0, m));
    const b = hasTrend ? (mean(ys.slice(m, 2 * m)) - a1) / m : 0;
    const line = (t: number) => a1 + b * (t - (m + 1) / 2); // t = 1 .. ys.length
    const seasons = ys.length / m;
    const raw = Array.from({ length: m }, (_, j) => {
      let sum = 0;
      for (let k = 0; k < seasons; k++) {
        const t = k * m + j + 1;
        sum += multiplicative ? ys[t - 1]! / line(t) : ys[t - 1]! - line(t);
      }
      return sum / seasons;
    });
    const centre = mean(raw);
    state.seasonals = raw.map((s) => (multiplicative ? s / centre : s - centre));
    state.level = line(ys.length);
    state.trend = b;
    state.next = 0; // the warm-up ends on a whole season: the next value is at position 0
  }
  state.warmup = [];
  state.ready = true;
}
