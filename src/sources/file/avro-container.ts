/**
 * The framing of Avro object container files, read with explicit offsets: the header
 * (magic `Obj\x01`, metadata with the schema and codec, a 16-byte sync marker), then
 * blocks of `count`, `size`, `size` bytes of (compressed) records, and the sync marker.
 *
 * Why not avsc's BlockDecoder (createFileDecoder): it is a stream that reports no byte
 * offsets, so a position could only be "skip N records" (decoding them all again on every
 * restart), and at a damaged block it emits an error and stops, dropping what it had
 * queued. Here blocks are read at known offsets: a position is a block's offset, and a
 * damaged block is reported and skipped, reading resuming at the next sync marker
 * (`findSync`). avsc still parses the schema and decodes every record.
 */
import zlib from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';
import { snappyUncompress } from 'hyparquet';
import { FastdataError } from '../../errors.js';
import { parseAvroSchema } from '../../schema/avro.js';

const MAGIC = Buffer.from('Obj\x01', 'latin1');
/** Bytes read at once. */
const WINDOW_BYTES = 1024 * 1024;
/** A header larger than this is taken for a damaged one (schemas are kilobytes). */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** The header as a record, parsed by the repo's rules (bounded map counts: a garbled header cannot exhaust memory). */
const HEADER_TYPE = parseAvroSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
}).type;

/** Reads a file at offsets through a window of WINDOW_BYTES, so consecutive small reads cost one read call. */
export class FileWindow {
  private buf = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Bytes [offset, offset + length) of the file, fewer when the file ends before. A view: valid after later calls too. */
  async bytes(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(offset + length, this.size);
    if (end <= offset) return Buffer.alloc(0);
    if (offset >= this.start && end <= this.start + this.buf.length) return this.buf.subarray(offset - this.start, end - this.start);
    const want = Math.min(Math.max(end - offset, WINDOW_BYTES), this.size - offset);
    // A new buffer each time: views handed out earlier (records' raw bytes) stay intact.
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.buf = buf.subarray(0, got);
    this.start = offset;
    return this.buf.subarray(0, Math.min(end - offset, got));
  }
}

export interface AvroHeader {
  /** The writer's schema, as JSON. */
  schema: Record<string, unknown> | unknown[] | string;
  codec: string;
  sync: Buffer;
  /** Offset of the first block. */
  end: number;
}

function notAvro(path: string, why: string): FastdataError {
  return new FastdataError('FD_CONFIG_INVALID', `${path} is not a readable Avro object container file: ${why}; check the source's \`format:\` and that the file was written completely`, {
    context: { file: path },
  });
}

/** The file's header; FD_CONFIG_INVALID when the file is not an Avro container file or its header is cut short. */
export async function readAvroHeader(window: FileWindow, path: string): Promise<AvroHeader> {
  const magic = await window.bytes(0, MAGIC.length);
  if (!magic.equals(MAGIC)) throw notAvro(path, window.size < MAGIC.length ? `it has only ${window.size} bytes` : 'it does not start with Obj\\x01');
  for (let length = 4096; ; length *= 4) {
    const bytes = await window.bytes(0, length);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = HEADER_TYPE.decode(bytes, 0);
    } catch (error) {
      throw notAvro(path, `its header is damaged (${(error as Error).message})`);
    }
    if (decoded.offset >= 0) {
      const header = decoded.value as { meta: Record<string, Buffer>; sync: Buffer };
      const schemaText = header.meta['avro.schema']?.toString('utf8');
      if (schemaText === undefined) throw notAvro(path, 'its header has no avro.schema');
      let schema: AvroHeader['schema'];
      try {
        schema = JSON.parse(schemaText) as AvroHeader['schema'];
      } catch {
        throw notAvro(path, 'the schema in its header is not JSON');
      }
      return { schema, codec: header.meta['avro.codec']?.toString('utf8') || 'null', sync: Buffer.from(header.sync), end: decoded.offset };
    }
    if (bytes.length < length || length >= MAX_HEADER_BYTES) throw notAvro(path, `its header is cut short or damaged (not complete in its ${bytes.length} bytes)`);
  }
}

