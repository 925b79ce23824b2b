import { FastdataError } from '../errors.js';

/**
 * A duration as users write it: `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'7d'`, or a number of
 * milliseconds. Converted once, at the edge, to milliseconds.
 */
export type Duration = number | `${number}${DurationUnit}`;
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export interface DurationOptions {
  /** Names the thing in error messages, e.g. `tumbling window size`. */
  what: string;
  /** Whether 0 is allowed (a grace of 0 is; a window size of 0 is not). */
  allowZero?: boolean;
}

/** Parses a duration to whole milliseconds, or throws FD_DURATION_INVALID naming the value and the fix. */
export function toMillis(value: unknown, options: DurationOptions): number {
  const { what, allowZero = false } = options;
  let ms: number | undefined;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim());
    if (match) ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || (!allowZero && ms === 0)) {
    const lower = allowZero ? 'zero or more' : 'more than zero';
    throw new FastdataError(
      'FD_DURATION_INVALID',
      `${what}: ${JSON.stringify(value)} is not a valid duration; write a number of milliseconds (${lower}) ` +
        `or a string such as '250ms', '30s', '5m', '1h' or '7d'`,
      { context: { field: what } },
    );
  }
  return Math.round(ms);
}

/** Formats milliseconds back the way a user writes them, for logs and messages. */
export function formatMillis(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
