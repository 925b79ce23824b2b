/**
 * Parquet values as the source writer wants them: plain numbers, strings, Buffers, arrays
 * and objects that the topic's Avro schema encodes.
 *
 * - INT64 columns come from hyparquet as BigInt: converted to a number when it holds the
 *   value exactly (within ±2^53), an error of the row otherwise (never rounded).
 * - Timestamps (TIMESTAMP millis/micros/nanos, INT96) go in the unit of the target
 *   field's logical type (`timestamp-micros` and `-nanos`, from the `schema` option),
 *   milliseconds otherwise: fastdata's timestamps are milliseconds since the epoch, as
 *   `Date.now()`. So a pandas file in nanoseconds lands right in a `timestamp-millis`
 *   field. hyparquet's default would be a Date, which Avro cannot encode.
 * - DATE columns are days since the epoch (Avro's `date`).
 * - Binary columns that are not text become Buffers.
 */
import type { ParquetParsers } from 'hyparquet';
import { fieldSchemas, logicalTypeOf } from './target-fields.js';

/** A timestamp as read, in nanoseconds, until the unit it goes in is known. */
class Instant {
  constructor(readonly nanos: bigint) {}
}

type Unit = 'millis' | 'micros' | 'nanos';
const NANOS_PER: Record<Unit, bigint> = { millis: 1_000_000n, micros: 1_000n, nanos: 1n };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Why a value cannot be converted (thrown inside the conversion of one row, caught for it). */
class ValueError extends Error {}

const instant = (factor: bigint) => (value: bigint) => (value === undefined || value === null ? value : new Instant(BigInt(value) * factor));

/** hyparquet parsers that keep timestamps exact (as Instants) and dates as day numbers. */
export const PARQUET_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: instant(1_000_000n),
  timestampFromMicroseconds: instant(1_000n),
  timestampFromNanoseconds: instant(1n),
  dateFromDays: (days: number) => days,
};

export class ParquetValues {
  /** Unit of each top-level field that is a timestamp of another unit than milliseconds. */
  private readonly units = new Map<string, Unit>();

  constructor(schema: unknown) {
    for (const [name, json] of fieldSchemas(schema)) {
      const logical = logicalTypeOf(json);
      if (logical?.endsWith('-micros')) this.units.set(name, 'micros');
      else if (logical?.endsWith('-nanos')) this.units.set(name, 'nanos');
    }
  }

  /** The row with every value converted, or why it cannot be (text naming the column). */
  convertRow(row: Record<string, unknown>, where: string): Record<string, unknown> | string {
    const out: Record<string, unknown> = {};
    for (const column of Object.keys(row)) {
      try {
        out[column] = convert(row[column], this.units.get(column) ?? 'millis');
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        return `${where}, column "${column}": ${error.message}`;
      }
    }
    return out;
  }
}

function exactNumber(value: bigint, what: string): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) {
    throw new ValueError(`${what} ${value} does not fit a JavaScript number exactly (beyond ±2^53); it is not rounded`);
  }
  return Number(value);
}

function convert(value: unknown, unit: Unit): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return exactNumber(value, 'the integer');
    case 'object':
      break;
    default:
      return value;
  }
  if (value instanceof Instant) {
    const per = NANOS_PER[unit];
    // Floor, not toward zero: a time before 1970 stays in the right millisecond.
    let whole = value.nanos / per;
    if (value.nanos % per < 0n) whole -= 1n;
    return exactNumber(whole, `the timestamp (${unit})`);
  }
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map((item) => convert(item, unit));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, (item) => convert(item, unit));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = convert(item, unit);
  return out;
}

/** JSON of a row as read, BigInts and Instants as numbers' text, for the raw bytes of its record. */
export function rowJson(row: unknown): Buffer {
  return Buffer.from(
    JSON.stringify(row, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Instant ? `${value.nanos}ns` : value)),
  );
}