export type Decompress = (data: Buffer) => Buffer;

/** The decompressor of a codec; FD_CONFIG_INVALID naming the codecs read when it is none of them. */
export function decompressorFor(codec: string, path: string): Decompress {
  switch (codec) {
    case 'null':
      return (data) => data;
    case 'deflate':
      return (data) => zlib.inflateRawSync(data);
    case 'snappy':
      return snappyBlock;
    case 'zstandard': {
      // Node has zstd from 22.15 (and 23.8) on: used when there.
      const zstd = (zlib as { zstdDecompressSync?: (data: Buffer) => Buffer }).zstdDecompressSync;
      if (zstd) return (data) => zstd(data);
      break;
    }
  }
  throw new FastdataError(
    'FD_CONFIG_INVALID',
    `${path} is compressed with the Avro codec ${codec}, which fastdata does not read here (it reads null, deflate, snappy${'zstdDecompressSync' in zlib ? ', zstandard' : ''}); write the file with one of those`,
    { context: { file: path, codec } },
  );
}

/** Avro's snappy blocks: raw snappy data, then the CRC-32 (big-endian) of the uncompressed bytes. */
function snappyBlock(data: Buffer): Buffer {
  if (data.length < 5) throw new Error('snappy block shorter than its checksum');
  const compressed = data.subarray(0, data.length - 4);
  // Raw snappy starts with the uncompressed length, a varint.
  let length = 0;
  for (let i = 0, shift = 0; ; i++, shift += 7) {
    const byte = compressed[i];
    if (byte === undefined || shift > 28) throw new Error('snappy block with a garbled length');
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const output = Buffer.alloc(length);
  snappyUncompress(compressed, output);
  if (zlib.crc32(output) !== data.readUInt32BE(data.length - 4)) throw new Error('snappy block whose checksum does not match');
  return output;
}

export type Frame =
  | { kind: 'block'; count: number; data: Buffer; end: number; syncOk: boolean }
  | { kind: 'garbled'; why: string }
  | { kind: 'truncated' };

/** The block at `offset`: its records' bytes, where the next one starts, whether its sync marker is the file's. */
export async function frameAt(window: FileWindow, offset: number, sync: Buffer): Promise<Frame> {
  const head = await window.bytes(offset, 20);
  const count = readLong(head, 0);
  const size = count && readLong(head, count.next);
  if (!count || !size) return head.length < 20 ? { kind: 'truncated' } : { kind: 'garbled', why: 'its record count and size are not numbers' };
  if (count.value < 0 || size.value < 0) return { kind: 'garbled', why: `a negative record count or size (${count.value}, ${size.value})` };
  const dataStart = offset + size.next;
  const end = dataStart + size.value + sync.length;
  if (end > window.size) {
    // A size beyond the file: a cut file when the rest could be this block, garbled otherwise (we cannot tell; both end the readable part).
    return { kind: 'truncated' };
  }
  const data = await window.bytes(dataStart, size.value);
  const marker = await window.bytes(dataStart + size.value, sync.length);
  return { kind: 'block', count: count.value, data, end, syncOk: marker.equals(sync) };
}

/** Offset of the first sync marker at or after `from`, or undefined when there is none before the end. */
export async function findSync(window: FileWindow, from: number, sync: Buffer): Promise<number | undefined> {
  for (let at = from; at < window.size; ) {
    const chunk = await window.bytes(at, WINDOW_BYTES);
    const found = chunk.indexOf(sync);
    if (found >= 0) return at + found;
    if (at + chunk.length >= window.size) return undefined;
    // Overlap the next window so a marker across the boundary is found.
    at += chunk.length - (sync.length - 1);
  }
  return undefined;
}

/** A zigzag varint long at `pos`, and where it ends; undefined when the bytes end first or it runs past 10 bytes. */
function readLong(buf: Buffer, pos: number): { value: number; next: number } | undefined {
  let n = 0;
  for (let i = pos, shift = 0; i < buf.length && shift < 70; i++, shift += 7) {
    const byte = buf[i]!;
    n += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value: n % 2 === 0 ? n / 2 : -(n + 1) / 2, next: i + 1 };
  }
  return undefined;
}
