/**
 * The evaluator's notifications on their way to the alert topic, which is the outbox:
 * receivers consume it with offsets of their own, so a notification is out once it is there.
 *
 * Published in order, one publish at a time, as soon as the batch (or the watermark move)
 * that caused them is evaluated, and always before the checkpoint whose state includes
 * them. After a takeover the evaluator replays the records after the last checkpoint and
 * re-derives notifications with the same ids; those already in the alert topic past the
 * checkpoint's `published` offset (the previous holder published them, then stopped before
 * its next checkpoint) are not published again.
 */
import type { AlertNotification } from '../engine/index.js';
import { deliveryKey } from '../receivers/notification.js';
import type { AlertPublisher } from '../topic/alert-publisher.js';

export interface OutboxOptions {
  publisher: Pick<AlertPublisher, 'publish' | 'keysSince'>;
  /** The restored checkpoint's `published`: where notifications already out may start. */
  since: number;
  /** After each publish: what went out, and how many re-derived ones were already out. */
  onPublished(fresh: readonly AlertNotification[], skipped: number): void;
}

export class NotificationOutbox {
  private readonly options: OutboxOptions;
  private pending: AlertNotification[] = [];
  /** Delivery keys in the alert topic from `since` on, read before the first publish; each re-derived once is forgotten. */
  private already: Set<string> | undefined;
  /** The alert topic's end after this outbox's last publish. */
  private end: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(options: OutboxOptions) {
    this.options = options;
    this.end = options.since;
  }

  add(notifications: readonly AlertNotification[]): void {
    // One by one: a watermark can move thousands of keys at once, too many for push(...all).
    for (let i = 0; i < notifications.length; i++) this.pending.push(notifications[i]!);
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Where a restore must start looking for notifications already out, for the checkpoint
   * about to be written (call after `publish`): this outbox's end once every notification
   * the replay could re-derive was seen again; until then, where it started.
   */
  get published(): number {
    return this.already === undefined || this.already.size > 0 ? this.options.since : this.end;
  }

  /** Publishes what is pending, after any publish under way; rejects if that fails (what failed stays pending). */
  publish(): Promise<void> {
    const run = this.chain.then(() => this.publishPending());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once no publish is under way. */
  settled(): Promise<void> {
    return this.chain;
  }

  private async publishPending(): Promise<void> {
    const { publisher, since, onPublished } = this.options;
    // Without a checkpoint every record is evaluated again: all of the alert topic counts.
    this.already ??= await publisher.keysSince(since);
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const already = this.already;
    const fresh = already.size === 0 ? batch : batch.filter((n) => !already.delete(deliveryKey(n)));
    try {
      if (fresh.length > 0) this.end = await publisher.publish(fresh);
    } catch (error) {
      this.pending = fresh.concat(this.pending);
      throw error;
    }
    onPublished(fresh, batch.length - fresh.length);
  }
}
