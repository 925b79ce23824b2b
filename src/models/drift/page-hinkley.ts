/**
 * The Page-Hinkley test (Page 1954): a cumulative-sum (CUSUM) detector of a change in the
 * mean of a stream. Cheaper and simpler than ADWIN (a handful of numbers per key), with a
 * threshold in the units of the values rather than a confidence.
 *
 * With x̄ the running mean of the values seen since the last detection:
 *
 *   up   = alpha · up   + (x - x̄) - delta;   minUp   = min(minUp, up)
 *   down = alpha · down + (x - x̄) + delta;   maxDown = max(maxDown, down)
 *   drift if n >= minInstances and (up - minUp > threshold  [mode 'up' or 'both']
 *                                 or maxDown - down > threshold  [mode 'down' or 'both'])
 *
 * `delta` is the magnitude of change tolerated (drifts smaller than it accumulate nothing),
 * `threshold` (λ) the accumulated deviation that counts as a change, `alpha` a forgetting
 * factor on the sums (1 forgets nothing). A larger threshold means fewer false alarms and
 * later detections: a shift of s in the mean is detected after about threshold / (s - delta)
 * values.
 *
 * This is River's `drift.PageHinkley` (river 0.26.1) operation for operation, with its
 * defaults (minInstances 30, delta 0.005, threshold 50, alpha 1 - 0.0001, mode 'both') and
 * its two details: the update after a detection starts afresh (mean, sums and extremes),
 * and the running maximum of `down` starts at -1 rather than -∞ (River's choice, kept so the
 * detections are equal: test/models-river/clustering-drift.test.ts).
 *
 * Memory per key: 11 numbers. Values that are not finite numbers are skipped; `true`/`false`
 * count as 1/0.
 *
 * References: E. S. Page, "Continuous inspection schemes", Biometrika 41 (1954);
 * R. Sebastião, J. M. Fernandes, "Supporting the Page-Hinkley test with empirical mode
 * decomposition for change detection", ISMIS 2017; River's drift.PageHinkley.
 *
 * @example
 * // a record per value with `drift` true or false, so that an alert rule on it also resolves
 * // (streams/sensor-drift.ts in the demo does this per minute)
 * mapWithState({ name: 'ph', init: () => pageHinkleyInit({ threshold: 20 }),
 *   step: (s, r) => ({ key: r.host, drift: pageHinkleyUpdate(s, r.latency).drift, mean: s.mean }) })
 */
import { checkModelState, type ModelState } from '../model-state.js';
import { choiceOption, numberOption, optionsObject, wholeOption } from '../option-checks.js';

export const PAGE_HINKLEY_KIND = 'page-hinkley';
export const PAGE_HINKLEY_VERSION = 1;

export interface PageHinkleyOptions {
  /** Values seen (since the start or the last detection) before a detection can be made. Default 30. */
  minInstances?: number;
  /** Change in the mean tolerated without accumulating evidence. Default 0.005. */
  delta?: number;
  /** Accumulated deviation (λ) that counts as a change. Default 50. */
  threshold?: number;
  /** Forgetting factor of the cumulative sums, in (0, 1]. Default 1 - 0.0001. */
  alpha?: number;
  /** Changes to detect: increases of the mean, decreases, or both. Default 'both'. */
  mode?: 'up' | 'down' | 'both';
}

export interface PageHinkleyState extends ModelState<typeof PAGE_HINKLEY_KIND>, Required<PageHinkleyOptions> {
  /** Whether the last update detected a change. */
  drift: boolean;
  /** Values since the start or the last detection. */
  count: number;
  /** Their mean. */
  mean: number;
  /** Cumulative deviation for increases, and its minimum (null before the first value: +∞). */
  sumIncrease: number;
  minIncrease: number | null;
  /** Cumulative deviation for decreases, and its maximum (starts at -1, as River's). */
  sumDecrease: number;
  maxDecrease: number;
  /** Detections since init. */
  detections: number;
}

const DEFAULTS: Required<PageHinkleyOptions> = { minInstances: 30, delta: 0.005, threshold: 50, alpha: 1 - 0.0001, mode: 'both' };

/** A fresh detector; options are checked here (FD_ARGUMENT_INVALID naming the option). */
export function pageHinkleyInit(options?: PageHinkleyOptions): PageHinkleyState {
  const o = { ...DEFAULTS, ...optionsObject<PageHinkleyOptions>('pageHinkleyInit', options, true) };
  wholeOption('minInstances', o.minInstances, 1, Number.MAX_SAFE_INTEGER, 'use e.g. 30');
  numberOption('delta', o.delta, 0, Infinity, '[)', 'use e.g. 0.005, in the units of the values');
  numberOption('threshold', o.threshold, 0, Infinity, '()', 'use e.g. 50, in the units of the values');
  numberOption('alpha', o.alpha, 0, 1, '(]', 'use 1 - 0.0001 (the default) or 1 to forget nothing');
  choiceOption('mode', o.mode, ['up', 'down', 'both'] as const);
  const state: PageHinkleyState = { kind: PAGE_HINKLEY_KIND, v: PAGE_HINKLEY_VERSION, ...pick(o), drift: false, count: 0, mean: 0, sumIncrease: 0, minIncrease: null, sumDecrease: 0, maxDecrease: -1, detections: 0 };
  return state;
}

const pick = (o: Required<PageHinkleyOptions>): Required<PageHinkleyOptions> => ({ minInstances: o.minInstances, delta: o.delta, threshold: o.threshold, alpha: o.alpha, mode: o.mode });

/**
 * Takes `x`; updates `state` in place and returns it, `drift` true when this value completed
 * the evidence of a change. A value that is not a finite number changes nothing but `drift` (false).
 */
export function pageHinkleyUpdate(state: PageHinkleyState, x: number | boolean | null | undefined): PageHinkleyState {
  checkModelState(state, PAGE_HINKLEY_KIND, PAGE_HINKLEY_VERSION);
  if (state.drift) restart(state);
  const value = typeof x === 'boolean' ? (x ? 1 : 0) : x;
  if (typeof value !== 'number' || !Number.isFinite(value)) return state;
  // River's stats.Mean: n += 1; mean += (1 / n) * (x - mean).
  state.count += 1;
  state.mean += (1 / state.count) * (value - state.mean);
  const dev = value - state.mean;
  state.sumIncrease = state.alpha * state.sumIncrease + dev - state.delta;
  state.sumDecrease = state.alpha * state.sumDecrease + dev + state.delta;
  if (state.minIncrease === null || state.sumIncrease < state.minIncrease) state.minIncrease = state.sumIncrease;
  if (state.sumDecrease > state.maxDecrease) state.maxDecrease = state.sumDecrease;
  if (state.count >= state.minInstances) {
    const up = state.sumIncrease - state.minIncrease;
    const down = state.maxDecrease - state.sumDecrease;
    const drift = state.mode === 'up' ? up > state.threshold : state.mode === 'down' ? down > state.threshold : up > state.threshold || down > state.threshold;
    if (drift) {
      state.drift = true;
      state.detections += 1;
    }
  }
  return state;
}

function restart(s: PageHinkleyState): void {
  s.drift = false;
  s.count = 0;
  s.mean = 0;
  s.sumIncrease = 0;
  s.minIncrease = null;
  s.sumDecrease = 0;
  s.maxDecrease = -1;
}
