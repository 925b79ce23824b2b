import { Observable, type OperatorFunction, map } from 'rxjs';
import type { Duration } from '../../time/duration.js';
import { KeyedObservable, subscribeKeyBy } from './key-by.js';
import { type Keyed, Windowed } from './keyed.js';
import { type WindowOptions, type WindowSpec, windowSpec } from './window-spec.js';

/**
 * A window operator fused with the `keyBy` right before it: one subscriber that computes
 * the key and emits `Windowed` records, instead of a `Keyed` object and a map per record.
 * The windowed operators fuse with it in turn (windowed-operator.ts).
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

/**
 * Sliding windows, as Kafka Streams' `SlidingWindows`: windows defined by the time
 * differences between a key's records rather than by the clock, so that every set of
 * records no more than `size` apart is aggregated together exactly once, with no empty
 * window and no window repeating another's records.
 *
 * Times are whole milliseconds (a fractional event time counts as its millisecond) and a
 * window's bounds are inclusive: [windowStart, windowEnd] with windowEnd = windowStart + size.
 * For a key whose records have times t1, t2, …, the windows are
 * - [t - size, t] for every record time t: the window ending at each record;
 * - [t + 1, t + 1 + size] for every record time t that has a later record of the key no
 *   more than size + 1 ms after it: the window starting just after the record.
 * Each holds every record of the key within its bounds. Two such windows with the same
 * start are one window.
 *
 * A window closes when the watermark passes windowEnd + 1 ms + grace. A record is late
 * (dead-lettered, reason `late`) when the window ending at it has closed; every other window
 * holding it closes later, so a record counts in all its windows or, if late, in none.
 * (Kafka Streams would still add such a record to its later, open windows.)
 *
 * State: per key, up to two windows per record of the last size + grace, and the records
 * themselves of the last size + 1 ms + grace, from which a new window is filled (an
 * accumulator cannot subtract). Both go to the changelog, so records must be plain JSON.
 * A record updates every window holding it: with dense keys and a long size, prefer
 * `hopping` with a small advance.
 *
 * @example
 * // the mean of each sensor's readings within any 5 minutes, every time that set changes
 * keyBy((r) => r.sensorId), sliding('5m', { grace: '30s', emit: 'final' }), aggregate({ n: count(), mean: mean((r) => r.temperature) })
 */
export function sliding<T>(size: Duration, options: WindowOptions): OperatorFunction<Keyed<T>, Windowed<T>> {
  return windowed(windowSpec('sliding', size, undefined, options));
}
