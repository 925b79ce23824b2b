/**
 * One segment file of a partition: `<baseOffset, 20 digits>.log`, a sequence of batches
 * (see batch-codec.ts), with an in-memory index of where each batch starts.
 *
 * Reads and writes are positional and synchronous: an append is one write() of a whole
 * batch into the page cache, which survives the process being killed; fsync (for power
 * loss) is the partition's policy. A file descriptor stays open for the life of the
 * segment so a reader keeps a consistent view while the cleaner renames a rewritten file
 * over the path.
 *
 * Opening a segment for writing indexes every batch that reads back whole and finds the
 * byte ranges that do not (`damaged`): each one from a batch that fails (its checksum,
 * its framing, or the bytes end inside it) to the next intact batch, found byte by byte,
 * or to the end of the file. What to make of them (a torn tail to cut, or acknowledged
 * records to quarantine) is the partition's call: it knows the recovery point
 * (partition-log.ts). A read-only view stops at the first such batch instead: the writer
 * may be in the middle of it.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { FastdataError } from '../../errors.js';
import type { LogRecord } from '../types.js';
import { BATCH_HEADER_BYTES, type BatchHeader, decodeBatchRecords, headerFits, mayStartBatch, readBatch } from './batch-codec.js';
import { fsyncDir, writeAllSync } from './durable-file.js';

export const segmentFileName = (baseOffset: number): string => `${String(baseOffset).padStart(20, '0')}.log`;
export const SEGMENT_NAME = /^(\d{20})\.log$/;

const SCAN_CHUNK = 4 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export interface SegmentOpenOptions {
  /** Check every batch's checksum (segments past the recovery point), not only its framing. */
  verify: boolean;
  readOnly: boolean;
}

/** Bytes of a segment that do not read back as batches (see the file comment). */
export interface DamagedRange {
  /** File position of the first batch that failed. */
  start: number;
  /** File position of the next intact batch, or the end of the file. */
  end: number;
  /** Last offset of the intact batch before it (the segment's base offset - 1 at its start). */
  lastOffsetBefore: number;
  /** First offset of the intact batch after it; undefined when none follows in this file. */
  firstOffsetAfter: number | undefined;
  /** `incomplete`: the file ends inside the batch; `corrupt`: its checksum or framing is wrong. */
  kind: 'incomplete' | 'corrupt';
}

/** Reads a file in windows of SCAN_CHUNK bytes, for scanning it batch by batch (or byte by byte). */
class FileWindow {
  buf: Buffer = EMPTY;
  start = 0;

  constructor(
    private readonly readAt: (position: number, length: number) => Buffer,
    readonly fileSize: number,
  ) {}

  /** Brings `[pos, pos + length)` (cut at the end of the file) into the window; returns where `pos` is in `buf`. */
  at(pos: number, length: number): number {
    const end = Math.min(pos + length, this.fileSize);
    if (pos < this.start || end > this.start + this.buf.length) {
      this.buf = this.readAt(pos, Math.max(end - pos, Math.min(SCAN_CHUNK, this.fileSize - pos)));
      this.start = pos;
    }
    return pos - this.start;
  }
}

export class Segment {
  readonly path: string;
  readonly baseOffset: number;
  private fd: number;
  private readonly readOnly: boolean;
  /** Bytes of complete batches. */
  size = 0;
  /** When the segment was created (file birth or first append), for segment.ms rolling. */
  readonly createdAt: number;
  /** What opening found that does not read back (writer only); the partition cuts or quarantines it before any read. */
  damaged: DamagedRange[] = [];
  // Parallel arrays, one entry per batch: cheaper than an object per batch.
  private positions: number[] = [];
  private lastOffsets: number[] = [];
  private maxTimestamps: number[] = [];
  private firstOffsets: number[] = [];
  private dirty = false;
  private inode: number;

  private constructor(path: string, baseOffset: number, fd: number, readOnly: boolean, createdAt: number, inode: number) {
    this.path = path;
    this.baseOffset = baseOffset;
    this.fd = fd;
    this.readOnly = readOnly;
    this.createdAt = createdAt;
    this.inode = inode;
  }

