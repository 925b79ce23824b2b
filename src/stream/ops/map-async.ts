import { Observable, type OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import type { StepJob } from '../async-steps.js';
import { currentTaskContext } from '../task-context.js';
import { Keyed } from './keyed.js';

export interface MapAsyncOptions {
  /** Values whose `fn` may run at once (results still go on in arrival order). Default 16, at most 10,000. */
  concurrency?: number;
  /** Names the step in dead-letter messages. Default `mapAsync`. */
  name?: string;
}

/** A keyed record's value, or the value itself. */
export type Unkeyed<T> = T extends Keyed<infer V> ? V : T;
/** What comes out: keyed like what went in. */
export type Rekeyed<T, R> = T extends Keyed<unknown> ? Keyed<R> : R;

const MAX_CONCURRENCY = 10_000;

interface Entry {
  readonly job: StepJob;
  readonly value: unknown;
  state: 'waiting' | 'running' | 'done' | 'failed';
  result?: unknown;
  error?: unknown;
}

/**
 * An asynchronous step: `fn` (returning a promise, e.g. a model server's answer or an
 * ONNX session's `run`) is applied to each value, up to `concurrency` at once, and the
 * results go on **in arrival order**, so the order of the partition (and of every key) is
 * kept. After a `keyBy`, `fn` gets the record's value and its result goes on keyed as the
 * record was (so windows and mapWithState can follow). A result of `undefined` emits nothing.
 *
 * The task counts every value in flight: checkpoints wait until none is (input offsets are
 * never committed ahead of their records' outputs and state), the watermark waits for the
 * records in flight before it closes windows downstream, and each result goes on with its
 * record's event time and source, as if the step had been synchronous (stream/async-steps.ts).
 * `fn` throwing or rejecting sends that record to the dead-letter topic (`pipeline-error`);
 * the others go on.
 *
 * @example
 * readings.pipe(mapAsync(async (r) => ({ ...r, score: await model.score(r) }), { concurrency: 32 }))
 */
export function mapAsync<T, R>(fn: (value: NoInfer<Unkeyed<T>>) => R | PromiseLike<R>, options: MapAsyncOptions = {}): OperatorFunction<T, Rekeyed<T, Exclude<R, undefined>>> {
  if (typeof fn !== 'function') throw new FastdataError('FD_PIPELINE_INVALID', 'mapAsync(fn) needs a function of the value that returns its result or a promise of it');
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new FastdataError('FD_PIPELINE_INVALID', `mapAsync() option concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${JSON.stringify(options.concurrency)}`);
  }
  const name = options.name ?? 'mapAsync';
  return (source) =>
    new Observable<Rekeyed<T, Exclude<R, undefined>>>((subscriber) => {
      const ctx = currentTaskContext(name);
      const steps = ctx.steps;
      if (!steps) throw new FastdataError('FD_PIPELINE_INVALID', `${name}() runs only in a stream task (the runtime, replay or the test driver), which waits for its results`);
      /** Every value in flight, in arrival order: results go on from the head. */
      const queue: Entry[] = [];
      const waiting: Entry[] = [];
      let running = 0;
      let closed = false;
      /** The source completed: complete once the last result went on. */
      let ending = false;

      const start = (entry: Entry) => {
        entry.state = 'running';
        running++;
        const input = entry.value instanceof Keyed ? entry.value.value : entry.value;
        let answer: R | PromiseLike<R>;
        try {
          answer = fn(input as Unkeyed<T>);
        } catch (error) {
          answer = Promise.reject(error);
        }
        Promise.resolve(answer).then(
          (result) => finished(entry, 'done', result),
          (error: unknown) => finished(entry, 'failed', error),
        );
      };
      const pump = () => {
        while (!closed && running < concurrency && waiting.length > 0) start(waiting.shift()!);
      };
      const finished = (entry: Entry, state: 'done' | 'failed', outcome: unknown) => {
        running--;
        if (closed) return;
        entry.state = state;
        if (state === 'done') entry.result = outcome;
        else entry.error = outcome;
        // The head's result goes on first, then every finished one behind it: arrival order.
        while (!closed && queue.length > 0 && (queue[0]!.state === 'done' || queue[0]!.state === 'failed')) {
          const head = queue.shift()!;
          steps.complete(head.job, () => {
            if (head.state === 'failed') {
              ctx.deadLetter({ reason: 'pipeline-error', message: `${name} step failed: ${errorMessage(head.error)}` });
              return;
            }
            if (head.result === undefined) return;
            const v = head.value;
            subscriber.next((v instanceof Keyed ? new Keyed(v.key, head.result, v.time) : head.result) as Rekeyed<T, Exclude<R, undefined>>);
          });
        }
        pump();
        if (ending && queue.length === 0 && !closed) subscriber.complete();
      };

      const subscription = source.subscribe({
        next(value) {
          const entry: Entry = { job: steps.begin(), value, state: 'waiting' };
          queue.push(entry);
          waiting.push(entry);
          pump();
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          ending = true;
          if (queue.length === 0) subscriber.complete();
        },
      });
      return () => {
        closed = true;
        subscription.unsubscribe();
        // Torn down with values in flight (the pipeline is rebuilt after an error, or the task stops): none vanishes unseen.
        for (const entry of queue.splice(0)) {
          steps.abandon(entry.job, `${name}: the pipeline was rebuilt after another record's error while this record was in flight; it was not processed`);
        }
        waiting.length = 0;
      };
    });
}
