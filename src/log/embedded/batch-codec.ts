/**
 * The on-disk format of the embedded log: a segment file is a sequence of record batches.
 *
 *   batch   = length:u32  crc:u32  magic:u8  baseOffset:f64  lastOffsetDelta:u32
 *             baseTimestamp:f64  maxTimestamp:f64  count:u32  record*
 *   record  = attributes:u8  offsetDelta:varint  timestampDelta:zigzag-varint
 *             [keyLength:varint key] [valueLength:varint value]
 *             headerCount:varint (keyLength:varint key valueLength:varint value)*
 *
 * `length` counts the bytes after itself; `crc` (CRC-32, zlib's) covers everything after
 * itself. A batch is written with one write() call, so a process killed mid-append leaves
 * at most one torn batch at the tail, which the CRC exposes on open. Offsets inside a batch
 * are deltas, so compaction can drop records and keep the survivors' offsets (gaps, like Kafka).
 * Big-endian fixed fields; f64 holds offsets and timestamps exactly up to 2^53.
 */
import { crc32 } from 'node:zlib';
import type { Headers, LogRecord } from '../types.js';

export const BATCH_HEADER_BYTES = 41;
const MAGIC = 1;
const KEY_PRESENT = 1;
const VALUE_PRESENT = 2;

/** A record to append: offsets are given by the log, consecutive from the batch's first. */
export interface AppendRecordInput {
  timestamp: number;
  /** A string key is ASCII, one byte per character, written as it is (no Buffer per record). */
  key: Buffer | string | null;
  value: Buffer | null;
  /** Header names already encoded, to size the batch once. */
  headers: readonly (readonly [Buffer, Buffer])[] | null;
}

/** A record with its own offset (compaction rewrites survivors with theirs, gaps and all). */
export interface BatchRecordInput extends AppendRecordInput {
  offset: number;
}

export interface BatchHeader {
  /** Bytes of the whole batch, header included. */
  size: number;
  baseOffset: number;
  lastOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  count: number;
}