  static create(path: string, baseOffset: number, now: number): Segment {
    const fd = openSync(path, 'wx+');
    const stat = fstatSync(fd);
    return new Segment(path, baseOffset, fd, false, now, stat.ino);
  }

  static open(path: string, baseOffset: number, options: SegmentOpenOptions): Segment {
    const fd = openSync(path, options.readOnly ? 'r' : 'r+');
    const stat = fstatSync(fd);
    const segment = new Segment(path, baseOffset, fd, options.readOnly, stat.birthtimeMs || stat.mtimeMs, stat.ino);
    segment.damaged = segment.scan(stat.size, options.verify);
    return segment;
  }

  get batchCount(): number {
    return this.positions.length;
  }

  /** Offset of the first record, or undefined if the segment is empty. */
  get firstOffset(): number | undefined {
    return this.firstOffsets[0];
  }

  /** Offset of the last record, or undefined if the segment is empty. */
  get lastOffset(): number | undefined {
    return this.lastOffsets[this.lastOffsets.length - 1];
  }

  get maxTimestamp(): number {
    let max = -Infinity;
    for (const t of this.maxTimestamps) if (t > max) max = t;
    return max;
  }

  /**
   * Indexes batches from the current end of the index up to `fileSize`. A writer goes on
   * past a batch that fails, from the next intact one, and returns the ranges it skipped;
   * a read-only view stops there.
   */
  private scan(fileSize: number, verify: boolean): DamagedRange[] {
    const damaged: DamagedRange[] = [];
    const window = new FileWindow((position, length) => this.readAt(position, length), fileSize);
    let pos = this.size;
    let lastOffset = this.lastOffset ?? this.baseOffset - 1;
    while (pos < fileSize) {
      const found = this.batchAt(window, pos, verify, lastOffset);
      if (typeof found !== 'string') {
        this.index(pos, found);
        lastOffset = found.lastOffset;
        pos += found.size;
        this.size = pos;
        continue;
      }
      if (this.readOnly) break;
      const next = this.nextIntactBatch(window, pos, lastOffset);
      damaged.push({ start: pos, end: next?.position ?? fileSize, lastOffsetBefore: lastOffset, firstOffsetAfter: next?.header.baseOffset, kind: found });
      if (!next) break;
      pos = next.position;
    }
    return damaged;
  }

  /** The batch at `pos` if it reads back whole (checksum too with `verify`) and fits after `lastOffset`. */
  private batchAt(window: FileWindow, pos: number, verify: boolean, lastOffset: number): BatchHeader | 'incomplete' | 'corrupt' {
    const available = window.fileSize - pos;
    if (available < BATCH_HEADER_BYTES) return 'incomplete';
    let at = window.at(pos, BATCH_HEADER_BYTES);
    const size = window.buf.readUInt32BE(at) + 4;
    if (size < BATCH_HEADER_BYTES) return 'corrupt';
    if (size > available) return 'incomplete';
    at = window.at(pos, size);
    const header = readBatch(window.buf, at, verify);
    if (typeof header === 'string') return header;
    return headerFits(header, lastOffset) ? header : 'corrupt';
  }

  /**
   * The first intact batch (checksum and all) after the failed one at `failed`: where the
   * failed batch's length says it ends if a batch is there, else the first position,
   * byte by byte, where one is.
   */
  private nextIntactBatch(window: FileWindow, failed: number, lastOffset: number): { position: number; header: BatchHeader } | undefined {
    const { fileSize } = window;
    if (fileSize - failed >= 4) {
      const at = window.at(failed, 4);
      const claimed = failed + window.buf.readUInt32BE(at) + 4;
      if (claimed > failed + 4 && claimed < fileSize) {
        const header = this.batchAt(window, claimed, true, lastOffset);
        if (typeof header !== 'string') return { position: claimed, header };
      }
    }
    for (let q = failed + 1; q + BATCH_HEADER_BYTES <= fileSize; q++) {
      const at = window.at(q, BATCH_HEADER_BYTES);
      if (!mayStartBatch(window.buf, at, fileSize - q, lastOffset)) continue;
      const header = this.batchAt(window, q, true, lastOffset);
      if (typeof header !== 'string') return { position: q, header };
    }
    return undefined;
  }

