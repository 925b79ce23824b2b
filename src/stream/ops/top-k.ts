import type { OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import { jsonProblem, notJsonMessage } from './json-state.js';
import type { Windowed } from './keyed.js';
import type { WindowLogic } from './windowed-state.js';
import { windowLayout, windowedOperator } from './windowed-operator.js';

/** The largest k: a window's entries are kept sorted and written whole to the changelog. */
export const TOP_K_MAX = 10_000;

export interface TopKOptions<T> {
  /** Stable name of this state (and of its entries in the changelog). Default: `topK-<n>` by position. */
  name?: string;
  /**
   * At most one record per value of `by` (its best), e.g. the 5 hottest sensors of a site
   * rather than its 5 hottest readings, which could all be one sensor's.
   */
  by?: (record: T) => string | number;
}

/** What `topK` emits: the key, the window and its best records, best first. */
export interface TopKResult<T> {
  key: string;
  windowStart: number;
  windowEnd: number;
  top: { score: number; value: T }[];
}

/** One kept record: its score, its arrival number in the window (ties: the earlier wins), its `by` value, the record. */
type Entry<T> = [score: number, seq: number, by: string | number | null, value: T];

interface TopKAcc<T> {
  /** Best first. */
  e: Entry<T>[];
  /** Records the window has seen: the next arrival number. */
  n: number;
}

/** Whether `a` ranks before `b`: the higher score, then the earlier arrival. */
const better = <T>(a: Entry<T>, b: Entry<T>) => a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);

function insert<T>(entries: Entry<T>[], entry: Entry<T>): void {
  let i = entries.length;
  while (i > 0 && better(entry, entries[i - 1]!)) i--;
  entries.splice(i, 0, entry);
}

/**
 * The `k` records with the highest score of each key and window, best first, with their
 * scores. Ties go to the record that reached the window first, so the result is the same
 * on every replay. `score` must return a finite number; a record whose score throws or is
 * not one is dead-lettered (reason `pipeline-error`).
 *
 * Kept records are checkpointed as JSON with their window, so they must be plain JSON: one
 * that is not is dead-lettered when it would enter the top, naming the field.
 *
 * State: per open window, at most k records (k entries; their JSON size), freed when it
 * closes, whatever the number of records: a record that does not beat the k-th is only counted.
 *
 * @example
 * // the three hottest readings of each site and minute
 * keyBy((r) => r.site), tumbling('1m', { grace: '10s', emit: 'final' }),
 * topK(3, (r) => r.temperature, { name: 'hottest', by: (r) => r.sensorId })
 */
export function topK<T>(k: number, score: (record: T) => number, options: TopKOptions<T> = {}): OperatorFunction<Windowed<T>, TopKResult<T>> {
  if (!Number.isInteger(k) || k < 1 || k > TOP_K_MAX) {
    throw new FastdataError('FD_PIPELINE_INVALID', `topK() k must be a whole number from 1 to ${TOP_K_MAX}, got ${JSON.stringify(k)}`);
  }
  if (typeof score !== 'function') throw new FastdataError('FD_PIPELINE_INVALID', 'topK(k, score) needs a score function, e.g. topK(3, (r) => r.temperature)');
  const by = options.by;
  if (by !== undefined && typeof by !== 'function') throw new FastdataError('FD_PIPELINE_INVALID', 'topK() option by must be a function of the record, e.g. by: (r) => r.sensorId');

  return windowedOperator<T, TopKAcc<T>, TopKResult<T>>('topK', options.name, (window, stateName) => {
    const operator = `topK '${stateName}'`;
    let failure = '';
    // What `read` found for the record, used by `add` for each of its windows.
    let recordScore = 0;
    let recordBy: string | number | null = null;
    let checked = false; // whether the record was checked to be plain JSON (once, when it first enters a top)
    const fail = (message: string) => {
      failure = message;
      return false;
    };

    const logic: WindowLogic<T, TopKAcc<T>, TopKResult<T>> = {
      init: () => ({ e: [], n: 0 }),
      read: (record) => {
        checked = false;
        let s: unknown;
        try {
          s = score(record);
          recordBy = by ? by(record) : null;
        } catch (error) {
          return fail(`${operator}: ${by ? 'score or by' : 'score'} threw: ${errorMessage(error)}`);
        }
        if (typeof s !== 'number' || !Number.isFinite(s)) return fail(`${operator}: score returned ${String(s)}; return a finite number`);
        if (by && !((typeof recordBy === 'string') || (typeof recordBy === 'number' && Number.isFinite(recordBy)))) {
          return fail(`${operator}: by returned ${String(recordBy)}; return a string or a finite number`);
        }
        recordScore = s;
        return true;
      },
      add: (w, record) => {
        const acc = w.acc;
        const entry: Entry<T> = [recordScore, acc.n++, recordBy, record];
        const entries = acc.e;
        const same = by ? entries.findIndex((x) => x[2] === recordBy) : -1;
        if (same >= 0 && !better(entry, entries[same]!)) return true;
        if (same < 0 && entries.length >= k && !better(entry, entries[entries.length - 1]!)) return true;
        if (!checked) {
          const problem = jsonProblem(record);
          if (problem) return fail(notJsonMessage(operator, 'the top records of each window', problem));
          checked = true;
        }
        if (same >= 0) entries.splice(same, 1);
        else if (entries.length >= k) entries.pop();
        insert(entries, entry);
        return true;
      },
      merge: (a, b) => {
        // b's arrivals count after a's; then the best of both, one per `by` value, k at most.
        const all = [...a.e, ...b.e.map(([s, seq, key, v]): Entry<T> => [s, seq + a.n, key, v])].sort((x, y) => (better(x, y) ? -1 : 1));
        const seen = new Set<string | number | null>();
        const e = by ? all.filter((x) => !seen.has(x[2]) && seen.add(x[2])) : all;
        return { e: e.slice(0, k), n: a.n + b.n };
      },
      failure: () => failure,
      result: (w) => ({ key: w.key, windowStart: w.start, windowEnd: w.end, top: w.acc.e.map(([s, , , value]) => ({ score: s, value })) }),
    };
    return { logic, layout: { kind: 'topK', window: windowLayout(window), k, score: String(score), by: by ? String(by) : null } };
  });
}
