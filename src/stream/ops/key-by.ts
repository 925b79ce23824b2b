import { Observable, type OperatorFunction } from 'rxjs';
import { errorMessage } from '../../errors.js';
import { currentTaskContext } from '../task-context.js';
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
  return (source) =>
    new Observable<Keyed<T>>((subscriber) => {
      const ctx = currentTaskContext('keyBy');
      return source.subscribe({
        next(value) {
          let key: unknown;
          try {
            key = keyOf(value);
          } catch (error) {
            ctx.deadLetter({ reason: 'invalid-key', message: `keyBy's key function threw: ${errorMessage(error)}` });
            return;
          }
          if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
          if (typeof key !== 'string') {
            ctx.deadLetter({ reason: 'invalid-key', message: `keyBy's key function returned ${describe(key)}; return a string or a finite number` });
            return;
          }
          subscriber.next(new Keyed(key, value, ctx.eventTime));
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
