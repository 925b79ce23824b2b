/**
 * Delivery that never blocks rule evaluation: one queue per receiver. `enqueue` only
 * appends and returns; a pump sends one notification at a time, in order (so a resolve
 * never overtakes its firing), retrying with backoff until the receiver takes it, refuses
 * it, or the retry budget is spent. Memory is bounded: past `queueSize` waiting, the
 * oldest is dropped and counted.
 */
import { errorMessage } from '../../errors.js';
import { DEFAULT_DELIVERY, type DeliveryPolicy } from './config.js';
import { singleDelivery, type AlertNotification, type Delivery } from './notification.js';
import type { AttemptResult, Receiver } from './receiver.js';
import { retryDelay } from './retry-policy.js';
import { systemTimers, type Timers } from './timers.js';
import { WarnThrottle } from './warn-throttle.js';

export interface ReceiverQueueOptions {
  policy?: Partial<Omit<DeliveryPolicy, 'backoff'>> & { backoff?: Partial<DeliveryPolicy['backoff']> };
  /** [0, 1); Math.random by default. Tests pin the jitter with it. */
  random?: () => number;
  timers?: Timers;
  onWarning?: (message: string) => void;
  /** At most one warning per kind of trouble per this many ms (default 60 s). */
  warnIntervalMs?: number;
  /** Told once per delivery when it is done with, in enqueue order: what a durable consumer commits by. */
  onSettled?: (delivery: Delivery, outcome: SettleOutcome) => void;
}

export type SettleOutcome = 'delivered' | 'rejected' | 'dead' | 'dropped';

export interface ReceiverStats {
  /** Waiting plus the one in flight. */
  queued: number;
  inFlight: number;
  delivered: number;
  /** Attempts after the first, over all notifications. */
  retried: number;
  /** Refused by the receiver (a 4xx other than 408/429): not retried. */
  rejected: number;
  /** Pushed out of a full queue, or enqueued after close. */
  dropped: number;
  /** Still failing after max_retries. */
  dead: number;
  lastError?: { message: string; status?: number; at: number };
  lastDeliveredAt?: number;
}

export interface CloseResult {
  /** Notifications never delivered: waiting, plus the one in flight if it did not finish. */
  undelivered: number;
}

export class ReceiverQueue {
  readonly name: string;
  private readonly policy: DeliveryPolicy;
  private readonly random: () => number;
  private readonly timers: Timers;
  private readonly warnings: WarnThrottle;
  private readonly warn: (message: string) => void;
  private waiting: Delivery[] = [];
  private current: Delivery | undefined;
  private readonly onSettled: ((delivery: Delivery, outcome: SettleOutcome) => void) | undefined;
  /** Callers of whenRoom waiting for the queue to drain below its size. */
  private roomWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  /** Set while the queue is full; cleared once it has room again, so each burst warns once. */
  private overflowing = false;
  /** The pending backoff wait; close wakes it so the pump can stop at once. */
  private backoff: { wake: () => void } | undefined;
  private readonly abort = new AbortController();
  private readonly counts = { delivered: 0, retried: 0, rejected: 0, dropped: 0, dead: 0 };
  private lastError: ReceiverStats['lastError'];
  private lastDeliveredAt: number | undefined;

