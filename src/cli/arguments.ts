/**
 * Parsers for CLI arguments: each says what it expected and what it got, so a typo is an
 * error naming the flag, never a NaN deep inside.
 */
import { InvalidArgumentError } from 'commander';
import { FastdataError } from '../errors.js';
import { parsePointInTime } from '../time/point-in-time.js';

export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError(`expected a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

export function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/**
 * A point in time, as the REST API's `from`/`to` take it (src/time/point-in-time.ts): epoch
 * milliseconds, an ISO 8601 time, a duration back from now (`-10m`, `-2h`, `-1d`) or `now`.
 * Commander takes `--since -10m` and `--since=-10m` alike: a flag that needs a value takes
 * the next word even when it starts with a dash.
 */
export function pointInTime(value: string): number {
  try {
    return parsePointInTime('time', value, Date.now());
  } catch (error) {
    // Commander names the flag and the value; the reason is what is left to say.
    if (error instanceof FastdataError) throw new InvalidArgumentError(error.message.replace(/^time: /, ''));
    throw error;
  }
}

/** A flag given several times, collected in order. */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function brokerList(value: string): string[] {
  const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = brokers.filter((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad.length > 0) throw new InvalidArgumentError(`expected host:port[,host:port...], got ${JSON.stringify(value)}${bad.length ? ` (${bad.join(', ')} not host:port)` : ''}`);
  return brokers;
}

/** A name of a token holder (server.tokens.N.name). */
export function holderName(value: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) throw new InvalidArgumentError(`expected 1 to 64 letters, digits, _ . or -, got ${JSON.stringify(value)}`);
  return value;
}
