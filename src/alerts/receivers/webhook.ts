/**
 * The webhook receiver: one JSON POST per attempt, signed over its time and body
 * (signature.ts), with an idempotency key that is the same on every retry of one delivery,
 * so the far end can drop a duplicate (a retry after a timeout whose request had in fact
 * arrived). Each attempt is signed when it is sent, so a notification re-sent after an
 * outage carries a fresh time and passes a receiver's replay check.
 */
import type { WebhookReceiverConfig } from './config.js';
import { deliveryPayload, type Delivery } from './notification.js';
import type { AttemptResult, Receiver } from './receiver.js';
import { isRetriableStatus, parseRetryAfter } from './retry-policy.js';
import { IDEMPOTENCY_HEADER, LEGACY_SIGNATURE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signWebhook } from './signature.js';
import { systemTimers, type Timers } from './timers.js';

export interface WebhookReceiverOptions {
  timers?: Timers;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

const USER_AGENT = 'fastdata-alerts/1';
/** Enough of an error body to say why, not so much that a log line becomes a page. */
const BODY_EXCERPT = 200;

/**
 * Header values must be bytes 0x20-0x7e; an alert key may hold any text (a sensor's name).
 * Percent-encoding the rest keeps the key stable and unique.
 */
export function headerSafe(value: string): string {
  // Buffer rather than encodeURIComponent: a lone surrogate becomes U+FFFD instead of throwing.
  return value.replace(/[^\x20-\x24\x26-\x7e]/gu, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

export class WebhookReceiver implements Receiver {
  readonly kind = 'webhook';
  readonly name: string;
  private readonly timers: Timers;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly config: WebhookReceiverConfig,
    options: WebhookReceiverOptions = {},
  ) {
    this.name = config.name;
    this.timers = options.timers ?? systemTimers;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<AttemptResult> {
    const sentAt = this.timers.now();
    const body = JSON.stringify(deliveryPayload(delivery, sentAt));
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      [IDEMPOTENCY_HEADER]: headerSafe(delivery.key),
      [TIMESTAMP_HEADER]: String(sentAt),
    };
    if (this.config.secret) {
      headers[SIGNATURE_HEADER] = signWebhook(body, this.config.secret, sentAt / 1_000);
      // Deprecated (body only, replayable); sent for one more release so receivers can move.
      headers[LEGACY_SIGNATURE_HEADER] = sign(body, this.config.secret);
    }
    try {
      const response = await this.fetch(this.config.url, {
        method: 'POST',
        headers,
        body,
        // The timeout covers the whole attempt, reading the response included.
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
        redirect: 'manual',
      });
      const text = await response.text();
      const status = response.status;
      if (status >= 200 && status < 300) return { outcome: 'delivered', status };
      const error = `HTTP ${status}${text ? `: ${text.slice(0, BODY_EXCERPT)}` : ''}`;
      if (isRetriableStatus(status)) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.timers.now());
        return { outcome: 'retry', error, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
      }
      // 3xx too: a webhook that moved should be reconfigured, not followed with a signed body.
      return { outcome: 'rejected', error, status };
    } catch (error) {
      return { outcome: 'retry', error: describeFetchError(error, this.config.timeoutMs) };
    }
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'aborted (receiver closing)';
  // fetch says only "fetch failed"; the cause has the useful part (ECONNREFUSED, ENOTFOUND).
  return e?.cause?.message ?? e?.cause?.code ?? e?.message ?? String(error);
}
