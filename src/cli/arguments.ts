/**
 * Parsers for CLI arguments: each says what it expected and what it got, so a typo is an
 * error naming the flag, never a NaN deep inside.
 */
import { InvalidArgumentError } from 'commander';

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

export function timestamp(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`expected a time such as 2026-11-24T10:00:00Z or milliseconds since the epoch, got ${JSON.stringify(value)}`);
  return ms;
}
