import { FastdataError } from '../../errors.js';
import { type Duration, toMillis } from '../../time/duration.js';

/**
 * When a window's result is emitted:
 * - `final`: once, when the watermark passes the window's end plus its grace (no later
 *   record can change it). Kafka Streams' `onWindowClose`, Quix's `.final()`.
 * - `update`: on every change, at most once per `updateEvery` per window, plus the last
 *   change when it closes. Kafka Streams' `onWindowUpdate`, Quix's `.current()`.
 */
export type EmitPolicy = 'final' | 'update';

export interface WindowOptions {
  /** How long after its end a window still accepts late records. Required: a decision, not a default. */
  grace: Duration;
  /** Required, for the same reason. */
  emit: EmitPolicy;
  /** With `emit: 'update'`: the least time between two updates of one window (processing time). Default 0: every change. */
  updateEvery?: Duration;
}

export interface WindowSpec {
  readonly kind: 'tumbling' | 'hopping' | 'sliding' | 'session';
  /** Window length (tumbling, hopping); the largest time difference within a sliding window; the inactivity gap that ends a session. */
  readonly size: number;
  /** Distance between window starts (hopping; equals size for tumbling; 0 for sliding windows and sessions). */
  readonly advance: number;
  readonly grace: number;
  readonly emit: EmitPolicy;
  readonly updateEvery: number;
  /** Identifies the spec in messages, e.g. `tumbling(1m, grace 10s)`. */
  readonly label: string;
}

export function windowSpec(kind: WindowSpec['kind'], size: Duration, advance: Duration | undefined, options: WindowOptions): WindowSpec {
  const what = (field: string) => `${kind} window ${field}`;
  if (options === null || typeof options !== 'object') {
    throw new FastdataError('FD_PIPELINE_INVALID', `${kind}() needs options { grace, emit }: say how late a record may be and when results are emitted`);
  }
  const sizeMs = toMillis(size, { what: what(kind === 'session' ? 'gap' : 'size') });
  const advanceMs = advance === undefined ? (kind === 'session' || kind === 'sliding' ? 0 : sizeMs) : toMillis(advance, { what: what('advance') });
  if (kind === 'hopping' && advanceMs > sizeMs) {
    throw new FastdataError('FD_PIPELINE_INVALID', `hopping window advance (${advanceMs} ms) is longer than its size (${sizeMs} ms); records between windows would be lost — use an advance <= size`);
  }
  if (options.grace === undefined) throw new FastdataError('FD_PIPELINE_INVALID', `${kind}() options need grace (e.g. grace: '10s', or 0 to close windows as soon as the watermark passes their end)`);
  const grace = toMillis(options.grace, { what: what('grace'), allowZero: true });
  if (options.emit !== 'final' && options.emit !== 'update') {
    throw new FastdataError('FD_PIPELINE_INVALID', `${kind}() option emit must be 'final' (once, when the window closes) or 'update' (on every change), got ${JSON.stringify(options.emit)}`);
  }
  if (options.updateEvery !== undefined && options.emit !== 'update') {
    throw new FastdataError('FD_PIPELINE_INVALID', `${kind}() option updateEvery only applies with emit: 'update'`);
  }
  const updateEvery = options.updateEvery === undefined ? 0 : toMillis(options.updateEvery, { what: what('updateEvery'), allowZero: true });
  const label = `${kind}(${size}${kind === 'hopping' ? `, advance ${advance}` : ''}, grace ${options.grace}, emit ${options.emit})`;
  return Object.freeze({ kind, size: sizeMs, advance: advanceMs, grace, emit: options.emit, updateEvery, label });
}
