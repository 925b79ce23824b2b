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
 * The key a receiver deduplicates deliveries by. The status is part of it: firing and
 * resolved of one instance are two deliveries, each of which may be retried.
 */
export function deliveryKey(notification: AlertNotification): string {
  return `${notification.id}:${notification.status}`;
}
