import type { OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import { jsonProblem, notJsonMessage } from './json-state.js';
import type { Windowed } from './keyed.js';
import type { WindowLogic } from './windowed-state.js';
import { windowLayout, windowedOperator } from './windowed-operator.js';

export interface ReduceOptions {
  /** Stable name of this state (and of its entries in the changelog). Default: `reduce-<n>` by position. */
  name?: string;
}

/** What `reduce` emits: the key, the window and the reduced value. */
export interface ReduceResult<T> {
  key: string;
  windowStart: number;
  windowEnd: number;
  value: T;
}

/** A window's accumulator: empty before its first record, else the value so far (a list, so that null is a value). */
type ReduceAcc<T> = [] | [T];

/**
 * Reduces each key's records per window to one value, as Kafka Streams' `reduce`: the
 * window's first record (a copy of it) is the initial value, and `reducer(value, record)`
 * gives the next. For sessions, two sessions that a record joins are merged with
 * `reducer(kept, merged)`, so the reducer should not depend on the order of its records.
 *
 * The value is checkpointed as JSON with the window, so it must be plain JSON (numbers,
 * strings, booleans, null, arrays, plain objects): a record whose first value or reduced
 * value is not (a Date, a Map, NaN…) is dead-lettered, naming the field. The reducer may
 * update `value` in place and return it. A record whose reducer throws is dead-lettered
 * (reason `pipeline-error`); windows it was added to before the throw keep it.
 *
 * State: one window per open window of each key, holding the value (its JSON size).
 *
 * @example
 * // the reading with the highest temperature of each sensor and minute
 * keyBy((r) => r.sensorId), tumbling('1m', { grace: '10s', emit: 'final' }),
 * reduce((hottest, r) => (r.temperature > hottest.temperature ? r : hottest), { name: 'hottest' })
 */
export function reduce<T>(reducer: (value: T, record: T) => T, options: ReduceOptions = {}): OperatorFunction<Windowed<T>, ReduceResult<T>> {
  if (typeof reducer !== 'function') {
    throw new FastdataError('FD_PIPELINE_INVALID', 'reduce() needs a function (value, record) => value, e.g. reduce((a, r) => ({ ...a, total: a.total + r.total }))');
  }
  return windowedOperator<T, ReduceAcc<T>, ReduceResult<T>>('reduce', options.name, (window, stateName) => {
    const operator = `reduce '${stateName}'`;
    let failure = '';
    /** Whether `value` can be kept in state; if not, `failure` says why. */
    const keepable = (value: T, what: string): boolean => {
      const problem = jsonProblem(value);
      if (problem) failure = notJsonMessage(operator, what, problem);
      return problem === undefined;
    };
    const logic: WindowLogic<T, ReduceAcc<T>, ReduceResult<T>> = {
      init: () => [],
      read: () => true,
      add: (w, record) => {
        if (w.acc.length === 0) {
          if (!keepable(record, 'the first record of each window')) return false;
          w.acc = [structuredClone(record)];
          return true;
        }
        let next: T;
        try {
          next = reducer(w.acc[0], record);
        } catch (error) {
          failure = `${operator}: the reducer threw: ${errorMessage(error)}`;
          return false;
        }
        if (!keepable(next, 'the reduced value')) return false;
        w.acc = [next];
        return true;
      },
      merge: (a, b) => (a.length === 0 ? b : b.length === 0 ? a : [reducer(a[0], b[0])]),
      failure: () => failure,
      result: (w) => ({ key: w.key, windowStart: w.start, windowEnd: w.end, value: w.acc[0] as T }),
    };
    return { logic, layout: { kind: 'reduce', window: windowLayout(window), reducer: String(reducer) } };
  });
}