  constructor(
    private readonly receiver: Receiver,
    options: ReceiverQueueOptions = {},
  ) {
    this.name = receiver.name;
    this.policy = {
      maxRetries: options.policy?.maxRetries ?? DEFAULT_DELIVERY.maxRetries,
      queueSize: options.policy?.queueSize ?? DEFAULT_DELIVERY.queueSize,
      backoff: { ...DEFAULT_DELIVERY.backoff, ...options.policy?.backoff },
    };
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? systemTimers;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'FastdataAlertWarning'));
    this.warnings = new WarnThrottle(this.warn, () => this.timers.now(), options.warnIntervalMs ?? 60_000);
    this.onSettled = options.onSettled;
  }

  /** Appends and returns: no I/O, no await. Delivery happens later, in order. */
  enqueue(notification: AlertNotification): void {
    this.enqueueDelivery(singleDelivery(notification));
  }

  enqueueDelivery(delivery: Delivery): void {
    if (this.closed) {
      this.counts.dropped++;
      this.warnings.warnAbout('closed', `receiver ${this.name}: notification ${delivery.key} enqueued after close; dropped`);
      this.onSettled?.(delivery, 'dropped');
      return;
    }
    this.waiting.push(delivery);
    if (this.waiting.length > this.policy.queueSize) {
      const oldest = this.waiting.shift()!;
      this.counts.dropped++;
      this.onSettled?.(oldest, 'dropped');
      if (!this.overflowing) {
        this.overflowing = true;
        this.warn(
          `receiver ${this.name}: queue full (${this.policy.queueSize} waiting, the receiver is slow or down); ` +
            `dropping the oldest notifications until it catches up (counted in stats().dropped)`,
        );
      }
    }
    this.running ??= this.pump();
  }

  stats(): ReceiverStats {
    const inFlight = this.current ? 1 : 0;
    return {
      queued: this.waiting.length + inFlight,
      inFlight,
      ...this.counts,
      ...(this.lastError ? { lastError: { ...this.lastError } } : {}),
      ...(this.lastDeliveredAt === undefined ? {} : { lastDeliveredAt: this.lastDeliveredAt }),
    };
  }

  /**
   * Resolves once fewer than `queue_size` wait (at once if so). A consumer that awaits this
   * before each enqueue never makes the queue drop: the backlog stays in the log instead.
   */
  whenRoom(): Promise<void> {
    if (this.closed || this.waiting.length < this.policy.queueSize) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0 || (!this.closed && this.waiting.length >= this.policy.queueSize)) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when nothing waits and nothing is in flight (or the queue closed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Stops delivery: no new attempt starts, a pending backoff is cancelled, and the attempt
   * in flight gets at most `timeoutMs` to finish before it is aborted.
   */
  async close(timeoutMs = 5_000): Promise<CloseResult> {
    this.closed = true;
    this.backoff?.wake();
    this.wakeRoomWaiters();
    if (this.running) {
      let cancel = () => {};
      const timedOut = new Promise<void>((resolve) => (cancel = this.timers.setTimeout(resolve, timeoutMs)));
      await Promise.race([this.running, timedOut]);
      cancel();
      this.abort.abort();
    }
    await this.receiver.close?.();
    return { undelivered: this.waiting.length + (this.current ? 1 : 0) };
  }

  private async pump(): Promise<void> {
    // Yield first: enqueue's caller (rule evaluation) gets control back before any
    // serialisation, signing or I/O happens.
    await Promise.resolve();
    try {
      while (!this.closed) {
        const next = this.waiting.shift();
        if (!next) break;
        this.wakeRoomWaiters();
        if (this.overflowing && this.waiting.length < this.policy.queueSize) this.overflowing = false;
        this.current = next;
        const done = await this.deliver(next);
        if (done) this.current = undefined;
      }
    } finally {
      // Cleared in the same synchronous step as the empty check, so an enqueue can never
      // see a pump that has already decided to stop.
      this.running = undefined;
    }
  }

  /** Returns false when closing interrupted it (the notification stays undelivered). */
  private async deliver(delivery: Delivery): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(delivery);
      if (result.outcome === 'delivered') {
        this.counts.delivered++;
        this.lastDeliveredAt = this.timers.now();
        this.onSettled?.(delivery, 'delivered');
        return true;
      }
      this.lastError = { message: result.error, ...(result.status === undefined ? {} : { status: result.status }), at: this.timers.now() };
      if (result.outcome === 'rejected') {
        this.counts.rejected++;
        this.warnings.warnAbout(
          `rejected ${result.status}`,
          `receiver ${this.name} refused ${delivery.key} (${result.error}); not retried: fix the receiver or its settings`,
        );
        this.onSettled?.(delivery, 'rejected');
        return true;
      }
      if (this.closed) return false;
      if (attempt >= this.policy.maxRetries) {
        this.counts.dead++;
        this.warnings.warnAbout(
          'dead',
          `receiver ${this.name}: gave up on ${delivery.key} after ${attempt + 1} attempts (last: ${result.error})`,
        );
        this.onSettled?.(delivery, 'dead');
        return true;
      }
      this.counts.retried++;
      await this.sleep(retryDelay(attempt + 1, this.policy.backoff, this.random, result.retryAfterMs));
      if (this.closed) return false;
    }
  }

  private async attempt(delivery: Delivery): Promise<AttemptResult> {
    try {
      return await this.receiver.send(delivery, this.abort.signal);
    } catch (error) {
      // Receivers should not throw; if one does, treat it as a failure that may pass.
      return { outcome: 'retry', error: errorMessage(error) };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let cancel = () => {};
      const wake = () => {
        this.backoff = undefined;
        cancel();
        resolve();
      };
      cancel = this.timers.setTimeout(wake, ms);
      this.backoff = { wake };
    });
  }
}
