import { map, type OperatorFunction } from 'rxjs';
import type { Duration } from '../../time/duration.js';
import { type Keyed, Windowed } from './keyed.js';
import { type WindowOptions, windowSpec } from './window-spec.js';

/**
 * Fixed, non-overlapping windows of `size`, aligned to the epoch (a 1m window starts on
 * the minute), in event time. Follow with `aggregate(...)`.
 *
 * @example
 * keyBy((r) => r.sensorId), tumbling('1m', { grace: '10s', emit: 'final' }), aggregate({ n: count() })
 */
export function tumbling<T>(size: Duration, options: WindowOptions): OperatorFunction<Keyed<T>, Windowed<T>> {
  const spec = windowSpec('tumbling', size, undefined, options);
  return map((k) => new Windowed(k.key, k.value, k.time, spec));
}

/**
 * Overlapping windows of `size` starting every `advance` (aligned to the epoch); a record
 * counts in every window that contains it.
 *
 * @example
 * hopping('5m', '1m', { grace: '30s', emit: 'update', updateEvery: '1s' })
 */
export function hopping<T>(size: Duration, advance: Duration, options: WindowOptions): OperatorFunction<Keyed<T>, Windowed<T>> {
  const spec = windowSpec('hopping', size, advance, options);
  return map((k) => new Windowed(k.key, k.value, k.time, spec));
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
  const spec = windowSpec('session', gap, undefined, options);
  return map((k) => new Windowed(k.key, k.value, k.time, spec));
}