  private index(position: number, header: BatchHeader): void {
    this.positions.push(position);
    this.firstOffsets.push(header.baseOffset);
    this.lastOffsets.push(header.lastOffset);
    this.maxTimestamps.push(header.maxTimestamp);
  }

  private clearIndex(): void {
    this.positions = [];
    this.firstOffsets = [];
    this.lastOffsets = [];
    this.maxTimestamps = [];
    this.size = 0;
  }

  private readAt(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.fd, buf, read, length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    return read === length ? buf : buf.subarray(0, read);
  }

  /** The damaged range starting at the indexed batch at `position` (found failing by a read), to the next intact batch. */
  damageAt(position: number): DamagedRange {
    const i = this.positions.indexOf(position);
    if (i < 0) throw new FastdataError('FD_INTERNAL', `${this.path}: no batch starts at byte ${position}`);
    const lastOffsetBefore = i > 0 ? this.lastOffsets[i - 1]! : this.baseOffset - 1;
    const fileSize = fstatSync(this.fd).size;
    const window = new FileWindow((p, length) => this.readAt(p, length), fileSize);
    const next = this.nextIntactBatch(window, position, lastOffsetBefore);
    return { start: position, end: next?.position ?? fileSize, lastOffsetBefore, firstOffsetAfter: next?.header.baseOffset, kind: 'corrupt' };
  }

