/**
 * Delivery that never blocks rule evaluation: one queue per receiver. `enqueue` only
 * appends and returns; a pump sends one notification at a time, in order (so a resolve
 * never overtakes its firing), retrying with backoff until the receiver takes it, refuses
 * it, or the retry budget is spent. Memory is bounded: past `queueSize` waiting, the
 * oldest is dropped and counted.
 *
 * When the retry budget is spent, a queue with `parking` (every receiver's dispatcher, which
 * has the alert topic behind it) does not give up: the receiver is taken for down, and the
 * notification and all behind it are parked, in order. The oldest parked is sent again
 * every `probeIntervalMs` (the probe); once the receiver takes it, the rest follow, in
 * order, each with its retry budget again. Before a notification is sent (or probed with)
 * it is dropped, counted and logged when it is older than `maxAgeMs`, and a parked firing
 * is not re-sent when its alert has resolved meanwhile (the resolve, which says when it
 * started and ended, goes out instead), nor a parked group delivery that a later one of its
 * group covers. A queue without `parking` gives up after the retries (`dead`), as a queue
 * with nothing durable behind it must.
 */
import { errorMessage } from '../../errors.js';
import { DEFAULT_DELIVERY, DEFAULT_PARKING, type DeliveryPolicy } from './config.js';
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
  /** Park instead of giving up when the retries are spent (see the top of this file); the intervals come from `policy`. */
  parking?: ParkingOptions;
}

export interface ParkingOptions {
  /**
   * Whether alert instance `id` has resolved since (the alert history says so): a parked
   * firing of it is then not re-sent, as its resolve follows. Without it, only a resolve
   * queued behind the firing counts.
   */
  resolvedSince?: (id: string) => boolean;
}

/**
 * `expired`: older than max_age when its turn came, never delivered. `superseded`: a parked
 * firing whose alert resolved meanwhile, or a parked group delivery a later one covers.
 */
export type SettleOutcome = 'delivered' | 'rejected' | 'dead' | 'dropped' | 'expired' | 'superseded';

/** A delivery held while its receiver is (or was) down, as the status API lists it. */
export interface HeldDelivery {
  key: string;
  /** When its newest notification entered the alert topic, epoch ms. */
  notifiedAt: number;
  ageMs: number;
  alerts: { id: string; rule: string; key: string; status: string }[];
}

export interface ParkingStats {
  /** `parked` from the moment the retries of a notification are spent until the receiver takes a probe. */
  state: 'up' | 'parked';
  /** Since when the receiver is taken for down (epoch ms); absent while it is up. */
  since?: number;
  /**
   * Deliveries held because the receiver was down and not done with yet: the one probed and
   * those queued behind it (while it is down), or those still being re-sent (once it is back).
   * Past `queue_size`, more wait in the alert topic (the receiver's `lag`).
   */
  parked: number;
  /** Age of the oldest of them, ms, from when it entered the alert topic. */
  oldestAgeMs?: number;
  nextProbeAt?: number;
  /** Attempts made while the receiver was down (one per probe interval). */
  probes: number;
  /** Held deliveries delivered once the receiver answered again. */
  resent: number;
  /** Dropped for being older than max_age when their turn came: never delivered. */
  expired: number;
  /** Not re-sent because a later notification made them moot (the alert resolved meanwhile). */
  superseded: number;
  probeIntervalMs: number;
  maxAgeMs: number;
  /** The oldest held deliveries, in order (at most HELD_LISTED). */
  held: HeldDelivery[];
}

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
  /** Still failing after max_retries and given up on (a queue without parking only). */
  dead: number;
  lastError?: { message: string; status?: number; at: number };
  lastDeliveredAt?: number;
  /** A queue that parks (every dispatcher's): what is held while the receiver is down. */
  parking?: ParkingStats;
}

/** How many held deliveries stats() lists (the count covers all). */
export const HELD_LISTED = 100;

