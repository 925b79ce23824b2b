/**
 * A partition's recovery point, as Kafka's recovery-point-offset-checkpoint keeps it: the
 * offset below which every record was fsynced. It is written after every fsync of the
 * partition's segments (every append with `fsync: 'always'`, every flush interval with
 * `'interval'`, at each segment roll and at close with `'never'`) and fsynced itself, so
 * on open the partition knows which bytes had reached the disk: a batch that fails below
 * the recovery point is damage to acknowledged data (quarantined, never cut); one past it
 * at the tail is a torn write (cut).
 *
 * The file, `<partition dir>/recovery-point`, is two slots of 64 bytes written in turn,
 * each whole or detectably not (a power loss in the middle of one leaves the other):
 *
 *   slot = magic:u32 ("FDRP")  version:u8  reserved:3  sequence:f64  offset:f64
 *          segment:f64  bytes:f64  crc:u32 (CRC-32 of the 40 bytes before it)  zero:20
 *
 * `offset` is the recovery point; `segment` the base offset of the segment the fsynced
 * bytes end in and `bytes` how many of its bytes were fsynced. The slot with the higher
 * sequence among the valid ones holds the current value. Big-endian, like the segments.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir, writeAllSync } from './durable-file.js';

export const RECOVERY_POINT_FILE = 'recovery-point';

const SLOT_BYTES = 64;
const MAGIC = 0x46445250;
const VERSION = 1;

export interface RecoveryPoint {
  /** Every record below this offset was fsynced. */
  offset: number;
  /** Base offset of the segment the fsynced bytes end in. */
  segment: number;
  /** Bytes of that segment that were fsynced. */
  bytes: number;
}

interface Slot extends RecoveryPoint {
  sequence: number;
}

function decodeSlot(buf: Buffer, at: number): Slot | undefined {
  if (buf.length < at + SLOT_BYTES) return undefined;
  if (buf.readUInt32BE(at) !== MAGIC || buf[at + 4] !== VERSION) return undefined;
  if (crc32(buf.subarray(at, at + 40)) !== buf.readUInt32BE(at + 40)) return undefined;
  const slot = { sequence: buf.readDoubleBE(at + 8), offset: buf.readDoubleBE(at + 16), segment: buf.readDoubleBE(at + 24), bytes: buf.readDoubleBE(at + 32) };
  return [slot.sequence, slot.offset, slot.segment, slot.bytes].every((n) => Number.isSafeInteger(n) && n >= 0) ? slot : undefined;
}

function encodeSlot(slot: Slot): Buffer {
  const buf = Buffer.alloc(SLOT_BYTES);
  buf.writeUInt32BE(MAGIC, 0);
  buf[4] = VERSION;
  buf.writeDoubleBE(slot.sequence, 8);
  buf.writeDoubleBE(slot.offset, 16);
  buf.writeDoubleBE(slot.segment, 24);
  buf.writeDoubleBE(slot.bytes, 32);
  buf.writeUInt32BE(crc32(buf.subarray(0, 40)), 40);
  return buf;
}

export class RecoveryPointFile {
  readonly path: string;
  /** The value on disk (undefined if there is none yet, or none readable). */
  point: RecoveryPoint | undefined;
  /** Why an existing file could not be used, for the open warning. */
  readonly problem: string | undefined;
  private sequence = 0;
  private fd = -1;

  constructor(path: string) {
    this.path = path;
    let buf: Buffer | undefined;
    try {
      buf = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `cannot read ${path}: ${(error as Error).message}`;
    }
    if (buf) {
      const slots = [decodeSlot(buf, 0), decodeSlot(buf, SLOT_BYTES)].filter((s): s is Slot => s !== undefined);
      const current = slots.sort((a, b) => b.sequence - a.sequence)[0];
      if (current) {
        this.sequence = current.sequence;
        this.point = { offset: current.offset, segment: current.segment, bytes: current.bytes };
      } else {
        this.problem = `${path} has no readable recovery point (both slots fail their checksum)`;
      }
    }
  }

  /** Writes `point` to the slot not holding the current value, and fdatasyncs it. */
  write(point: RecoveryPoint): void {
    if (this.fd < 0) {
      const created = this.point === undefined;
      this.fd = openSync(this.path, created ? 'w+' : 'r+');
      if (created) fsyncDir(dirname(this.path));
    }
    const sequence = this.sequence + 1;
    writeAllSync(this.fd, encodeSlot({ sequence, ...point }), (sequence % 2) * SLOT_BYTES);
    fdatasyncSync(this.fd);
    this.sequence = sequence;
    this.point = { ...point };
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
