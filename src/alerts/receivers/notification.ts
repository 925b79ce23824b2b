/**
 * What the alert engine hands to receivers: one state change (firing or resolved) of one
 * alert instance. Receivers send it as it is, plus the envelope fields of WebhookPayload.
 */
export type AlertStatus = 'firing' | 'resolved';
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertNotification {
  /** Idempotency key of the alert instance: fingerprint + startsAt. */
  id: string;
  /** Rule + key: the same for every instance of one alert. */
  fingerprint: string;
  rule: string;
  key: string;
  status: AlertStatus;
  severity: AlertSeverity;
  /** Epoch ms, event time. */
  startsAt: number;
  /** Epoch ms, event time; set when resolved. */
  endsAt?: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The record that caused it. */
  value?: unknown;
}

/** Bumped when a field of the payload changes meaning, so receivers can tell. */
export const PAYLOAD_VERSION = 1;

export interface NotificationPayload extends AlertNotification {
  version: typeof PAYLOAD_VERSION;
  /** Epoch ms (processing time) of this attempt; equals the X-Fastdata-Timestamp header. */
  sentAt: number;
}

export function toPayload(notification: AlertNotification, sentAt: number): NotificationPayload {
  return { version: PAYLOAD_VERSION, sentAt, ...notification };
}

/**
 * What a receiver sends in one attempt: one notification, or, for a receiver that groups,
 * the alerts of one group (the changed ones and those still firing). `key` is the
 * Idempotency-Key: the same on every retry of this delivery, and on a re-delivery of it
 * after a restart.
 */
export interface Delivery {
  key: string;
  notifications: AlertNotification[];
  group?: { key: string; labels: Record<string, string> };
  /**
   * Epoch ms (processing time) its newest notification entered the alert topic: what
   * `max_age` is measured from. Absent: from when the queue took it.
   */
  notifiedAt?: number;
}

/** A grouped delivery as receivers get it: Alertmanager's shape, with fastdata's alert fields. */
export interface GroupPayload {
  version: typeof PAYLOAD_VERSION;
  sentAt: number;
  groupKey: string;
  groupLabels: Record<string, string>;
  /** firing while any alert of the group fires. */
  status: AlertStatus;
  alerts: AlertNotification[];
}

export function singleDelivery(notification: AlertNotification): Delivery {
  return { key: deliveryKey(notification), notifications: [notification] };
}

export function deliveryPayload(delivery: Delivery, sentAt: number): NotificationPayload | GroupPayload {
  if (!delivery.group) return toPayload(delivery.notifications[0]!, sentAt);
  const status = delivery.notifications.some((n) => n.status === 'firing') ? 'firing' : 'resolved';
  return { version: PAYLOAD_VERSION, sentAt, groupKey: delivery.group.key, groupLabels: delivery.group.labels, status, alerts: delivery.notifications };
}

/**
 * The key a receiver deduplicates deliveries by. The status is part of it: firing and
 * resolved of one instance are two deliveries, each of which may be retried.
 */
export function deliveryKey(notification: AlertNotification): string {
  return `${notification.id}:${notification.status}`;
}
