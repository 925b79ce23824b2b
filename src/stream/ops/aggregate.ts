import type { OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import type { AggregateResults, Aggregator } from './aggregators.js';
import type { Windowed } from './keyed.js';
import type { WindowState } from './window-store.js';
import type { WindowLogic } from './windowed-state.js';
import { windowLayout, windowedOperator } from './windowed-operator.js';

/** What `aggregate` emits: the key, the window and one field per aggregator. */
export type WindowResult<R> = { key: string; windowStart: number; windowEnd: number } & R;

export interface AggregateOptions {
  /** Stable name of this state (and of its entries in the changelog). Default: `aggregate-<n>` by position. */
  name?: string;
}

const RESERVED = new Set(['key', 'windowStart', 'windowEnd']);
// biome-ignore lint: the aggregators' accumulator types differ per field.
type AnyAggregator<T> = Aggregator<T, any, unknown>;

/** An aggregator's initial accumulator, for the state layout; one that throws is described as such. */
const safeInit = (a: AnyAggregator<unknown>): unknown => {
  try {
    return a.init();
  } catch {
    return '<init threw>';
  }
};

/**
 * Adds a record to window accumulators in two steps. `read` runs the field functions of
 * the field aggregators (model authors' code, which may throw) once per record, before
 * any accumulator changes; `addTo` then updates one window's accumulators, which for the
 * built-in aggregators is arithmetic that cannot throw. Both answer false if user code
 * threw; `failure` then says which aggregator, and whether accumulators had changed.
 */
interface RecordAdder<T> {
  read(value: T): boolean;
  addTo(accs: unknown[], value: T): boolean;
  failure(value: T): { error: unknown; name: string; partial: boolean };
}

/**
 * Builds the adder of one aggregate, one statement per aggregator, with `new Function` (as
 * avsc builds its readers): each call site then sees one aggregator, which V8 inlines,
 * where a loop over the aggregators has one site that sees them all and inlines none.
 * That is about the difference between 2M and 4M records/s through the demo aggregate.
 * Only the aggregator count shapes the code: no text of the model author's goes into it.
 */
function compileAdder<T>(aggs: readonly AnyAggregator<T>[], names: readonly string[]): RecordAdder<T> {
  const read: string[] = [];
  const add: string[] = [];
  aggs.forEach((a, i) => {
    if (a.field !== undefined && a.addField !== undefined && a.numericField === true) {
      // A double in a typed array, not a closure variable: storing a double in a variable
      // the two functions share boxes it, an allocation per field per record.
      read.push(`x = a${i}.field(value); nums[${i}] = typeof x === 'number' ? x : NaN;`);
      add.push(`accs[${i}] = a${i}.addField(accs[${i}], nums[${i}]);`);
    } else if (a.field !== undefined && a.addField !== undefined) {
      read.push(`f${i} = a${i}.field(value);`);
      add.push(`accs[${i}] = a${i}.addField(accs[${i}], f${i});`);
    } else {
      // Only an aggregator of the model author's own can throw while adding: note which.
      add.push(`step = ${i}; accs[${i}] = a${i}.add(accs[${i}], value);`);
    }
  });
  const body = `
    ${aggs.map((_, i) => `const a${i} = aggs[${i}]; let f${i};`).join('\n')}
    const nums = new Float64Array(${aggs.length});
    let step = -1;
    let error;
    return {
      read(value) {
        let x;
        try { ${read.join(' ')} return true; } catch (e) { step = -1; error = e; return false; }
      },
      addTo(accs, value) {
        step = -1;
        try { ${add.join(' ')} return true; } catch (e) { error = e; return false; }
      },
      failure(value) {
        if (step >= 0) return { error, name: names[step], partial: step > 0 };
        // A field function threw: find which, off the hot path (they only read the record).
        for (let i = 0; i < aggs.length; i++) {
          try { if (aggs[i].field) aggs[i].field(value); } catch { return { error, name: names[i], partial: false }; }
        }
        return { error, name: names[0], partial: false };
      },
    };`;
  return new Function('aggs', 'names', body)(aggs, names) as RecordAdder<T>;
}

/**
 * Aggregates each key's records per window, keeping the window state in the task's state
 * store (checkpointed to the module's changelog topic). Windows close when the watermark
 * passes their end plus grace; a record whose every window has closed is late: it is
 * counted and sent to the dead-letter topic with the reason `late`, never silently dropped.
 * (The windows themselves are `WindowedState`'s; this operator brings the aggregators.)
 *
 * @example
 * readings.pipe(
 *   keyBy((r) => r.sensorId),
 *   tumbling('1m', { grace: '10s', emit: 'final' }),
 *   aggregate({ n: count(), mean: mean((r) => r.temperature), max: max((r) => r.temperature) }),
 * )
 */
export function aggregate<T, S extends Record<string, AnyAggregator<T>>>(
  aggregators: S,
  options: AggregateOptions = {},
): OperatorFunction<Windowed<T>, WindowResult<AggregateResults<S>>> {
  const names = Object.keys(aggregators ?? {});
  if (names.length === 0) throw new FastdataError('FD_PIPELINE_INVALID', 'aggregate() needs at least one aggregator, e.g. aggregate({ n: count() })');
  for (const name of names) {
    const a = aggregators[name] as Partial<AnyAggregator<T>> | undefined;
    if (RESERVED.has(name)) throw new FastdataError('FD_PIPELINE_INVALID', `aggregate() field ${name} clashes with a field of the result (key, windowStart, windowEnd); rename it`);
    if (!a || typeof a.init !== 'function' || typeof a.add !== 'function' || typeof a.merge !== 'function' || typeof a.result !== 'function') {
      throw new FastdataError('FD_PIPELINE_INVALID', `aggregate() field ${name} is not an aggregator (count(), sum(...), mean(...), min(...), max(...), stddev(...) or an object with init/add/merge/result)`);
    }
  }
  const aggs = names.map((n) => aggregators[n]!);
  type Result = WindowResult<AggregateResults<S>>;

  return windowedOperator<T, unknown[], Result>('aggregate', options.name, (fusedSpec) => {
    const adder = compileAdder(aggs, names);
    const logic: WindowLogic<T, unknown[], Result> = {
      init: () => aggs.map((a) => a.init()),
      read: (value) => adder.read(value),
      add: (w, value) => adder.addTo(w.acc, value),
      merge: (a, b) => {
        for (let i = 0; i < aggs.length; i++) a[i] = aggs[i]!.merge(a[i], b[i]);
        return a;
      },
      failure: (value) => {
        // An aggregator (its field function, or a custom add) threw.
        const { error, name, partial } = adder.failure(value);
        const note = partial ? ' (the aggregators listed before it had already added the record)' : '';
        return `aggregate field ${name}: ${errorMessage(error)}${note}`;
      },
      result: (w: WindowState<unknown[]>) => {
        const out: Record<string, unknown> = { key: w.key, windowStart: w.start, windowEnd: w.end };
        for (let i = 0; i < aggs.length; i++) out[names[i]!] = aggs[i]!.result(w.acc[i]);
        return out as Result;
      },
    };
    // The layout: what a stored window means. The window is known here only when fused
    // with the keyBy and window before it (the usual pipeline); the accumulators by their
    // field names, their initial value's shape and their add function (count vs sum).
    const layout = {
      kind: 'windows',
      window: windowLayout(fusedSpec),
      fields: names.map((n, i) => ({ name: n, init: safeInit(aggs[i]!), add: String(aggs[i]!.addField ?? aggs[i]!.add) })),
    };
    return { logic, layout };
  });
}