  /** Copies bytes `[start, end)` of this segment to a new file at `path`, fsynced. */
  copyRangeTo(path: string, start: number, end: number): void {
    const out = openSync(path, 'w');
    try {
      for (let p = start; p < end; ) {
        const chunk = this.readAt(p, Math.min(SCAN_CHUNK, end - p));
        if (chunk.length === 0) break;
        writeAllSync(out, chunk, p - start);
        p += chunk.length;
      }
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    fsyncDir(dirname(path));
  }

  /** Cuts the file at `position` (a torn tail) and fsyncs it. */
  truncate(position: number): void {
    ftruncateSync(this.fd, position);
    fsyncSync(this.fd);
    this.damaged = this.damaged.filter((d) => d.start < position);
    this.dirty = false;
  }

  /**
   * Rewrites the file without the byte ranges `cut` (quarantined or torn), as a new file
   * renamed over this one (fsynced, then the directory), and indexes it afresh. A crash
   * leaves either file whole; a read-only view sees the new inode and reloads.
   */
  rewriteWithout(cut: readonly { start: number; end: number }[]): void {
    const ranges = [...cut].sort((a, b) => a.start - b.start);
    const fileSize = fstatSync(this.fd).size;
    const tmp = `${this.path}.repaired`;
    const out = openSync(tmp, 'w');
    try {
      let written = 0;
      const copy = (from: number, to: number) => {
        for (let p = from; p < to; ) {
          const chunk = this.readAt(p, Math.min(SCAN_CHUNK, to - p));
          if (chunk.length === 0) break;
          writeAllSync(out, chunk, written);
          written += chunk.length;
          p += chunk.length;
        }
      };
      let from = 0;
      for (const r of ranges) {
        copy(from, r.start);
        from = Math.max(from, r.end);
      }
      copy(from, fileSize);
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, this.path);
    fsyncDir(dirname(this.path));
    closeSync(this.fd);
    this.fd = openSync(this.path, this.readOnly ? 'r' : 'r+');
    const stat = fstatSync(this.fd);
    this.inode = stat.ino;
    this.dirty = false;
    this.clearIndex();
    const left = this.scan(stat.size, true);
    if (left.length > 0) {
      throw new FastdataError('FD_LOG_CORRUPT', `${this.path}: the batches kept from a damaged segment do not read back after it was rewritten; the disk is failing`, {
        context: { file: this.path },
      });
    }
    this.damaged = [];
  }

  /** Appends one encoded batch. */
  append(batch: Buffer, header: BatchHeader): void {
    if (this.readOnly) throw new FastdataError('FD_LOG_READ_ONLY', `segment ${this.path} is open read-only`);
    let written = 0;
    try {
      while (written < batch.length) written += writeSync(this.fd, batch, written, batch.length - written, this.size + written);
    } catch (error) {
      // Nothing is indexed: the next append writes over whatever part of this one reached the file.
      throw new FastdataError('FD_LOG_IO', `cannot append to ${this.path}: ${(error as Error).message}; free disk space or fix the permissions of the data dir, then retry`, {
        cause: error,
      });
    }
    this.index(this.size, header);
    this.size += batch.length;
    this.dirty = true;
  }

  /**
   * Appends to `out` the records at or after `offset`, reading whole batches until about
   * `maxBytes` (always at least one batch) or `maxRecords`. Returns the number appended.
   * A batch whose checksum fails is never served: FD_LOG_CORRUPT, with the batch's file
   * position in `context.position` (the writer quarantines it, partition-log.ts).
   *
   * The file is read only as far as the batches up to `maxRecords` go (by their offsets,
   * an upper bound of their records, as compaction leaves gaps), not to `maxBytes`: a
   * consumer asking for 10,000 small records would otherwise copy 4 MB to use a tenth.
   */
  read(offset: number, maxBytes: number, maxRecords: number, topic: string, partition: number, out: LogRecord[]): number {
    const first = this.batchIndexFor(offset);
    if (first < 0) return 0;
    const start = this.positions[first]!;
    let last = first;
    while (
      last + 1 < this.positions.length &&
      this.positions[last + 1]! - start < maxBytes &&
      this.lastOffsets[last]! - offset + 1 < maxRecords
    ) {
      last++;
    }
    const end = last + 1 < this.positions.length ? this.positions[last + 1]! : this.size;
    const buf = this.readAt(start, end - start);
    let added = 0;
    let pos = 0;
    for (let i = first; pos < buf.length && added < maxRecords; i++) {
      const header = readBatch(buf, pos, true);
      if (header === 'incomplete' || header === 'corrupt') {
        const firstOffset = this.firstOffsets[i];
        throw new FastdataError(
          'FD_LOG_CORRUPT',
          `${this.path}: batch at byte ${start + pos}${firstOffset === undefined ? '' : ` (offsets from ${firstOffset})`} is ${header}; the file was changed outside fastdata or the disk is failing`,
          { context: { topic, partition, offset, file: this.path, position: start + pos } },
        );
      }
      added += decodeBatchRecords(buf, pos, header, topic, partition, offset, out, maxRecords - added);
      pos += header.size;
    }
    return added;
  }

  /** Index of the first batch holding an offset >= `offset`, or -1. */
  private batchIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.lastOffsets.length - 1;
    if (hi < 0 || this.lastOffsets[hi]! < offset) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lastOffsets[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First offset of the first batch whose newest record is at or after `timestamp`, like Kafka's time index. */
  firstBatchAtOrAfter(timestamp: number): number | undefined {
    for (let i = 0; i < this.maxTimestamps.length; i++) if (this.maxTimestamps[i]! >= timestamp) return this.firstOffsets[i];
    return undefined;
  }

  /** Picks up batches another process appended (read-only views). Returns false if the file was replaced or removed. */
  refresh(): boolean {
    let stat;
    try {
      stat = statSync(this.path);
    } catch {
      return false;
    }
    if (stat.ino !== this.inode) return false;
    if (stat.size > this.size) this.scan(stat.size, true);
    return true;
  }

  /** Fsyncs what was appended since the last flush (everything with `force`: after recovery); returns whether it fsynced. */
  flush(force = false): boolean {
    if (!this.dirty && !force) return false;
    fsyncSync(this.fd);
    this.dirty = false;
    return true;
  }

  close(): void {
    if (this.fd < 0) return;
    if (!this.readOnly) this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
