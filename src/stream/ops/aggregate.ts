import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { FastdataError } from '../../errors.js';
import { formatMillis } from '../../time/duration.js';
import { currentTaskContext } from '../task-context.js';
import type { AggregateResults, Aggregator } from './aggregators.js';
import { CloseQueue } from './close-queue.js';
import { keyOfRecord } from './key-by.js';
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
 * Adds `value` to every accumulator. Called for every record and window, so the first
 * aggregators get a call site each: a site sees one aggregator (per pipeline in the
 * process), which V8 can inline, where the loop's one site sees them all and cannot.
 */
function addAll<T>(aggs: readonly AnyAggregator<T>[], accs: unknown[], value: T): void {
  const n = aggs.length;
  accs[0] = aggs[0]!.add(accs[0], value);
  if (n === 1) return;
  accs[1] = aggs[1]!.add(accs[1], value);
  if (n === 2) return;
  accs[2] = aggs[2]!.add(accs[2], value);
  if (n === 3) return;
  accs[3] = aggs[3]!.add(accs[3], value);
  if (n === 4) return;
  accs[4] = aggs[4]!.add(accs[4], value);
  if (n === 5) return;
  accs[5] = aggs[5]!.add(accs[5], value);
  for (let i = 6; i < n; i++) accs[i] = aggs[i]!.add(accs[i], value);
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
      const store = ctx.store(ctx.stateName('aggregate', options.name), () => new WindowStore());
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

      const addToFixedWindows = (key: string, value: T, t: number, s: WindowSpec) => {
        const watermark = ctx.watermark;
        let accepted = false;
        for (let start = t - floorMod(t, s.advance); start > t - s.size; start -= s.advance) {
          const end = start + s.size;
          if (end + s.grace <= watermark) continue; // this window has closed
          let state = store.find(key, start);
          if (!state) {
            state = store.create(key, start, end, end + s.grace, aggs.map((a) => a.init()), s.emit === 'final');
            queue.push(state.closeAt, state);
          }
          const accs = state.accs;
          addAll(aggs, accs, value);
          changed(state);
          accepted = true;
        }
        if (!accepted) late(t, watermark);
      };

      const addToSession = (key: string, value: T, t: number, s: WindowSpec) => {
        const gap = s.size;
        const merging = (store.windowsOf(key) ?? []).filter((x) => t >= x.start - gap && t <= x.end + gap);
        if (merging.length === 0 && t + gap + s.grace <= ctx.watermark) return late(t, ctx.watermark);
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
        addAll(aggs, session.accs, value);
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
        const { keyOf } = fused.keyed;
        const window = fused.spec;
        subscription = fused.keyed.input.subscribe({
          next(value) {
            const key = keyOfRecord(keyOf, value, ctx);
            if (key !== undefined) add(key, value, ctx.eventTime, window);
          },
          error: (error) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
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
