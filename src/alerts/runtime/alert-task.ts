/**
 * The alert evaluator's task on the processor host (src/stream/host/): the one task of
 * everything (every partition of every source topic), holding the alert book. The host
 * reads, decodes, dead-letters what does not decode, keeps event time and checkpoints;
 * this task feeds the book and publishes the notifications it derives:
 *
 *   process / advanceWatermark   records and watermarks into the book; notifications pending
 *   afterBatch / tick            pending notifications to the alert topic at once
 *   flush                        the same, before every checkpoint: its state includes them
 *   drainState / checkpointMeta  the book's changes (alert-state.ts) and where the alert
 *                                topic stood (`published`), for the marker
 *
 * At restore, rules no longer loaded or loaded with another identity (rule-identity.ts) are
 * retired: their firing alerts are resolved (retire.ts), first thing published, and their
 * state deleted with the first checkpoint, which comes at the next tick, record or not.
 */
import { errorMessage } from '../../errors.js';
import type { LogRecord } from '../../log/types.js';
import type { StateEntry } from '../../stream/host/changelog.js';
import type { HostedTask, TaskRestore } from '../../stream/host/processor.js';
import type { AlertBook, BookEntry } from '../engine/index.js';
import { drainBookEntries, restoreBook } from './alert-state.js';
import { NotificationOutbox, type OutboxOptions } from './notification-outbox.js';
import { retirementNotifications } from './retire.js';
import type { RuleIdentity } from './rule-identity.js';

/** What the task keeps in its checkpoint marker beside positions and watermarks. */
interface AlertMeta {
  /** The alert topic's offset from which notifications may be out that a replay re-derives. */
  published: number;
}

export interface AlertTaskOptions {
  rules: readonly BookEntry[];
  /** The identity of each rule (rule-identity.ts): state of another identity is retired, not restored. */
  identities?: ReadonlyMap<string, RuleIdentity>;
  publisher: OutboxOptions['publisher'];
  /** Counted per record evaluated. */
  counters: { records: number };
  onPublished: OutboxOptions['onPublished'];
  /** A warning that may repeat every tick (throttled by the caller). */
  warn(topic: string, message: string): void;
}

export class AlertTask implements HostedTask {
  readonly book: AlertBook;
  private readonly options: AlertTaskOptions;
  private readonly outbox: NotificationOutbox;
  /** A watermark moved by idleness changed the book (fired or resolved): worth a checkpoint with no record read. */
  private changedByTime = false;
  /** Deletions of the state of retired rules and the identities of the loaded ones, for the first checkpoint. */
  private dropped: StateEntry[];
  /** The rules retired at restore, with why (for the reload's report). */
  readonly retired: { rule: string; reason: string; resolved: number }[];

  constructor(options: AlertTaskOptions, restored: TaskRestore | undefined) {
    this.options = options;
    const meta = readMeta(restored?.meta);
    const { book, dropped, retired } = restoreBook(options.rules, restored?.entries ?? [], { trackChanges: true }, options.identities);
    this.book = book;
    this.dropped = dropped;
    this.outbox = new NotificationOutbox({ publisher: options.publisher, since: meta.published, onPublished: options.onPublished });
    const resolves = retirementNotifications(retired);
    this.outbox.add(resolves);
    this.retired = retired.map((r) => ({ rule: r.rule, reason: r.reason, resolved: resolves.filter((n) => n.rule === r.rule).length }));
    // Reads what is already out now, not at the first notification; a failure is tried again then.
    void this.outbox.publish().catch(() => undefined);
  }

  process(value: unknown, record: LogRecord, eventTime: number): void {
    this.options.counters.records++;
    this.outbox.add(this.book.observe(record.topic, value, eventTime));
  }

  advanceWatermark(topic: string, watermark: number): void {
    const notifications = this.book.advance(topic, watermark);
    // Every transition notifies: notifications mean changed keys.
    if (notifications.length > 0) this.changedByTime = true;
    this.outbox.add(notifications);
  }

  stateChanged(): boolean {
    return this.changedByTime || this.dropped.length > 0;
  }

  /** Notifications of watermarks moved by idleness go out now, not with the next record. */
  tick(): void {
    if (this.outbox.size === 0) return;
    // Not awaited (ticks are synchronous); publishes queue in order. A failure keeps them
    // pending for the next batch or checkpoint, which fails the host if it fails again.
    this.outbox.publish().catch((error) => this.options.warn('publish', `alert engine: publishing notifications failed, tried again at the next checkpoint: ${errorMessage(error)}`));
  }

  afterBatch(): Promise<void> {
    return this.outbox.publish();
  }

  async flush(): Promise<undefined> {
    await this.outbox.publish();
    return undefined;
  }

  drainState(): StateEntry[] {
    this.changedByTime = false;
    const changes = drainBookEntries(this.book);
    if (this.dropped.length === 0) return changes;
    const all = this.dropped.concat(changes);
    this.dropped = [];
    return all;
  }

  checkpointMeta(): AlertMeta {
    return { published: this.outbox.published };
  }

  /** Nothing to let go of: a publish under way finishes (`settled`). */
  stop(): void {}

  settled(): Promise<void> {
    return this.outbox.settled();
  }
}

function readMeta(meta: unknown): AlertMeta {
  const m = (typeof meta === 'object' && meta !== null ? meta : {}) as Partial<AlertMeta>;
  const published = typeof m.published === 'number' && Number.isSafeInteger(m.published) && m.published >= 0 ? m.published : 0;
  return { published };
}
