/**
 * ISO 8601 dates as CSV exports write them, to microseconds since the epoch. Stricter than
 * `Date.parse`, which accepts many shapes and reads a date-time without a zone in the
 * machine's local time zone: here the shape is fixed and a time without a zone is UTC, so
 * the same file gives the same timestamps on every machine.
 *
 * Accepted: `2024-03-01`, `2024-03-01T12:30`, `2024-03-01 12:30:05`, `...:05.123456`,
 * each optionally followed by `Z`, `+02:00`, `-0530`.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:\s*([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

/** Microseconds since the epoch, or undefined when `text` is not such a date (or not a real day, as 2024-02-30). */
export function isoDateMicros(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => (part === undefined ? undefined : Number(part)));
  if (month! < 1 || month! > 12 || day! < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year!, month! - 1, day!, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 2024-02-30 over into March: refuse instead.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0').slice(0, 6));
  return (ms - zoneOffsetMs(m[8])) * 1000 + fraction;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
}
