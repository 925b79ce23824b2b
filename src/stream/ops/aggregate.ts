import type { OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import type { AggregateResults, Aggregator } from './aggregators.js';
import { type FlatLayout, flatLayout } from './flat-accumulators.js';
import type { Windowed } from './keyed.js';
import { type RecordCode, compileLogicSteps } from './window-path.js';
import type { AccumulatorCodec, WindowState } from './window-store.js';
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
 * The per-record work of an aggregate as code, one statement per aggregator (window-path.ts
 * splices it into the generated record path): each call site then sees one aggregator,
 * which V8 inlines, where a loop over the aggregators has one site that sees them all and
 * inlines none. `read` runs the field aggregators' field functions (the model author's
 * code, which may throw) once per record, before any accumulator changes; `add` then
 * updates one window's accumulators, which for the built-in aggregators is arithmetic
 * that cannot throw; an aggregator without a field function (count, or one of the model
 * author's own) notes its position in `step` first, for the message if it throws.
 */
function aggregateCode<T>(aggs: readonly AnyAggregator<T>[], names: readonly string[], flat: FlatLayout | undefined): RecordCode {
  const scope: Record<string, unknown> = {};
  const fields: string[] = [];
  const read: string[] = [];
  const add: string[] = [];
  aggs.forEach((a, i) => {
    scope[`a${i}`] = a;
    if (flat) {
      // Built-in aggregators, one flat array (flat-accumulators.ts): arithmetic that cannot throw.
      const at = flat.offsets[i]!;
      if (a.field !== undefined) {
        fields.push(`f${i}`);
        read.push(`f${i} = a${i}.field(value);`);
        add.push(`a${i}.addFlat(acc, ${at}, f${i});`);
      } else {
        add.push(`a${i}.addFlat(acc, ${at}, value);`);
      }
    } else if (a.field !== undefined && a.addField !== undefined) {
      fields.push(`f${i}`);
      read.push(`f${i} = a${i}.field(value);`);
      add.push(`acc[${i}] = a${i}.addField(acc[${i}], f${i});`);
    } else {
      add.push(`step = ${i}; acc[${i}] = a${i}.add(acc[${i}], value);`);
    }
  });
  return {
    scope,
    locals: fields.length > 0 ? `let ${fields.join(', ')};` : '',
    read: read.join(' '),
    add: `const acc = w.acc; ${add.join(' ')}`,
    failure(value, error, step) {
      let name = names[step] ?? names[0]!;
      if (step < 0) {
        // A field function threw: find which, off the hot path (they only read the record).
        for (let i = 0; i < aggs.length; i++) {
          try {
            aggs[i]!.field?.(value as T);
          } catch {
            name = names[i]!;
            break;
          }
        }
      }
      const note = step > 0 ? ' (the aggregators listed before it had already added the record)' : '';
      return `aggregate field ${name}: ${errorMessage(error)}${note}`;
    },
  };
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
    const flat = flatLayout(aggs);
    const code = aggregateCode(aggs, names, flat);
    // A window's accumulators: one per aggregator, or all in one flat array of doubles.
    const accOf = flat ? (acc: unknown[], i: number) => flat.acc(acc as number[], i) : (acc: unknown[], i: number) => acc[i];
    const logic: WindowLogic<T, unknown[], Result> = {
      init: flat ? flat.init : () => aggs.map((a) => a.init()),
      ...compileLogicSteps<T, unknown[]>(code),
      merge: (a, b) => {
        for (let i = 0; i < aggs.length; i++) {
          const merged = aggs[i]!.merge(accOf(a, i), accOf(b, i));
          if (flat) flat.put(a as number[], i, merged);
          else a[i] = merged;
        }
        return a;
      },
      result: (w: WindowState<unknown[]>) => {
        const out: Record<string, unknown> = { key: w.key, windowStart: w.start, windowEnd: w.end };
        for (let i = 0; i < aggs.length; i++) out[names[i]!] = aggs[i]!.result(accOf(w.acc, i));
        return out as Result;
      },
    };
    // The changelog holds an accumulator per aggregator, flat or not.
    const codec: AccumulatorCodec<unknown[]> | undefined = flat && {
      toStored: (acc) => aggs.map((_, i) => flat.acc(acc as number[], i)),
      fromStored: (stored) => {
        const buf = flat.init();
        (stored as unknown[]).forEach((acc, i) => flat.put(buf, i, acc));
        return buf;
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
    return { logic, code, codec, layout };
  });
}