const EMPTY_HEADERS: Headers = Object.freeze({}) as Headers;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, value: number): number {
  while (value >= 128) {
    buf[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/**
 * Copies `source` into `target` at `pos`; returns the position after it. Keys and header
 * names are a few bytes: a loop copies those faster than a call into the TypedArray
 * builtin, which wins from a few dozen bytes on.
 */
function put(target: Buffer, pos: number, source: Buffer): number {
  const n = source.length;
  if (n <= 16) {
    for (let i = 0; i < n; i++) target[pos + i] = source[i]!;
  } else {
    target.set(source, pos);
  }
  return pos + n;
}

/** `put` for an ASCII string. */
function putAscii(target: Buffer, pos: number, source: string): number {
  const n = source.length;
  for (let i = 0; i < n; i++) target[pos + i] = source.charCodeAt(i);
  return pos + n;
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

/**
 * Encodes records into one batch: with `firstOffset` (an append), the records get
 * consecutive offsets from it; without, each has its own (offsets ascending, the first one
 * the batch's base).
 *
 * Called for every append with thousands of records, so it is written with indexed loops
 * and no per-record allocation.
 */
export function encodeBatch(records: readonly BatchRecordInput[]): Buffer;
export function encodeBatch(records: readonly AppendRecordInput[], firstOffset: number): Buffer;
export function encodeBatch(records: readonly (AppendRecordInput & { offset?: number })[], firstOffset?: number): Buffer {
  const count = records.length;
  const first = records[0];
  if (!first) throw new Error('encodeBatch: no records');
  const consecutive = firstOffset !== undefined;
  const baseOffset = consecutive ? firstOffset : first.offset!;
  const lastOffset = consecutive ? firstOffset + count - 1 : records[count - 1]!.offset!;
  const baseTimestamp = first.timestamp;
  let maxTimestamp = baseTimestamp;
  let size = BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    size += 1 + varintSize(consecutive ? i : r.offset! - baseOffset) + varintSize(zigzag(r.timestamp - baseTimestamp));
    const { key, value, headers } = r;
    if (key !== null) size += varintSize(key.length) + key.length;
    if (value) size += varintSize(value.length) + value.length;
    size += varintSize(headers ? headers.length : 0);
    if (headers) {
      for (let h = 0; h < headers.length; h++) {
        const [k, v] = headers[h]!;
        size += varintSize(k.length) + k.length + varintSize(v.length) + v.length;
      }
    }
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt32BE(size - 4, 0);
  buf[8] = MAGIC;
  buf.writeDoubleBE(baseOffset, 9);
  buf.writeUInt32BE(lastOffset - baseOffset, 17);
  buf.writeDoubleBE(baseTimestamp, 21);
  buf.writeDoubleBE(maxTimestamp, 29);
  buf.writeUInt32BE(count, 37);
  let pos = BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const { key, value, headers } = r;
    buf[pos++] = (key !== null ? KEY_PRESENT : 0) | (value ? VALUE_PRESENT : 0);
    pos = writeVarint(buf, pos, consecutive ? i : r.offset! - baseOffset);
    pos = writeVarint(buf, pos, zigzag(r.timestamp - baseTimestamp));
    if (key !== null) {
      pos = writeVarint(buf, pos, key.length);
      pos = typeof key === 'string' ? putAscii(buf, pos, key) : put(buf, pos, key);
    }
    if (value) {
      pos = writeVarint(buf, pos, value.length);
      pos = put(buf, pos, value);
    }
    pos = writeVarint(buf, pos, headers ? headers.length : 0);
    if (headers) {
      for (let h = 0; h < headers.length; h++) {
        const [k, v] = headers[h]!;
        pos = writeVarint(buf, pos, k.length);
        pos = put(buf, pos, k);
        pos = writeVarint(buf, pos, v.length);
        pos = put(buf, pos, v);
      }
    }
  }
  buf.writeUInt32BE(crc32(buf.subarray(8)), 4);
  return buf;
}

export type HeaderReadResult = BatchHeader | 'incomplete' | 'corrupt';

/**
 * Reads and checks the batch starting at `pos` in `buf`. `incomplete` means the bytes end
 * before the batch does (a torn tail, or a write still under way seen by another process);
 * `corrupt` means the batch is all there but its checksum or framing is wrong.
 */
export function readBatch(buf: Buffer, pos: number, verifyCrc = true): HeaderReadResult {
  if (buf.length - pos < BATCH_HEADER_BYTES) return 'incomplete';
  const length = buf.readUInt32BE(pos);
  if (length < BATCH_HEADER_BYTES - 4) return 'corrupt';
  if (buf.length - pos < length + 4) return 'incomplete';
  if (buf[pos + 8] !== MAGIC) return 'corrupt';
  if (verifyCrc && crc32(buf.subarray(pos + 8, pos + 4 + length)) !== buf.readUInt32BE(pos + 4)) return 'corrupt';
  const baseOffset = buf.readDoubleBE(pos + 9);
  return {
    size: length + 4,
    baseOffset,
    lastOffset: baseOffset + buf.readUInt32BE(pos + 17),
    baseTimestamp: buf.readDoubleBE(pos + 21),
    maxTimestamp: buf.readDoubleBE(pos + 29),
    count: buf.readUInt32BE(pos + 37),
  };
}

/**
 * Whether a batch read at some position fits where it was found: offsets after
 * `lastOffsetBefore` (the previous batch's last), whole numbers, as many records as its
 * offset span allows at most, finite timestamps. A header read without its checksum
 * (segments below the recovery point are walked that way) must pass this before it is
 * indexed: a damaged length or offset would otherwise send the index astray.
 */
export function headerFits(header: BatchHeader, lastOffsetBefore: number): boolean {
  return (
    Number.isSafeInteger(header.baseOffset) &&
    header.baseOffset > lastOffsetBefore &&
    Number.isSafeInteger(header.lastOffset) &&
    header.count >= 1 &&
    header.count <= header.lastOffset - header.baseOffset + 1 &&
    Number.isFinite(header.baseTimestamp) &&
    Number.isFinite(header.maxTimestamp)
  );
}

/**
 * A cheap first look, before the checksum, at whether a batch could start at `pos` (the
 * `available` bytes from `pos` to the end of the file): its magic byte, a length that
 * fits, a base offset after `lastOffsetBefore`. Used to find the next intact batch after
 * a damaged one, byte by byte.
 */
export function mayStartBatch(buf: Buffer, pos: number, available: number, lastOffsetBefore: number): boolean {
  if (available < BATCH_HEADER_BYTES || buf.length - pos < BATCH_HEADER_BYTES) return false;
  if (buf[pos + 8] !== MAGIC) return false;
  const length = buf.readUInt32BE(pos);
  if (length < BATCH_HEADER_BYTES - 4 || length + 4 > available) return false;
  const baseOffset = buf.readDoubleBE(pos + 9);
  return Number.isSafeInteger(baseOffset) && baseOffset > lastOffsetBefore;
}

/**
 * Decodes the records of the (already checked) batch at `pos`, appending to `out` those at
 * or after `minOffset`, at most `limit` of them. Keys, values and header values are views
 * into `buf`, not copies. Returns how many were appended.
 */
// The decoder's read position, shared by the varint reader below: returning [value, pos]
// pairs would allocate an array per field on the hottest path of the log.
let cursor = 0;

function varint(buf: Buffer): number {
  let value = 0;
  let mul = 1;
  let byte: number;
  do {
    byte = buf[cursor++]!;
    value += (byte & 0x7f) * mul;
    mul *= 128;
  } while (byte & 0x80);
  return value;
}

export function decodeBatchRecords(
  buf: Buffer,
  pos: number,
  header: BatchHeader,
  topic: string,
  partition: number,
  minOffset: number,
  out: LogRecord[],
  limit: number,
): number {
  cursor = pos + BATCH_HEADER_BYTES;
  let added = 0;
  const end = pos + header.size;
  for (let i = 0; i < header.count && added < limit; i++) {
    const attributes = buf[cursor++]!;
    const offset = header.baseOffset + varint(buf);
    const timestamp = header.baseTimestamp + unzigzag(varint(buf));
    let key: Buffer | null = null;
    let value: Buffer | null = null;
    if (attributes & KEY_PRESENT) {
      const n = varint(buf);
      key = buf.subarray(cursor, cursor + n);
      cursor += n;
    }
    if (attributes & VALUE_PRESENT) {
      const n = varint(buf);
      value = buf.subarray(cursor, cursor + n);
      cursor += n;
    }
    const headerCount = varint(buf);
    let headers = EMPTY_HEADERS;
    if (headerCount > 0) {
      headers = {};
      for (let h = 0; h < headerCount; h++) {
        let n = varint(buf);
        const name = buf.toString('utf8', cursor, cursor + n);
        cursor += n;
        n = varint(buf);
        headers[name] = buf.subarray(cursor, cursor + n);
        cursor += n;
      }
    }
    if (cursor > end) throw new Error(`record at offset ${offset} overruns its batch`);
    if (offset >= minOffset) {
      out.push({ topic, partition, offset, timestamp, key, value, headers });
      added++;
    }
  }
  return added;
}
