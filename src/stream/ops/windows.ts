import { Observable, type OperatorFunction, map } from 'rxjs';
import type { Duration } from '../../time/duration.js';
import { KeyedObservable, subscribeKeyBy } from './key-by.js';
import { type Keyed, Windowed } from './keyed.js';
import { type WindowOptions, type WindowSpec, windowSpec } from './window-spec.js';

/**
 * A window operator fused with the `keyBy` right before it: one subscriber that computes
 * the key and emits `Windowed` records, instead of a `Keyed` object and a map per record.
 * `aggregate` fuses with it in turn (aggregate.ts) and then allocates nothing per record.
 * It behaves as keyBy followed by the window would: same keys, same dead letters.
 */
export class WindowedObservable<T> extends Observable<Windowed<T>> {
  readonly keyed: KeyedObservable<T>;
  readonly spec: WindowSpec;

  constructor(keyed: KeyedObservable<T>, spec: WindowSpec) {
    super((subscriber) =>
      subscribeKeyBy(
        keyed,
        'keyBy',
        (key, value, time) => subscriber.next(new Windowed(key, value, time, spec)),
        (error) => subscriber.error(error),
        () => subscriber.complete(),
      ),
    );
    this.keyed = keyed;
    this.spec = spec;
  }
}

function windowed<T>(spec: WindowSpec): OperatorFunction<Keyed<T>, Windowed<T>> {
  return (source) =>
    source instanceof KeyedObservable
      ? new WindowedObservable(source as KeyedObservable<T>, spec)
      : source.pipe(map((k) => new Windowed(k.key, k.value, k.time, spec)));
}

/**
 * Fixed, non-overlapping windows of `size`, aligned to the epoch (a 1m window starts on
 * the minute), in event time. Follow with `aggregate(...)`.
 *
 * @example
 * keyBy((r) => r.sensorId), tumbling('1m', { grace: '10s', emit: 'final' }), aggregate({ n: count() })
 */
export function tumbling<T>(size: Duration, options: WindowOptions): OperatorFunction<Keyed<T>, Windowed<T>> {
  return windowed(windowSpec('tumbling', size, undefined, options));
}

/**
 * Overlapping windows of `size` starting every `advance` (aligned to the epoch); a record
 * counts in every window that contains it.
 *
 * @example
 * hopping('5m', '1m', { grace: '30s', emit: 'update', updateEvery: '1s' })
 */
export function hopping<T>(size: Duration, advance: Duration, options: WindowOptions): OperatorFunction<Keyed<T>, Windowed<T>> {
  return windowed(windowSpec('hopping', size, advance, options));
}

/**
 * Sessions per key: a session grows while records come less than `gap` apart and closes
 * once the watermark is `gap` + grace past its last record. Records that bridge two
 * sessions merge them. The result's windowStart/windowEnd are its first and last record times.
 *
 * @example
 * session('30m', { grace: '1m', emit: 'final' })
 */
export function session<T>(gap: Duration, options: WindowOptions): OperatorFunction<Keyed<T>, Windowed<T>> {
  return windowed(windowSpec('session', gap, undefined, options));
}
