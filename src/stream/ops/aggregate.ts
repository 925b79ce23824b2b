import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import { formatMillis } from '../../time/duration.js';
import { currentTaskContext } from '../task-context.js';
import type { AggregateResults, Aggregator } from './aggregators.js';
import { CloseQueue } from './close-queue.js';
import { subscribeKeyBy } from './key-by.js';
import { Windowed } from './keyed.js';
import type { WindowSpec } from './window-spec.js';
import { WindowedObservable } from './windows.js';
import { type WindowState, WindowStore } from './window-store.js';

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

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
/**
 * `a` modulo `n`, from 0 up to `n`. A `%` of non-integers (event times are past 2^31) is a
 * call into C, so non-negative times, nearly all of them, get one instead of two.
 */
const floorMod = (a: number, n: number) => {
  const r = a % n;
  return r >= 0 ? r : (r + n) % n;
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
    if (a.field !== undefined && a.addField !== undefined) {
      read.push(`f${i} = a${i}.field(value);`);
      add.push(`accs[${i}] = a${i}.addField(accs[${i}], f${i});`);
    } else {
      // Only an aggregator of the model author's own can throw while adding: note which.
      add.push(`step = ${i}; accs[${i}] = a${i}.add(accs[${i}], value);`);
    }
  });
  const body = `
    ${aggs.map((_, i) => `const a${i} = aggs[${i}]; let f${i};`).join('\n')}
    let step = -1;
    let error;
    return {
      read(value) {
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

  return (source) =>
    new Observable<WindowResult<AggregateResults<S>>>((subscriber) => {
      const ctx = currentTaskContext('aggregate');
      // The layout: what a stored window means. The window is known here only when fused
      // with the keyBy and window before it (the usual pipeline); the accumulators by their
      // field names, their initial value's shape and their add function (count vs sum).
      const fusedSpec = source instanceof WindowedObservable ? (source as WindowedObservable<T>).spec : undefined;
      const layout = {
        kind: 'windows',
        window: fusedSpec && { kind: fusedSpec.kind, size: fusedSpec.size, advance: fusedSpec.advance, grace: fusedSpec.grace, emit: fusedSpec.emit },
        fields: names.map((n, i) => ({ name: n, init: safeInit(aggs[i]!), add: String(aggs[i]!.addField ?? aggs[i]!.add) })),
      };
      const store = ctx.store(ctx.stateName('aggregate', options.name), () => new WindowStore(), layout);
      const adder = compileAdder(aggs, names);
      const queue = new CloseQueue<WindowState>();
      for (const w of store.all()) queue.push(w.closeAt, w);
      let spec: WindowSpec | undefined;
      let pendingUpdates = new Set<WindowState>();
      let stopUpdateTimer: (() => void) | undefined;

      const result = (w: WindowState) => {
        const out: Record<string, unknown> = { key: w.key, windowStart: w.start, windowEnd: w.end };
        for (let i = 0; i < aggs.length; i++) out[names[i]!] = aggs[i]!.result(w.accs[i]);
        return out as WindowResult<AggregateResults<S>>;
      };

      const emit = (w: WindowState) => {
        const previous = ctx.emitTime;
        ctx.emitTime = w.end;
        if (spec?.emit === 'update') w.emitOnClose = false;
        subscriber.next(result(w));
        ctx.emitTime = previous;
      };

      const closeUpTo = (watermark: number) => {
        while (queue.peekTime() <= watermark) {
          const [closeAt, w] = queue.pop()!;
          if (!w.live || w.closeAt !== closeAt) continue; // superseded entry
          store.remove(w);
          pendingUpdates.delete(w);
          if (w.emitOnClose) emit(w);
        }
      };

      const changed = (w: WindowState) => {
        store.touch(w);
        if (spec!.emit !== 'update') return;
        w.emitOnClose = true;
        if (spec!.updateEvery === 0) emit(w);
        else pendingUpdates.add(w);
      };

      const late = (time: number, watermark: number) => {
        ctx.deadLetter({
          reason: 'late',
          message: `event time ${iso(time)} arrived after its window closed: the watermark is ${iso(watermark)} and ${spec!.label} allows ${formatMillis(spec!.grace)} of grace`,
          details: { 'fastdata.event.time': String(time), 'fastdata.watermark': String(watermark) },
        });
      };

      /** An aggregator (its field function, or a custom add) threw: the record goes to the dead-letter topic. */
      const failed = (value: T) => {
        const { error, name, partial } = adder.failure(value);
        const note = partial ? ' (the aggregators listed before it had already added the record)' : '';
        ctx.deadLetter({ reason: 'pipeline-error', message: `aggregate field ${name}: ${errorMessage(error)}${note}` });
      };

      const addToFixedWindows = (key: string, value: T, t: number, s: WindowSpec) => {
        const watermark = ctx.watermark;
        let accepted = false;
        for (let start = t - floorMod(t, s.advance); start > t - s.size; start -= s.advance) {
          const end = start + s.size;
          if (end + s.grace <= watermark) continue; // this window has closed
          if (!accepted && !adder.read(value)) return failed(value);
          accepted = true;
          let state = store.find(key, start);
          if (!state) {
            state = store.create(key, start, end, end + s.grace, aggs.map((a) => a.init()), s.emit === 'final');
            queue.push(state.closeAt, state);
          }
          if (!adder.addTo(state.accs, value)) return failed(value);
          changed(state);
        }
        if (!accepted) late(t, watermark);
      };

      const addToSession = (key: string, value: T, t: number, s: WindowSpec) => {
        const gap = s.size;
        const merging = (store.windowsOf(key) ?? []).filter((x) => t >= x.start - gap && t <= x.end + gap);
        if (merging.length === 0 && t + gap + s.grace <= ctx.watermark) return late(t, ctx.watermark);
        if (!adder.read(value)) return failed(value);
        let session = merging[0];
        if (!session) {
          session = store.create(key, t, t, t + gap + s.grace, aggs.map((a) => a.init()), s.emit === 'final');
        } else {
          for (const other of merging.slice(1)) {
            for (let i = 0; i < aggs.length; i++) session.accs[i] = aggs[i]!.merge(session.accs[i], other.accs[i]);
            if (other.start < session.start) store.moveStart(session, other.start);
            session.end = Math.max(session.end, other.end);
            store.remove(other);
            pendingUpdates.delete(other);
          }
          if (t < session.start) store.moveStart(session, t);
          session.end = Math.max(session.end, t);
        }
        if (!adder.addTo(session.accs, value)) return failed(value);
        const closeAt = session.end + gap + s.grace;
        if (closeAt !== session.closeAt || merging.length === 0) {
          session.closeAt = closeAt;
          queue.push(closeAt, session);
        }
        changed(session);
      };

      /** One record of `key` at event time `t`, in the windows of `window`. */
      const add = (key: string, value: T, t: number, window: WindowSpec) => {
        if (window !== spec) {
          if (spec && spec.label !== window.label) {
            subscriber.error(new FastdataError('FD_PIPELINE_INVALID', `one aggregate() got records of two windows, ${spec.label} and ${window.label}; give each window its own aggregate()`));
            return;
          }
          spec = window;
          if (spec.emit === 'update' && spec.updateEvery > 0 && !stopUpdateTimer) {
            stopUpdateTimer = ctx.every(spec.updateEvery, () => {
              const due = pendingUpdates;
              pendingUpdates = new Set();
              for (const x of due) if (x.live && x.emitOnClose) emit(x);
            });
          }
        }
        if (spec.kind === 'session') addToSession(key, value, t, spec);
        else addToFixedWindows(key, value, t, spec);
      };

      const unsubscribeWatermark = ctx.onWatermark(closeUpTo);
      let subscription: Subscription;
      if (source instanceof WindowedObservable) {
        // keyBy, the window and this aggregate fused into one subscriber on keyBy's input:
        // no Keyed or Windowed object and no operator hop per record (windows.ts).
        const fused = source as WindowedObservable<T>;
        const window = fused.spec;
        subscription = subscribeKeyBy(
          fused.keyed,
          'keyBy',
          (key, value, time) => add(key, value, time, window),
          (error) => subscriber.error(error),
          () => subscriber.complete(),
        );
      } else {
        subscription = source.subscribe({
          next(w) {
            if (!(w instanceof Windowed)) {
              subscriber.error(
                new FastdataError(
                  'FD_PIPELINE_INVALID',
                  'aggregate() needs windowed records: put keyBy(...) and a window (tumbling, hopping or session) before it',
                  { context: { stream: ctx.module } },
                ),
              );
              return;
            }
            add(w.key, w.value, w.time, w.window);
          },
          error: (error) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      }
      // Windows restored from the changelog may already be due.
      closeUpTo(ctx.watermark);
      return () => {
        subscription.unsubscribe();
        unsubscribeWatermark();
        stopUpdateTimer?.();
      };
    });
}
