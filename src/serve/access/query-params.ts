/**
 * Parsing the query parameters of the API's routes (outputs, alerts, catalog) into checked
 * values. Every parameter is range-checked: a bad one is a 400 FD_ARGUMENT_INVALID whose
 * message starts with the parameter's name and states what it takes, never a 500.
 *
 * A parameter is given at most once (`?from=1&from=2` is refused, not guessed at), is not
 * empty (leave it out for its default), and is bounded in length. Times are within the
 * years 0000 to 9999 (MIN_TIME..MAX_TIME, inside what a JavaScript Date holds).
 */
import { invalidArgument as bad } from '../../errors.js';
import { toMillis } from '../../time/duration.js';

/** 0000-01-01T00:00:00.000Z, the earliest time a parameter may name. */
export const MIN_TIME = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z, the latest time a parameter may name. */
export const MAX_TIME = 253_402_300_799_999;
/** Longest value of a time parameter: an ISO time with nanoseconds and a zone is 35. */
const MAX_TIME_LENGTH = 64;
/** Longest key, key prefix or rule name. */
export const MAX_KEY_LENGTH = 1024;
/** Longest cursor: about 30 characters per partition, so a few thousand partitions. */
export const MAX_CURSOR_LENGTH = 65_536;
/** Largest partition number in a cursor (Kafka's partitions are int32). */
const MAX_PARTITION = 2 ** 31 - 1;

const TIME_FORMS =
  `epoch milliseconds from 0 to ${MAX_TIME}, an ISO 8601 date or time from 0000-01-01 to 9999-12-31T23:59:59.999Z ` +
  '(such as 2026-11-24 or 2026-11-24T10:00:00Z), or a duration back from now (-15m, -2h, -7d)';

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

// An ISO 8601 date, or date and time (to the minute, second or fraction), with or without a zone.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => (m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/** The fields of an ISO time are on the calendar: no February 30th, no hour 24 (Date.parse rolls those over). */
function onCalendar(m: RegExpExecArray): boolean {
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  const month = Number(mo);
  if (month < 1 || month > 12 || Number(d) < 1 || Number(d) > daysIn(Number(y), month)) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return false;
  return zone === undefined || zone === 'Z' || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4, 6)) <= 59);
}

/** A time: epoch milliseconds, an ISO 8601 time, or a duration back from now (`-15m`, `-2h`); within MIN_TIME..MAX_TIME. */
export function parseTime(field: string, raw: unknown, now: number): number | undefined {
  const text = single(field, raw, MAX_TIME_LENGTH);
  if (text === undefined) return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text);
  } else if (/^-\d+(\.\d+)?[A-Za-z]+$/.test(text)) {
    // A duration back from now; a bad unit is FD_DURATION_INVALID naming the parameter, as everywhere durations are read.
    ms = now - toMillis(text.slice(1), { what: field });
  } else if (text.startsWith('-')) {
    // A negative number (-1, -1e20): epoch milliseconds before 1970 are not taken (ISO times are).
    const numeric = /^-(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text);
    throw bad(field, `${show(text)} is ${numeric ? 'out of range' : 'not a time'}; give ${TIME_FORMS}`);
  } else {
    const iso = ISO_TIME.exec(text);
    if (!iso || !onCalendar(iso)) throw bad(field, `${show(text)} is not a time; give ${TIME_FORMS}`);
    ms = Date.parse(text);
    if (Number.isNaN(ms)) throw bad(field, `${show(text)} is not a time; give ${TIME_FORMS}`);
  }
  if (!(ms >= MIN_TIME && ms <= MAX_TIME)) throw bad(field, `${show(text)} is out of range; give ${TIME_FORMS}`);
  return ms;
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
