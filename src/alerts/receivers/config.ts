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
  /**
   * Retries after the first attempt. When they are spent the notification is parked (the
   * receiver is taken for down), not given up: see `probeIntervalMs` and `maxAgeMs`.
   */
  maxRetries: number;
  backoff: BackoffPolicy;
  /** Notifications waiting at most (the one in flight not counted). */
  queueSize: number;
  /**
   * How often a receiver found down is probed: its oldest parked notification is sent again
   * (`probe_interval`). Absent: DEFAULT_PARKING.probeIntervalMs.
   */
  probeIntervalMs?: number;
  /**
   * A notification older than this (since it entered the alert topic) when its turn comes
   * is dropped, counted and logged instead of sent (`max_age`). Absent: DEFAULT_PARKING.maxAgeMs.
   */
  maxAgeMs?: number;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = { maxRetries: 8, backoff: { initialMs: 1_000, maxMs: 300_000 }, queueSize: 10_000 };

/**
 * After the retry budget (about 4 minutes with the defaults above): one probe a minute, so
 * a receiver that is back gets its backlog within a minute, at the cost of one request a
 * minute to one that is not; a day of backlog at most, the usual on-call horizon, and well
 * inside the alert topic's retention (7 days by default), which is where the backlog is kept.
 */
export const DEFAULT_PARKING = { probeIntervalMs: 60_000, maxAgeMs: 24 * 3_600_000 } as const;
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
