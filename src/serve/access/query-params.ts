/**
 * Parsing the query parameters of the access layer's routes into checked values, each
 * error naming the parameter and what it takes.
 */
import { invalidArgument as bad } from '../../errors.js';
import { toMillis } from '../../time/duration.js';

/** A time: epoch milliseconds, an ISO-8601 time, or a duration back from now (`-15m`, `-2h`). */
export function parseTime(field: string, raw: string | undefined, now: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw.startsWith('-')) return now - toMillis(raw.slice(1), { what: field });
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw bad(field, `${JSON.stringify(raw)} is not a time; use epoch milliseconds, an ISO time such as 2026-11-24T10:00:00Z, or -15m / -2h (back from now)`);
  return ms;
}

export function parseLimit(field: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) throw bad(field, `${JSON.stringify(raw)} is not a whole number from 1 to ${max}`);
  return n;
}

/** A record key: 1 to 1024 characters, no control characters. */
export function parseKey(field: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length === 0 || raw.length > 1024 || /[\u0000-\u001f]/.test(raw)) throw bad(field, 'a key is 1 to 1024 characters without control characters');
  return raw;
}

/** A page cursor as the previous page returned it: base64url of {"<partition>": offset}. */
export function encodeCursor(next: Record<number, number>): string {
  return Buffer.from(JSON.stringify(next)).toString('base64url');
}

export function parseCursor(raw: string | undefined): Record<number, number> | undefined {
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const valid =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.entries(parsed as object).every(([p, o]) => /^\d+$/.test(p) && Number.isSafeInteger(o) && (o as number) >= 0);
  if (!valid) throw bad('cursor', 'not a cursor this API returned; pass the `next` of the previous page unchanged, or leave it out for the first page');
  return Object.fromEntries(Object.entries(parsed as Record<string, number>).map(([p, o]) => [Number(p), o]));
}
