import { Observable, type OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import { type Duration, formatMillis, toMillis } from '../../time/duration.js';
import { type TaskContext, currentTaskContext } from '../task-context.js';
import { CloseQueue } from './close-queue.js';
import { type JoinEntry, JoinBuffer, type JoinSide } from './join-buffer.js';
import { Keyed } from './keyed.js';
import { lateLetter } from './late.js';

export interface JoinStreamOptions {
  /** Largest difference of event time between two records that join, either way (Kafka Streams' JoinWindows). */
  within: Duration;
  /** How long past `within` a record may still arrive and join. Required: a decision, not a default. */
  grace: Duration;
  /**
   * `inner` (default): only pairs. `left`: also each left record that met no right record,
   * once its window has closed (the watermark passed its time + within + grace), with
   * `undefined` for the right side, as Kafka Streams does since 3.1 (no early null result).
   */
  kind?: 'inner' | 'left';
  /** Stable name of the join's state (and of its changelog entries). Default: `join-<n>` by position. */
  name?: string;
}


/**
 * Joins two keyed streams of the module: a left record and a right record of the same key
 * whose event times are at most `within` apart make one output, `combine(left, right, key)`,
 * timestamped with the later of the two. Kafka Streams' KStream-KStream join.
 *
 * Both sides need a `keyBy` on the join key; each sends its records to the task that owns
 * their key (through its repartition topic when its input is keyed otherwise), so both
 * sides of a key meet in one task. Each record waits in the join's state until the
 * watermark passes its time + within + grace; a record older than that when it arrives
 * could miss records already dropped, so it goes to the dead-letter topic as late.
 *
 * State: every record of both sides for within + grace of event time (per key, plus the
 * record's value), checkpointed to the changelog and restored like windows.
 *
 * @example
 * orders.pipe(
 *   keyBy((o) => o.orderId),
 *   joinStream(payments.pipe(keyBy((p) => p.orderId)), (order, payment) => ({ ...order, paidAt: payment.ts }), { within: '10m', grace: '1m' }),
 * )
 */
export function joinStream<L, R, O>(right: Observable<Keyed<R>>, combine: (left: L, right: R, key: string) => O, options: JoinStreamOptions & { kind?: 'inner' }): OperatorFunction<Keyed<L>, O>;
export function joinStream<L, R, O>(right: Observable<Keyed<R>>, combine: (left: L, right: R | undefined, key: string) => O, options: JoinStreamOptions & { kind: 'left' }): OperatorFunction<Keyed<L>, O>;
export function joinStream<L, R, O>(right: Observable<Keyed<R>>, combine: (left: L, right: R | undefined, key: string) => O, options: JoinStreamOptions): OperatorFunction<Keyed<L>, O> {
  if (!right || typeof (right as Observable<unknown>).subscribe !== 'function') {
    throw new FastdataError('FD_PIPELINE_INVALID', 'joinStream(right, combine, options): right must be the other keyed stream, e.g. payments.pipe(keyBy((p) => p.orderId))');
  }
  if (typeof combine !== 'function') throw new FastdataError('FD_PIPELINE_INVALID', 'joinStream(right, combine, options): combine must be a function (left, right, key) => output');
  if (options === null || typeof options !== 'object') throw new FastdataError('FD_PIPELINE_INVALID', "joinStream() needs options { within, grace }, e.g. { within: '10m', grace: '1m' }");
  const within = toMillis(options.within, { what: 'joinStream within', allowZero: true });
  if (options.grace === undefined) throw new FastdataError('FD_PIPELINE_INVALID', "joinStream() options need grace (e.g. grace: '10s', or 0): how late a record may still join");
  const grace = toMillis(options.grace, { what: 'joinStream grace', allowZero: true });
  const kind = options.kind ?? 'inner';
  if (kind !== 'inner' && kind !== 'left') throw new FastdataError('FD_PIPELINE_INVALID', `joinStream option kind must be 'inner' or 'left', got ${JSON.stringify(kind)}`);
  const keep = within + grace;

  return (left) =>
    new Observable<O>((subscriber) => {
      const ctx = currentTaskContext('joinStream');
      const buffer = ctx.store(ctx.stateName('join', options.name), () => new JoinBuffer(), { kind: 'join', within, grace, join: kind });
      const expiries = new CloseQueue<JoinEntry>();
      for (const entry of buffer.all()) expiries.push(entry.time + keep, entry);

      const emit = (value: O, time: number) => {
        const previous = ctx.emitTime;
        ctx.emitTime = time;
        subscriber.next(value);
        ctx.emitTime = previous;
      };
      const joined = (l: L, r: R | undefined, key: string, time: number): boolean => {
        let out: O;
        try {
          out = combine(l, r, key);
        } catch (error) {
          ctx.deadLetter({ reason: 'pipeline-error', message: `joinStream combine failed for key ${key}: ${errorMessage(error)}` });
          return false;
        }
        emit(out, time);
        return true;
      };

      /** A window closed: its record is dropped; an unmatched left record of a left join goes out alone. */
      const expireUpTo = (watermark: number) => {
        while (expiries.peekTime() < watermark) {
          const [, entry] = expiries.pop()!;
          if (!entry.live) continue;
          buffer.remove(entry);
          if (kind === 'left' && entry.side === 'left' && !entry.matched) joined(entry.value as L, undefined, entry.key, entry.time);
        }
      };

      const arrive = (side: JoinSide, k: Keyed<unknown>) => {
        const watermark = ctx.watermark;
        if (k.time + keep < watermark) return late(ctx, k.time, watermark, within, grace);
        const other = side === 'left' ? 'right' : 'left';
        const entry = buffer.add(side, k.key, k.time, k.value);
        expiries.push(k.time + keep, entry);
        for (const match of buffer.of(k.key, other)) {
          if (Math.abs(match.time - k.time) > within) continue;
          const [l, r] = side === 'left' ? [entry, match] : [match, entry];
          if (joined(l.value as L, r.value as R, k.key, Math.max(l.time, r.time))) buffer.markMatched(l);
        }
      };

      const keyed = (side: JoinSide) => ({
        next(k: Keyed<unknown>) {
          if (!(k instanceof Keyed)) {
            subscriber.error(new FastdataError('FD_PIPELINE_INVALID', `joinStream() needs keyed records on both sides: put keyBy(...) on the join key before it (${side} side)`, { context: { stream: ctx.module } }));
            return;
          }
          arrive(side, k);
        },
        error: (error: unknown) => subscriber.error(error),
      });
      const unsubscribeWatermark = ctx.onWatermark(expireUpTo);
      const leftSubscription = left.subscribe({ ...keyed('left'), complete: () => subscriber.complete() });
      const rightSubscription = (right as Observable<Keyed<unknown>>).subscribe(keyed('right'));
      // Windows restored from the changelog may have closed while the module was down.
      expireUpTo(ctx.watermark);
      return () => {
        leftSubscription.unsubscribe();
        rightSubscription.unsubscribe();
        unsubscribeWatermark();
      };
    });
}

function late(ctx: TaskContext, time: number, watermark: number, within: number, grace: number): void {
  ctx.deadLetter(lateLetter(time, watermark, 'join window', `the join allows ${formatMillis(within)} apart and ${formatMillis(grace)} of grace`));
}
