/**
 * Receivers as the rest of fastdata sees them: names resolved, durations in milliseconds,
 * defaults filled in, secrets read from the environment. Built by `loadReceivers`.
 */
import type { ReceiverKind } from './schema.js';

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay, ms; doubles per retry. */
  initialMs: number;
  /** Ceiling of any delay, ms (a Retry-After too). */
  maxMs: number;
}

export interface DeliveryPolicy {
  /** Retries after the first attempt before a notification is dead. */
  maxRetries: number;
  backoff: BackoffPolicy;
  /** Notifications waiting at most (the one in flight not counted). */
  queueSize: number;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = { maxRetries: 8, backoff: { initialMs: 1_000, maxMs: 300_000 }, queueSize: 10_000 };
export const DEFAULT_TIMEOUT_MS = 5_000;

export interface GroupPolicy {
  /** Labels whose values make a group. */
  by: string[];
  waitMs: number;
  intervalMs: number;
  repeatMs: number;
}

/** Alertmanager's defaults. */
export const DEFAULT_GROUP = { waitMs: 30_000, intervalMs: 300_000, repeatMs: 4 * 3_600_000 } as const;

interface Common {
  name: string;
  /** `alerts/receivers.yaml:12`, for messages about this receiver. */
  source: string;
  delivery: DeliveryPolicy;
  /** Absent: each notification goes out alone, at once, and is not repeated. */
  group?: GroupPolicy;
}

export interface WebhookReceiverConfig extends Common {
  kind: 'webhook';
  url: string;
  /** Never printed: not in messages, not in logs, not in toJSON of anything. */
  secret?: string;
  timeoutMs: number;
  headers: Record<string, string>;
}

export interface LogReceiverConfig extends Common {
  kind: 'log';
  /** Absolute path; stdout when absent. */
  path?: string;
}

export interface WebsocketReceiverConfig extends Common {
  kind: 'websocket';
  /** The topic /ws clients subscribe to. */
  topic: string;
}

export interface KafkaReceiverConfig extends Common {
  kind: 'kafka';
  topic: string;
}

export type ReceiverConfig = WebhookReceiverConfig | LogReceiverConfig | WebsocketReceiverConfig | KafkaReceiverConfig;

export type { ReceiverKind };
