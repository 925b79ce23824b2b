import type { OperatorFunction } from 'rxjs';
import { FastdataError } from '../../errors.js';
import { jsonProblem, notJsonMessage } from './json-state.js';
import type { Windowed } from './keyed.js';
import type { WindowLogic } from './windowed-state.js';
import { windowLayout, windowedOperator } from './windowed-operator.js';

/** Records `collect` keeps per window unless told otherwise. */
export const COLLECT_DEFAULT_LIMIT = 1_000;
/** The most records `collect` keeps per window: each window is one changelog entry, written whole. */
export const COLLECT_MAX_LIMIT = 100_000;

export interface CollectOptions {
  /** Records kept per window, the first ones to arrive; later ones are counted in `dropped`. Default 1,000, at most 100,000. */
  limit?: number;
  /** Stable name of this state (and of its entries in the changelog). Default: `collect-<n>` by position. */
  name?: string;
}

/** What `collect` emits: the key, the window, its first `limit` records in arrival order and how many more there were. */
export interface CollectResult<T> {
  key: string;
  windowStart: number;
  windowEnd: number;
  records: T[];
  /** Records of the window past the limit, not in `records`. */
  dropped: number;
}

interface CollectAcc<T> {
  r: T[];
  d: number;
}

/**
 * Collects each key's records per window, in arrival order, up to a limit: the window's
 * first `limit` records are kept and emitted, the ones after them only counted
 * (`dropped`), so a window never grows without bound and never loses records silently.
 * After two sessions merge, the records of the one kept come first.
 *
 * The records are checkpointed as JSON with their window, so they must be plain JSON: a
 * record that is not (a Date field, a Buffer…) is dead-lettered, naming the field; map it
 * before the window.
 *
 * State: per open window, up to `limit` records (their JSON size each, written whole to
 * the changelog when the window changed since the last checkpoint), freed when it closes.
 * With hopping or sliding windows a record is kept once per window holding it.
 *
 * @example
 * // each sensor's readings of the minute, for a detail view
 * keyBy((r) => r.sensorId), tumbling('1m', { grace: '10s', emit: 'final' }), collect({ limit: 100, name: 'minute-readings' })
 */
export function collect<T>(options: CollectOptions = {}): OperatorFunction<Windowed<T>, CollectResult<T>> {
  const limit = options.limit ?? COLLECT_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > COLLECT_MAX_LIMIT) {
    throw new FastdataError(
      'FD_PIPELINE_INVALID',
      `collect() option limit must be a whole number from 1 to ${COLLECT_MAX_LIMIT} (records kept per window), got ${JSON.stringify(options.limit)}; for more, aggregate instead of collecting`,
    );
  }
  return windowedOperator<T, CollectAcc<T>, CollectResult<T>>('collect', options.name, (window, stateName) => {
    let failure = '';
    const logic: WindowLogic<T, CollectAcc<T>, CollectResult<T>> = {
      init: () => ({ r: [], d: 0 }),
      read: (record) => {
        const problem = jsonProblem(record);
        if (problem) failure = notJsonMessage(`collect '${stateName}'`, 'the records of each window', problem);
        return problem === undefined;
      },
      add: (w, record) => {
        if (w.acc.r.length < limit) w.acc.r.push(record);
        else w.acc.d++;
        return true;
      },
      merge: (a, b) => {
        const room = Math.max(0, limit - a.r.length);
        return { r: [...a.r, ...b.r.slice(0, room)], d: a.d + b.d + Math.max(0, b.r.length - room) };
      },
      failure: () => failure,
      // A copy: with emit 'update' the window stays open, and what is emitted may be changed downstream.
      result: (w) => ({ key: w.key, windowStart: w.start, windowEnd: w.end, records: w.acc.r.slice(), dropped: w.acc.d }),
    };
    return { logic, layout: { kind: 'collect', window: windowLayout(window), limit } };
  });
}
