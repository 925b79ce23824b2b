import { Observable, type OperatorFunction } from 'rxjs';
import { errorMessage } from '../../errors.js';
import { type TaskContext, currentTaskContext } from '../task-context.js';
import { Keyed } from './keyed.js';

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/**
 * The key of `value` as a string, or undefined after sending the record to the dead-letter
 * topic (reason `invalid-key`) when the key function throws or returns something else than
 * a string or a finite number.
 */
export function keyOfRecord<T>(keyOf: (value: T) => string | number, value: T, ctx: TaskContext): string | undefined {
  let key: unknown;
  try {
    key = keyOf(value);
  } catch (error) {
    ctx.deadLetter({ reason: 'invalid-key', message: `keyBy's key function threw: ${errorMessage(error)}` });
    return undefined;
  }
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  ctx.deadLetter({ reason: 'invalid-key', message: `keyBy's key function returned ${describe(key)}; return a string or a finite number` });
  return undefined;
}

/**
 * What `keyBy` returns: an Observable of `Keyed` records that remembers its input and key
 * function, so that a window operator right after it can fuse with it (see windows.ts):
 * compute the key itself and skip the `Keyed` object and one subscriber hop per record.
 */
export class KeyedObservable<T> extends Observable<Keyed<T>> {
  readonly input: Observable<T>;
  readonly keyOf: (value: T) => string | number;

  constructor(input: Observable<T>, keyOf: (value: T) => string | number) {
    super((subscriber) => {
      const ctx = currentTaskContext('keyBy');
      return input.subscribe({
        next(value) {
          const key = keyOfRecord(keyOf, value, ctx);
          if (key !== undefined) subscriber.next(new Keyed(key, value, ctx.eventTime));
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
    this.input = input;
    this.keyOf = keyOf;
  }
}

/**
 * Groups records by a key (a string, or a number turned into one), carrying each record's
 * event time along for the windows and state after it.
 *
 * State is kept per task, that is per input partition: records with the same key must
 * arrive on the same partition, which holds when producers key the input topic by the
 * same entity (Kafka's rule for co-partitioning). A key function that throws or returns
 * something else than a string or a finite number sends the record to the dead-letter
 * topic (reason `invalid-key`); the pipeline goes on.
 *
 * @example
 * readings.pipe(keyBy((r) => r.sensorId), tumbling('1m', { grace: '10s', emit: 'final' }), aggregate({ n: count() }))
 */
export function keyBy<T>(keyOf: (value: T) => string | number): OperatorFunction<T, Keyed<T>> {
  if (typeof keyOf !== 'function') throw new TypeError('keyBy(keyOf): keyOf must be a function returning the key of a record');
  return (source) => new KeyedObservable(source, keyOf);
}
