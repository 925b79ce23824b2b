/**
 * Per-field statistics of a sample of decoded records, for topic profiles: null rate,
 * min/max, distinct count. Pure and bounded: the distinct count is exact up to a cap
 * (DEFAULT_DISTINCT_CAP values per field), past which the profile says "at least the cap"
 * instead of estimating; a sample is bounded too (topic-profile.ts), so this is exact
 * for most fields of most samples, and memory stays at fields x cap.
 */
import type { FieldProfile } from './types.js';

export const DEFAULT_DISTINCT_CAP = 1_000;

interface Accumulator {
  nulls: number;
  present: number;
  min: number | string | null;
  max: number | string | null;
  distinct: Set<string>;
  capped: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Uint8Array);

/** The leaves of a decoded value as dotted paths (nested records flattened, as in avroFieldPaths). */
function leaves(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [name, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${name}` : name, out);
    return;
  }
  out.set(prefix, value);
}

/** A value as a distinct-count key: type-tagged so 1 and "1" differ. */
function distinctKey(value: unknown): string {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value}${String(value)}`;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `b${Buffer.from(value).toString('base64')}`;
  return `j${JSON.stringify(value)}`;
}

export class FieldStats {
  private readonly fields = new Map<string, Accumulator>();
  private records = 0;

  constructor(private readonly distinctCap: number = DEFAULT_DISTINCT_CAP) {}

  add(value: unknown): void {
    this.records++;
    const found = new Map<string, unknown>();
    leaves(value, '', found);
    for (const [path, v] of found) {
      let acc = this.fields.get(path);
      if (!acc) {
        // A field first seen now was missing (null) in every earlier record.
        acc = { nulls: this.records - 1, present: 0, min: null, max: null, distinct: new Set(), capped: false };
        this.fields.set(path, acc);
      }
      if (v === null || v === undefined) {
        acc.nulls++;
        continue;
      }
      acc.present++;
      if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string') {
        // A field of mixed types (a union of number and string) keeps the range of the type seen first.
        if (acc.min === null || acc.max === null) {
          acc.min = v;
          acc.max = v;
        } else if (typeof acc.min === typeof v) {
          if (v < acc.min) acc.min = v;
          if (v > acc.max) acc.max = v;
        }
      }
      if (!acc.capped) {
        acc.distinct.add(distinctKey(v));
        if (acc.distinct.size > this.distinctCap) {
          acc.capped = true;
          acc.distinct.clear(); // the count is now "at least the cap": the values are no longer needed
        }
      }
    }
    // Fields seen before but missing from this record count as null for it.
    for (const [path, acc] of this.fields) if (!found.has(path)) acc.nulls++;
  }

  profiles(): FieldProfile[] {
    return [...this.fields.entries()]
      .map(([path, acc]) => ({
        path,
        nullRate: this.records === 0 ? 0 : acc.nulls / this.records,
        min: acc.min,
        max: acc.max,
        distinct: acc.capped ? this.distinctCap : acc.distinct.size,
        distinctCapped: acc.capped,
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }
}
