/**
 * What a kind of receiver implements: one delivery attempt, and how it went. Retries,
 * ordering and the queue are the ReceiverQueue's; a receiver only says whether trying
 * again could help.
 */
import type { Delivery } from './notification.js';

export type AttemptResult =
  | { outcome: 'delivered'; status?: number }
  /** Trying again could help: a network error, a timeout, 408, 429, 5xx. */
  | { outcome: 'retry'; error: string; status?: number; retryAfterMs?: number }
  /** Trying again will not help: the receiver refused it (another 4xx). */
  | { outcome: 'rejected'; error: string; status?: number };

export interface Receiver {
  readonly name: string;
  readonly kind: string;
  /** Never throws: every failure is an AttemptResult. `signal` aborts the attempt (on close). */
  send(delivery: Delivery, signal: AbortSignal): Promise<AttemptResult>;
  close?(): Promise<void>;
}
