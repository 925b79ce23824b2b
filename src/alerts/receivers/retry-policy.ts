/**
 * When to retry a delivery and how long to wait: exponential backoff with full jitter
 * (a random delay between 0 and the exponential ceiling), so receivers that come back
 * after an outage are not hit by every sender at the same instant.
 */
import type { BackoffPolicy } from './config.js';

/** 408 (timeout), 429 (rate limited) and 5xx are the server's trouble and may pass; other 4xx will not. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Delay before retry number `retry` (1 for the first retry). `random` returns [0, 1).
 * A Retry-After the server sent wins over the jitter (retrying sooner only earns another
 * refusal) but is capped at `maxMs`, so one server cannot park its queue for hours.
 */
export function retryDelay(retry: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxMs);
  // 2 ** 30 already passes any sensible max; capping the exponent keeps the number finite.
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(retry - 1, 30));
  return Math.floor(random() * ceiling);
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
