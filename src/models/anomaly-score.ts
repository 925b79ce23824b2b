/**
 * Online anomaly scores: how unusual each value of a key is against that key's own recent
 * history (an exponentially weighted mean and standard deviation, see `ewma.ts`).
 *
 * The score is a z-score, (x - expected) / stddev, computed against the state *before* x
 * updates it, so a spike is judged by the history it breaks rather than by a history it
 * has already inflated. `stddev` is the spread a new value is expected to have
 * (`ewmaPredictiveStddev`): the weighted standard deviation corrected for how few values it
 * rests on, so a key that has just left its warmup is not flagged for ordinary noise. The state is a `mapWithState` state: checkpointed to the module's
 * changelog like window state, restored after a restart.
 */
import type { OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../errors.js';
import type { Keyed } from '../stream/ops/keyed.js';
import { mapWithState } from '../stream/ops/map-with-state.js';
import type { Duration } from '../time/duration.js';
import { type EwmaState, checkAlpha, ewmaInit, ewmaPredictiveStddev, ewmaUpdate } from './ewma.js';

/**
 * The largest |score|. A deviation from a history with no spread (a sensor that repeated one
 * value) has an infinite z-score; Avro consumers, JSON and charts handle ±Infinity badly, so
 * scores are capped here: any |score| of this size means "as far off as can be told".
 */
export const MAX_ANOMALY_SCORE = 1000;

export interface AnomalyScoreOptions {
  /** Weight of the newest value in the expected value and spread, in (0, 1]. Default 0.1 (about the last 10 values). */
  alpha?: number;
  /** |score| at or above which a value is anomalous, in (0, MAX_ANOMALY_SCORE]. Default 3. */
  threshold?: number;
  /** Values a key must have seen before its values are scored; before that, score 0. Whole number >= 2. Default 5. */
  warmup?: number;
  /** Stable name of the state (and of its changelog entries). Give one: the default follows the operator's position. */
  name?: string;
  /** Forget a key after this much event time without values (bounds memory). Default: keep forever. */
  ttl?: Duration;
}

/** A keyed value and how unusual it is. */
export interface Scored<T> {
  key: string;
  value: T;
  /** Event time of the value. */
  time: number;
  /** (x - expected) / stddev, capped at ±MAX_ANOMALY_SCORE; 0 during warmup and for missing values. */
  score: number;
  /** The weighted mean before this value (for the first value of a key: the value itself). */
  expected: number;
  /** The spread expected around `expected` before this value: the weighted standard deviation, corrected for how few values it rests on (see `ewmaPredictiveStddev`). */
  stddev: number;
  /** |score| >= threshold. */
  anomalous: boolean;
  /** How many values `expected` and `stddev` were learned from (this one excluded). */
  observations: number;
}

const DEFAULTS = { alpha: 0.1, threshold: 3, warmup: 5 } as const;

/**
 * Scores each keyed value against the key's exponentially weighted history, then adds
 * the value to it. Values that are not finite numbers are emitted with score 0 and leave
 * the history unchanged.
 *
 * @example
 * stats.pipe(
 *   keyBy((s) => s.sensorId),
 *   anomalyScore((s) => s.meanTemperature, { name: 'temperature', threshold: 3 }),
 *   filter((s) => s.anomalous),
 * )
 */
export function anomalyScore<T>(valueOf: (value: T) => number | null | undefined, options: AnomalyScoreOptions = {}): OperatorFunction<Keyed<T>, Scored<T>> {
  const { alpha, threshold, warmup } = validate(valueOf, options);
  return mapWithState<T, EwmaState, Scored<T>>({
    name: options?.name,
    ttl: options?.ttl,
    init: ewmaInit,
    step: (state, value, { key, time }) => {
      const x = valueOf(value);
      const finite = typeof x === 'number' && Number.isFinite(x);
      const stddev = ewmaPredictiveStddev(state, alpha);
      const expected = state.n === 0 ? (finite ? x : Number.NaN) : state.mean;
      const score = finite && state.n >= warmup ? zScore(x - state.mean, stddev) : 0;
      const observations = state.n;
      Object.assign(state, ewmaUpdate(state, x, alpha));
      return { key, value, time, score, expected, stddev, anomalous: Math.abs(score) >= threshold, observations };
    },
  });
}

/** diff / stddev, capped; with no spread, 0 for no difference and the cap for any other. */
function zScore(diff: number, stddev: number): number {
  if (diff === 0) return 0;
  const z = stddev > 0 ? diff / stddev : Math.sign(diff) * Number.POSITIVE_INFINITY;
  return Math.max(-MAX_ANOMALY_SCORE, Math.min(MAX_ANOMALY_SCORE, z));
}

function validate<T>(valueOf: (value: T) => unknown, options: AnomalyScoreOptions) {
  const problems: string[] = [];
  if (typeof valueOf !== 'function') problems.push('valueOf: pass a function from a record to the number to score, e.g. (s) => s.meanTemperature');
  const o = options ?? {};
  let alpha: number = DEFAULTS.alpha;
  try {
    alpha = checkAlpha(o.alpha ?? DEFAULTS.alpha);
  } catch (error) {
    problems.push(errorMessage(error));
  }
  const threshold = o.threshold ?? DEFAULTS.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= MAX_ANOMALY_SCORE)) {
    problems.push(`threshold: ${String(threshold)} is not a number in (0, ${MAX_ANOMALY_SCORE}]; 3 flags values about 3 standard deviations off`);
  }
  const warmup = o.warmup ?? DEFAULTS.warmup;
  if (typeof warmup !== 'number' || !Number.isInteger(warmup) || warmup < 2) {
    problems.push(`warmup: ${String(warmup)} is not a whole number >= 2; the spread of fewer than 2 values is 0, so every new value would look anomalous`);
  }
  if (problems.length > 0) {
    throw new FastdataError('FD_PIPELINE_INVALID', `anomalyScore() options are not valid:\n  - ${problems.join('\n  - ')}`);
  }
  return { alpha, threshold, warmup };
}