/** A duration for a log line: 850ms, 42s, 7m, 3h. */
function roughly(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
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
  private readonly parking: (ParkingOptions & { probeIntervalMs: number; maxAgeMs: number }) | undefined;
  /** Set while the receiver is taken for down. */
  private parkedSince: number | undefined;
  private nextProbeAt = 0;
  /** Deliveries taken while the receiver was down, until done with. */
  private readonly held = new WeakSet<Delivery>();
  private heldCount = 0;
  private readonly parkCounts = { probes: 0, resent: 0, expired: 0, superseded: 0 };
  /** When the queue took each delivery: the age of one that says nothing of its own. */
  private readonly takenAt = new WeakMap<Delivery, number>();

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
    if (options.parking) {
      this.parking = {
        ...options.parking,
        probeIntervalMs: options.policy?.probeIntervalMs ?? DEFAULT_PARKING.probeIntervalMs,
        maxAgeMs: options.policy?.maxAgeMs ?? DEFAULT_PARKING.maxAgeMs,
      };
    }
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
    this.takenAt.set(delivery, this.timers.now());
    if (this.parkedSince !== undefined) this.hold(delivery);
    this.waiting.push(delivery);
    if (this.waiting.length > this.policy.queueSize) {
      const oldest = this.waiting.shift()!;
      this.counts.dropped++;
      this.settle(oldest, 'dropped');
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
      ...(this.parking ? { parking: this.parkingStats(this.parking) } : {}),
    };
  }

  private parkingStats(parking: { probeIntervalMs: number; maxAgeMs: number }): ParkingStats {
    const now = this.timers.now();
    const held: HeldDelivery[] = [];
    // Held deliveries are the front of the queue: taken in order from the moment it parked.
    for (const delivery of this.current ? [this.current, ...this.waiting] : this.waiting) {
      if (held.length >= HELD_LISTED || !this.held.has(delivery)) break;
      const notifiedAt = this.notifiedAt(delivery);
      held.push({ key: delivery.key, notifiedAt, ageMs: now - notifiedAt, alerts: delivery.notifications.map((n) => ({ id: n.id, rule: n.rule, key: n.key, status: n.status })) });
    }
    const down = this.parkedSince !== undefined;
    return {
      state: down ? 'parked' : 'up',
      ...(down ? { since: this.parkedSince, nextProbeAt: this.nextProbeAt } : {}),
      parked: this.heldCount,
      ...(held[0] ? { oldestAgeMs: held[0].ageMs } : {}),
      ...this.parkCounts,
      probeIntervalMs: parking.probeIntervalMs,
      maxAgeMs: parking.maxAgeMs,
      held,
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
    if (this.parking) {
      if (this.skipped(delivery)) return true;
      // The receiver is down: this one waits for it, probing, without a retry budget of its own.
      if (this.parkedSince !== undefined) return this.probe(delivery, this.parking.probeIntervalMs);
    }
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(delivery);
      if (result.outcome === 'delivered') {
        this.delivered(delivery);
        return true;
      }
      this.lastError = { message: result.error, ...(result.status === undefined ? {} : { status: result.status }), at: this.timers.now() };
      if (result.outcome === 'rejected') {
        this.rejected(delivery, result);
        return true;
      }
      if (this.closed) return false;
      if (attempt >= this.policy.maxRetries) {
        if (this.parking) {
          this.park(delivery, attempt + 1, result.error);
          return this.probe(delivery, this.parking.probeIntervalMs);
        }
        this.counts.dead++;
        this.warnings.warnAbout(
          'dead',
          `receiver ${this.name}: gave up on ${delivery.key} after ${attempt + 1} attempts (last: ${result.error})`,
        );
        this.settle(delivery, 'dead');
        return true;
      }
      this.counts.retried++;
      await this.sleep(retryDelay(attempt + 1, this.policy.backoff, this.random, result.retryAfterMs));
      if (this.closed) return false;
    }
  }

  private delivered(delivery: Delivery): void {
    this.counts.delivered++;
    this.lastDeliveredAt = this.timers.now();
    if (this.held.has(delivery)) this.parkCounts.resent++;
    this.settle(delivery, 'delivered');
  }

  private rejected(delivery: Delivery, result: { error: string; status?: number }): void {
    this.counts.rejected++;
    this.warnings.warnAbout(
      `rejected ${result.status}`,
      `receiver ${this.name} refused ${delivery.key} (${result.error}); not retried: fix the receiver or its settings`,
    );
    this.settle(delivery, 'rejected');
  }

  /** Done with: the held count and the owner's commit follow. */
  private settle(delivery: Delivery, outcome: SettleOutcome): void {
    if (this.held.has(delivery)) {
      this.held.delete(delivery);
      this.heldCount--;
    }
    this.onSettled?.(delivery, outcome);
  }

  private hold(delivery: Delivery): void {
    if (this.held.has(delivery)) return;
    this.held.add(delivery);
    this.heldCount++;
  }

  /** The retries of `delivery` are spent: the receiver is taken for down, and everything queued is held. */
  private park(delivery: Delivery, attempts: number, error: string): void {
    const parking = this.parking!;
    const now = this.timers.now();
    this.parkedSince = now;
    this.nextProbeAt = now + parking.probeIntervalMs;
    this.hold(delivery);
    for (const waiting of this.waiting) this.hold(waiting);
    this.warn(
      `receiver ${this.name}: ${delivery.key} still undelivered after ${attempts} attempts (last: ${error}); ` +
        `taking the receiver for down: it and the ${this.waiting.length} queued behind it are parked in order (more may wait in the alert topic), ` +
        `the oldest is sent again every ${roughly(parking.probeIntervalMs)} and the rest follow once it is taken; ` +
        `those older than max_age (${roughly(parking.maxAgeMs)}) by then are dropped`,
    );
  }

  /**
   * Sends `delivery` once every probe interval until the receiver answers: taken (the
   * receiver is back), or refused (it answers, but not this one). False when closing.
   */
  private async probe(delivery: Delivery, intervalMs: number): Promise<boolean> {
    for (;;) {
      await this.sleep(Math.max(0, this.nextProbeAt - this.timers.now()));
      if (this.closed) return false;
      // It may have aged past max_age, or its resolve arrived, while it waited.
      if (this.skipped(delivery)) return true;
      this.parkCounts.probes++;
      const result = await this.attempt(delivery);
      if (this.closed && result.outcome === 'retry') return false;
      this.nextProbeAt = this.timers.now() + intervalMs;
      if (result.outcome === 'retry') {
        this.lastError = { message: result.error, ...(result.status === undefined ? {} : { status: result.status }), at: this.timers.now() };
        continue;
      }
      const downFor = this.timers.now() - this.parkedSince!;
      this.parkedSince = undefined;
      this.warn(`receiver ${this.name} answers again after ${roughly(downFor)} down: re-sending its ${this.heldCount} parked notification(s) in order`);
      if (result.outcome === 'delivered') this.delivered(delivery);
      else {
        this.lastError = { message: result.error, ...(result.status === undefined ? {} : { status: result.status }), at: this.timers.now() };
        this.rejected(delivery, result);
      }
      return true;
    }
  }

  private notifiedAt(delivery: Delivery): number {
    return delivery.notifiedAt ?? this.takenAt.get(delivery) ?? this.timers.now();
  }

  /** Settles `delivery` without sending it when it is past max_age, or moot; true if so. */
  private skipped(delivery: Delivery): boolean {
    const parking = this.parking!;
    const age = this.timers.now() - this.notifiedAt(delivery);
    if (age > parking.maxAgeMs) {
      this.parkCounts.expired++;
      this.warnings.warnAbout(
        'expired',
        `receiver ${this.name}: dropped ${delivery.key} undelivered: it is ${roughly(age)} old, past max_age (${roughly(parking.maxAgeMs)}); counted in parking.expired`,
      );
      this.settle(delivery, 'expired');
      return true;
    }
    if (this.held.has(delivery) && this.superseded(delivery)) {
      this.parkCounts.superseded++;
      this.warnings.warnAbout(
        'superseded',
        `receiver ${this.name}: not re-sending ${delivery.key}: its alert resolved while the receiver was down, and the resolve (with when it started and ended) goes out instead`,
      );
      this.settle(delivery, 'superseded');
      return true;
    }
    return false;
  }

  /** A firing whose resolve is queued behind it or in the history; a group delivery a later one of its group lists every alert of. */
  private superseded(delivery: Delivery): boolean {
    if (delivery.group) {
      const groupKey = delivery.group.key;
      const fingerprints = delivery.notifications.map((n) => n.fingerprint);
      return this.waiting.some((later) => later.group?.key === groupKey && fingerprints.every((f) => later.notifications.some((n) => n.fingerprint === f)));
    }
    const [n] = delivery.notifications;
    if (!n || n.status !== 'firing') return false;
    if (this.waiting.some((later) => !later.group && later.notifications.some((m) => m.id === n.id && m.status === 'resolved'))) return true;
    return this.parking!.resolvedSince?.(n.id) ?? false;
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
