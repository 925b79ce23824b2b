/**
 * A point in time as users write it, in REST parameters (`?from=-15m`) and CLI flags
 * (`fastdata tail --since -10m`, `fastdata replay --from 2026-11-24T10:00:00Z`): one parser
 * for both, so what one accepts the other does.
 *
 * Forms: epoch milliseconds, an ISO 8601 date or date and time (on the calendar: no
 * February 30th), a duration back from now (`-15m`, `-2h`, `-7d`, `-1.5h`), or `now`.
 * Within the years 0000 to 9999 (MIN_TIME..MAX_TIME, inside what a JavaScript Date holds).
 */
import { invalidArgument as bad } from '../errors.js';
import { toMillis } from './duration.js';

/** 0000-01-01T00:00:00.000Z, the earliest time a user may name. */
export const MIN_TIME = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z, the latest time a user may name. */
export const MAX_TIME = 253_402_300_799_999;

/** The forms a time takes, for error messages. */
export const TIME_FORMS =
  `epoch milliseconds from 0 to ${MAX_TIME}, an ISO 8601 date or time from 0000-01-01 to 9999-12-31T23:59:59.999Z ` +
  '(such as 2026-11-24 or 2026-11-24T10:00:00Z), a duration back from now (-15m, -2h, -7d), or now';

const show = (raw: string) => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);

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

/**
 * Milliseconds since the epoch of `text`, relative forms taken back from `now`. Throws
 * FD_ARGUMENT_INVALID naming `field` and the forms it takes (FD_DURATION_INVALID for a
 * relative time with a bad unit, as everywhere durations are read).
 */
export function parsePointInTime(field: string, text: string, now: number): number {
  let ms: number;
  if (text === 'now') {
    ms = now;
  } else if (/^\d+$/.test(text)) {
    ms = Number(text);
  } else if (/^-\d+(\.\d+)?[A-Za-z]+$/.test(text)) {
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
