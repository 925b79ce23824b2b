/**
 * Alertmanager's grouping for one receiver: notifications whose labels agree on `by` make
 * one group, sent `wait` after its first alert (so a burst becomes one message), then at
 * most every `interval` while it changes, and every `repeat` while an alert of it fires
 * unacknowledged. A delivery lists the group's changed alerts and those still firing; a
 * resolved alert is listed once more and then leaves the group.
 *
 * Time here is processing time (these are delivery timers), unlike the engine's event time.
 */
import { createHash } from 'node:crypto';
import type { GroupPolicy } from '../receivers/config.js';
import { deliveryKey, type AlertNotification, type Delivery } from '../receivers/notification.js';
import type { Timers } from '../receivers/timers.js';

interface Group {
  key: string;
  labels: Record<string, string>;
  /** By fingerprint: the latest notification of each alert in the group. */
  alerts: Map<string, AlertNotification>;
  changed: boolean;
  /** Offsets of the notifications the next delivery carries. */
  offsets: number[];
  lastSentAt: number | undefined;
  dueAt: number;
  cancel: () => void;
  repeats: number;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

export interface GrouperOptions {
  receiver: string;
  policy: GroupPolicy;
  timers: Timers;
  /** Hands a delivery on, with the offsets of the notifications it settles. */
  emit: (delivery: Delivery, offsets: number[]) => void;
  /** Acknowledged alerts are not repeated. */
  isAcknowledged?: (alertId: string) => boolean;
}

export class AlertGrouper {
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(private readonly options: GrouperOptions) {}

  get size(): number {
    return this.groups.size;
  }

  private groupOf(notification: AlertNotification): Group {
    const labels: Record<string, string> = {};
    for (const label of this.options.policy.by) labels[label] = notification.labels[label] ?? '';
    const key = `${this.options.receiver}:${JSON.stringify(Object.entries(labels))}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { key, labels, alerts: new Map(), changed: false, offsets: [], lastSentAt: undefined, dueAt: Number.POSITIVE_INFINITY, cancel: () => {}, repeats: 0 };
      this.groups.set(key, group);
    }
    return group;
  }

  /**
   * An alert still firing that was delivered before this process started (from the
   * history): not sent again now, but repeated every `repeat` from here on like the others.
   */
  seed(notification: AlertNotification): void {
    if (notification.status !== 'firing') return;
    const group = this.groupOf(notification);
    if (group.alerts.has(notification.fingerprint)) return;
    group.alerts.set(notification.fingerprint, notification);
    // lastSentAt stays unset: a notification still in the backlog goes out after `wait`, not `interval`.
    if (group.dueAt === Number.POSITIVE_INFINITY) this.schedule(group, this.options.timers.now() + this.options.policy.repeatMs);
  }

  add(notification: AlertNotification, offset: number): void {
    const { policy, timers } = this.options;
    const group = this.groupOf(notification);
    const now = timers.now();
    group.alerts.set(notification.fingerprint, notification);
    group.changed = true;
    group.offsets.push(offset);
    const due = group.lastSentAt === undefined ? now + policy.waitMs : Math.max(now, group.lastSentAt + policy.intervalMs);
    // A change never waits longer than `interval` (a pending repeat timer is further away).
    if (due < group.dueAt) this.schedule(group, due);
  }

  private schedule(group: Group, at: number): void {
    if (this.closed) return;
    group.cancel();
    group.dueAt = at;
    group.cancel = this.options.timers.setTimeout(() => this.flush(group), Math.max(0, at - this.options.timers.now()));
  }

  private flush(group: Group): void {
    group.dueAt = Number.POSITIVE_INFINITY;
    const now = this.options.timers.now();
    const acknowledged = this.options.isAcknowledged ?? (() => false);
    let notifications: AlertNotification[];
    let key: string;
    if (group.changed) {
      notifications = [...group.alerts.values()];
      key = `${group.key}:${hash(notifications.map(deliveryKey).sort().join('\n'))}`;
      group.repeats = 0;
    } else {
      notifications = [...group.alerts.values()].filter((n) => n.status === 'firing' && !acknowledged(n.id));
      group.repeats++;
      key = `${group.key}:${hash(notifications.map(deliveryKey).sort().join('\n'))}:repeat-${group.repeats}`;
    }
    // A changed group always has alerts to send; a repeat may have none (all acknowledged).
    if (notifications.length > 0) {
      this.options.emit({ key: `group:${hash(key)}`, notifications, group: { key: group.key, labels: group.labels } }, group.offsets);
      group.lastSentAt = now;
    }
    group.offsets = [];
    group.changed = false;
    for (const [fingerprint, n] of group.alerts) if (n.status === 'resolved') group.alerts.delete(fingerprint);
    if (group.alerts.size === 0) {
      this.groups.delete(group.key);
      return;
    }
    this.schedule(group, now + this.options.policy.repeatMs);
  }

  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) group.cancel();
  }
}
