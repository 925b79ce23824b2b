/**
 * The webhook signature, as Stripe signs its webhooks:
 *
 *   Fastdata-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * The timestamp is inside the MAC, so a captured request cannot be sent again later with a
 * new time: a receiver checks the MAC over `t + "." + body` (the exact bytes it read, not a
 * re-serialisation), refuses a `t` further than its tolerance from its clock (5 minutes by
 * default), and drops a repeat within the tolerance by its Idempotency-Key. Every attempt
 * (a retry, a re-send after an outage) is signed afresh when it is sent. More than one `v1`
 * may come (a future key rotation); one that verifies is enough, and unknown schemes
 * (`v0=`, `v2=`) are ignored.
 *
 * Deprecated, sent for one more release because docs/alerts.md described it:
 * `X-Fastdata-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. It does not cover the
 * time, so it cannot refuse a replay; receivers move to Fastdata-Signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Fastdata-Signature';
/** @deprecated the body-only signature; removed in the release after this one. */
export const LEGACY_SIGNATURE_HEADER = 'X-Fastdata-Signature';
/** Epoch milliseconds of the attempt, as the body's `sentAt` (informative; the signed time is `t=`). */
export const TIMESTAMP_HEADER = 'X-Fastdata-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** How far a signature's time may be from the receiver's clock, by default: Stripe's 5 minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
};

/** The Fastdata-Signature value of `body` sent at `timestampSeconds` (unix seconds). */
export function signWebhook(body: string | Buffer, secret: string, timestampSeconds: number): string {
  const t = Math.floor(timestampSeconds);
  return `t=${t},v1=${hmac(secret, `${t}.`, body)}`;
}

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'too-old' | 'too-new'; message: string };

export interface VerifyOptions {
  /** The receiver's clock, epoch ms; Date.now() by default. */
  now?: number;
  /** How far `t` may be from `now`, seconds (default 300). A request older than that is a replay, or too late to act on. */
  toleranceSeconds?: number;
}

/**
 * For receivers written in TypeScript (and the tests): checks a Fastdata-Signature header
 * against the raw body, with one secret or several (during a rotation), in constant time
 * per candidate, then the time. The order matters: a time is only trusted once the MAC
 * over it verifies.
 */
export function verifyWebhook(body: string | Buffer, header: string | undefined, secrets: string | readonly string[], options: VerifyOptions = {}): WebhookVerification {
  if (!header) return { ok: false, reason: 'missing', message: `no ${SIGNATURE_HEADER} header` };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: 'malformed', message: `${SIGNATURE_HEADER} must be t=<unix seconds>,v1=<64 hex digits>` };
  const verified = (typeof secrets === 'string' ? [secrets] : secrets).some((secret) => {
    const expected = Buffer.from(hmac(secret, `${t}.`, body));
    return candidates.some((given) => timingSafeEqual(expected, Buffer.from(given)));
  });
  if (!verified) return { ok: false, reason: 'mismatch', message: 'the signature does not match the body and time with this secret' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const skew = (options.now ?? Date.now()) / 1_000 - t;
  if (skew > tolerance) return { ok: false, reason: 'too-old', message: `signed ${Math.round(skew)} s ago, more than the ${tolerance} s allowed: a replay, or a request held up` };
  if (-skew > tolerance) return { ok: false, reason: 'too-new', message: `signed ${Math.round(-skew)} s ahead of this clock, more than the ${tolerance} s allowed` };
  return { ok: true, timestamp: t };
}

/** @deprecated the body-only `sha256=<hex>` of X-Fastdata-Signature. */
export function sign(body: string | Buffer, secret: string): string {
  return `sha256=${hmac(secret, body)}`;
}

/**
 * @deprecated checks the body-only X-Fastdata-Signature, which a replay passes; use
 * verifyWebhook on Fastdata-Signature. Constant-time comparison.
 */
export function verifySignature(body: string | Buffer, secret: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
