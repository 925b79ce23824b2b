/**
 * Bounded reads of Avro arrays and maps.
 *
 * avsc trusts the block count it reads: `new Array(count)` then `count` item reads, and
 * only checks at the end whether the buffer ran out. A corrupt or hostile payload whose
 * count says 2^40 makes the process run out of memory (random 20-byte garbage against a
 * schema with an array is enough), and the stream runtime decodes untrusted payloads.
 *
 * Every item of a non-empty type takes at least one byte, so a block count larger than
 * the bytes left is corrupt. Items that take no bytes (`null`, an empty record) are
 * legal in any number, so those are held to a budget per decoded value instead.
 *
 * The guarded types are subclasses of avsc's array and map types that a `typeHook` puts
 * in place when we parse a schema (avsc freezes its type instances, and other users of
 * avsc in the process keep theirs). avsc's resolvers copy the reader type's `_read`, so
 * resolved reads are guarded too. It relies on avsc 5.7's Tap (`buf`, `pos`, `readLong`,
 * `skipLong`, `readString`, `skipString`) and on arrays and maps being built by
 * `new ArrayType(schema, opts)` / `new MapType(schema, opts)` in `Type.forSchema`.
 */
import avro from 'avsc';
import { FastdataError } from '../errors.js';

/** Items beyond the payload's byte count one decode may produce (zero-size items only). */
export const ZERO_SIZE_ITEM_BUDGET = 1 << 20;

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
  skipString(): void;
  /** Items counted in this decode beyond the bytes that were left: our own field on avsc's tap. */
  fdExcessItems?: number;
}

interface ItemReader {
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

function checkBlockCount(tap: Tap, count: number, kind: string): void {
  const left = tap.buf.length - tap.pos;
  if (count <= left) return;
  const excess = (tap.fdExcessItems ?? 0) + count;
  tap.fdExcessItems = excess;
  if (excess > ZERO_SIZE_ITEM_BUDGET) {
    throw new FastdataError(
      'FD_AVRO_DECODE_FAILED',
      `${kind} block of ${count} items with only ${left} bytes left`,
      { context: { count, bytesLeft: left } },
    );
  }
}

/** The next block count, as avsc reads it (a negative count is followed by a byte size). */
function readBlockCount(tap: Tap, kind: string): number {
  let count = tap.readLong();
  if (count < 0) {
    count = -count;
    tap.skipLong();
  }
  if (count > 0) checkBlockCount(tap, count, kind);
  return count;
}

function readArray(items: ItemReader, tap: Tap): unknown[] {
  let out: unknown[] | undefined;
  let index = 0;
  let count: number;
  while ((count = readBlockCount(tap, 'array'))) {
    // Sized on the first block, as avsc does (its ~10% speedup), now that the count is bounded.
    out ??= new Array<unknown>(count);
    while (count--) out[index++] = items._read(tap);
  }
  return out ?? [];
}

function skipArray(items: ItemReader, tap: Tap): void {
  let count: number;
  while ((count = tap.readLong())) {
    if (count < 0) {
      tap.pos += tap.readLong();
      continue;
    }
    checkBlockCount(tap, count, 'array');
    while (count--) items._skip(tap);
  }
}

function readMap(values: ItemReader, tap: Tap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count: number;
  while ((count = readBlockCount(tap, 'map'))) {
    while (count--) {
      const key = tap.readString();
      out[key] = values._read(tap);
    }
  }
  return out;
}

function skipMap(values: ItemReader, tap: Tap): void {
  let count: number;
  while ((count = tap.readLong())) {
    if (count < 0) {
      tap.pos += tap.readLong();
      continue;
    }
    checkBlockCount(tap, count, 'map');
    while (count--) {
      tap.skipString();
      values._skip(tap);
    }
  }
}

// `this` is the type, or an avsc resolver that copied these methods (its `itemsType` /
// `valuesType` are then resolvers): both have `_read` and `_skip` on their items.
const itemsOf = (collection: { itemsType: unknown }): ItemReader => collection.itemsType as ItemReader;
const valuesOf = (collection: { valuesType: unknown }): ItemReader => collection.valuesType as ItemReader;

class BoundedArrayType extends avro.types.ArrayType {
  _read(tap: Tap): unknown[] {
    return readArray(itemsOf(this), tap);
  }

  _skip(tap: Tap): void {
    skipArray(itemsOf(this), tap);
  }
}

class BoundedMapType extends avro.types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    return readMap(valuesOf(this), tap);
  }

  _skip(tap: Tap): void {
    skipMap(valuesOf(this), tap);
  }
}

/** avsc `typeHook`: arrays and maps as their bounded subclasses, everything else as avsc builds it. */
export function boundedCollectionsHook(schema: unknown, options: unknown): avro.Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const kind = (schema as { type?: unknown }).type;
  if (kind === 'array') return new BoundedArrayType(schema as avro.schema.ArrayType, options);
  if (kind === 'map') return new BoundedMapType(schema as avro.schema.MapType, options);
  return undefined;
}
