import { Observable, type OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import { type Duration, toMillis } from '../../time/duration.js';
import { currentTaskContext } from '../task-context.js';
import { CloseQueue } from './close-queue.js';
import { Keyed } from './keyed.js';
import { type KeyedEntry, KeyedStore } from './keyed-store.js';

export interface StepContext {
  key: string;
  /** Event time of the record. */
  time: number;
}

export interface MapWithStateOptions<T, S extends object, R> {
  /** Stable name of this state (and of its changelog entries). Default: `state-<n>` by position. */
  name?: string;
  /** The state of a key seen for the first time (or again after it expired): a plain JSON object. */
  init: (key: string) => S;
  /**
   * Updates `state` in place for one record and returns what to emit, if anything. The
   * state is checkpointed after the step.
   */
  step: (state: S, value: T, context: StepContext) => R | undefined;
  /** Forget a key after this much event time without records (bounds memory). Default: keep forever. */
  ttl?: Duration;
}

/**
 * A keyed state machine: one JSON state per key, checkpointed to the module's changelog
 * like window state, updated by `step` for each record. Online models (EWMA, z-scores,
 * regressions) are built on it.
 *
 * @example
 * keyBy((s) => s.sensorId),
 * mapWithState({ name: 'last-seen', init: () => ({ n: 0 }), step: (st, s) => { st.n++; return { ...s, n: st.n }; } })
 */
export function mapWithState<T, S extends object, R>(options: MapWithStateOptions<T, S, R>): OperatorFunction<Keyed<T>, R> {
  if (typeof options?.init !== 'function' || typeof options.step !== 'function') {
    throw new FastdataError('FD_PIPELINE_INVALID', 'mapWithState() needs init(key) and step(state, value, context) functions');
  }
  const ttl = options.ttl === undefined ? undefined : toMillis(options.ttl, { what: 'mapWithState ttl' });
  return (source) =>
    new Observable<R>((subscriber) => {
      const ctx = currentTaskContext('mapWithState');
      // The layout: per-key JSON state with an optional TTL (its shape is the author's, unknown here).
      const store = ctx.store(ctx.stateName('state', options.name), () => new KeyedStore<S>(), { kind: 'keyed', ttl: ttl ?? null });
      const expiries = new CloseQueue<KeyedEntry<S>>();
      if (ttl !== undefined) for (const e of store.all()) expiries.push(e.lastTime + ttl, e);

      const expireUpTo = (watermark: number) => {
        while (expiries.peekTime() <= watermark) {
          const [at, entry] = expiries.pop()!;
          if (entry.live && entry.lastTime + ttl! === at) store.delete(entry.key);
        }
      };
      const unsubscribeWatermark = ttl === undefined ? () => {} : ctx.onWatermark(expireUpTo);

      const subscription = source.subscribe({
        next(k) {
          if (!(k instanceof Keyed)) {
            subscriber.error(new FastdataError('FD_PIPELINE_INVALID', 'mapWithState() needs keyed records: put keyBy(...) before it', { context: { stream: ctx.module } }));
            return;
          }
          const existing = store.get(k.key);
          const state = existing ? existing.state : options.init(k.key);
          let output: R | undefined;
          try {
            output = options.step(state, k.value, { key: k.key, time: k.time });
          } catch (error) {
            // The record goes to the dead-letter topic. A step that mutated the state before
            // throwing leaves that mutation in memory; it reaches the changelog with the key's next update.
            ctx.deadLetter({ reason: 'pipeline-error', message: `mapWithState step failed for key ${k.key}: ${errorMessage(error)}` });
            return;
          }
          const lastTime = existing ? Math.max(existing.lastTime, k.time) : k.time;
          const entry = store.put(k.key, state, lastTime);
          if (ttl !== undefined) expiries.push(lastTime + ttl, entry);
          if (output !== undefined) subscriber.next(output);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        unsubscribeWatermark();
      };
    });
}
