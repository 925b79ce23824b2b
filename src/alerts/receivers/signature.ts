/**
 * The webhook signature: `sha256=<hex HMAC-SHA256 of the exact body bytes>`. Over the body
 * as sent (not a re-serialisation), so a receiver checks the bytes it read. The body carries
 * `sentAt`, which X-Fastdata-Timestamp repeats, so a receiver can refuse stale replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Fastdata-Signature';
export const TIMESTAMP_HEADER = 'X-Fastdata-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export function sign(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers written in TypeScript (and the tests): constant-time comparison. */
export function verifySignature(body: string | Buffer, secret: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
