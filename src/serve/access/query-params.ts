/**
 * Parsing the query parameters of the API's routes (outputs, alerts, catalog) into checked
 * values. Every parameter is range-checked: a bad one is a 400 FD_ARGUMENT_INVALID whose
 * message starts with the parameter's name and states what it takes, never a 500.
 *
 * A parameter is given at most once (`?from=1&from=2` is refused, not guessed at), is not
 * empty (leave it out for its default), and is bounded in length. Times are parsed as the
 * CLI parses them (src/time/point-in-time.ts), within the years 0000 to 9999.
 */
import { invalidArgument as bad } from '../../errors.js';
import { parsePointInTime } from '../../time/point-in-time.js';

export { MAX_TIME, MIN_TIME } from '../../time/point-in-time.js';
/** Longest value of a time parameter: an ISO time with nanoseconds and a zone is 35. */
const MAX_TIME_LENGTH = 64;
/** Longest key, key prefix or rule name. */
export const MAX_KEY_LENGTH = 1024;
/** Longest cursor: about 30 characters per partition, so a few thousand partitions. */
export const MAX_CURSOR_LENGTH = 65_536;
/** Largest partition number in a cursor (Kafka's partitions are int32). */
const MAX_PARTITION = 2 ** 31 - 1;

const show = (raw: string) => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);

/**
 * The one value of a query parameter, undefined when it is absent. Refuses a parameter
 * given several times (fastify makes those an array), an empty one, and one longer than
 * `maxLength` characters.
 */
export function single(field: string, raw: unknown, maxLength: number): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw bad(field, `is given ${raw.length} times; give it once`);
  if (typeof raw !== 'string') throw bad(field, 'give it once, as text');
  if (raw === '') throw bad(field, 'is empty; give a value, or leave the parameter out for its default');
  if (raw.length > maxLength) throw bad(field, `is ${raw.length} characters long, more than ${maxLength}`);
  return raw;
}

/** A time: epoch milliseconds, an ISO 8601 time, a duration back from now (`-15m`, `-2h`) or `now`; within MIN_TIME..MAX_TIME (the CLI's flags take the same, src/time/point-in-time.ts). */
export function parseTime(field: string, raw: unknown, now: number): number | undefined {
  const text = single(field, raw, MAX_TIME_LENGTH);
  return text === undefined ? undefined : parsePointInTime(field, text, now);
}

/** A count: a whole number from 1 to `max`; `fallback` when absent. */
export function parseLimit(field: string, raw: unknown, fallback: number, max: number): number {
  const text = single(field, raw, 32);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) throw bad(field, `${show(text)} is not a whole number from 1 to ${max}`);
  return n;
}

/** A record key (or key prefix, rule name): 1 to 1024 characters, no control characters. */
export function parseKey(field: string, raw: unknown): string | undefined {
  const text = single(field, raw, MAX_KEY_LENGTH);
  if (text === undefined) return undefined;
  if (/[\u0000-\u001f]/.test(text)) throw bad(field, `a key is 1 to ${MAX_KEY_LENGTH} characters without control characters`);
  return text;
}

/** One of the given words, or undefined when absent. */
export function parseOneOf<T extends string>(field: string, raw: unknown, values: readonly T[]): T | undefined {
  const text = single(field, raw, 64);
  if (text === undefined) return undefined;
  if (!(values as readonly string[]).includes(text)) throw bad(field, `${show(text)} is not one of ${values.join(', ')}`);
  return text as T;
}

/** A page cursor as the previous page returned it: base64url of {"<partition>": offset}. */
export function encodeCursor(next: Record<number, number>): string {
  return Buffer.from(JSON.stringify(next)).toString('base64url');
}

export function parseCursor(raw: unknown): Record<number, number> | undefined {
  const text = single('cursor', raw, MAX_CURSOR_LENGTH);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const valid =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.entries(parsed as object).every(([p, o]) => /^\d{1,10}$/.test(p) && Number(p) <= MAX_PARTITION && Number.isSafeInteger(o) && (o as number) >= 0);
  if (!valid) throw bad('cursor', 'not a cursor this API returned; pass the `next` of the previous page unchanged, or leave it out for the first page');
  return Object.fromEntries(Object.entries(parsed as Record<string, number>).map(([p, o]) => [Number(p), o]));
}
