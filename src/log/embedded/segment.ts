/**
 * One segment file of a partition: `<baseOffset, 20 digits>.log`, a sequence of batches
 * (see batch-codec.ts), with an in-memory index of where each batch starts.
 *
 * Reads and writes are positional and synchronous: an append is one write() of a whole
 * batch into the page cache, which survives the process being killed; fsync (for power
 * loss) is the partition's policy. A file descriptor stays open for the life of the
 * segment so a reader keeps a consistent view while the cleaner renames a rewritten file
 * over the path.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { FastdataError } from '../../errors.js';
import type { LogRecord } from '../types.js';
import { type BatchHeader, decodeBatchRecords, readBatch } from './batch-codec.js';

export const segmentFileName = (baseOffset: number): string => `${String(baseOffset).padStart(20, '0')}.log`;
export const SEGMENT_NAME = /^(\d{20})\.log$/;

const SCAN_CHUNK = 4 * 1024 * 1024;

export interface SegmentOpenOptions {
  /** Check every batch's checksum and cut the file at the first bad or torn one (the tail segment after a crash). */
  recover: boolean;
  readOnly: boolean;
  /** Told when recovery cut the file, for the operator's log. */
  onTruncate?: (path: string, at: number, size: number, reason: string) => void;
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
    segment.scan(stat.size, options);
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

  /** Indexes batches from the current end of the index up to `fileSize`. */
  private scan(fileSize: number, options: Pick<SegmentOpenOptions, 'recover' | 'readOnly' | 'onTruncate'>): void {
    let pos = this.size;
    let bad: 'incomplete' | 'corrupt' | undefined;
    while (pos < fileSize && !bad) {
      const chunk = this.readAt(pos, Math.min(SCAN_CHUNK, fileSize - pos));
      let p = 0;
      while (p < chunk.length) {
        const result = readBatch(chunk, p, options.recover);
        if (typeof result !== 'string') {
          this.index(pos + p, result);
          p += result.size;
          continue;
        }
        const need = chunk.length - p >= 4 ? chunk.readUInt32BE(p) + 4 : 4;
        const crossesChunk = result === 'incomplete' && p + need > chunk.length && pos + p + need <= fileSize;
        if (!crossesChunk) bad = result;
        else if (p === 0) {
          // One batch larger than the scan chunk: read it whole.
          const whole = this.readAt(pos, need);
          const single = readBatch(whole, 0, options.recover);
          if (typeof single === 'string') bad = single;
          else {
            this.index(pos, single);
            p = single.size;
          }
        }
        break;
      }
      pos += p;
    }
    this.size = pos;
    if (bad && !options.readOnly) {
      ftruncateSync(this.fd, pos);
      options.onTruncate?.(this.path, pos, fileSize, bad === 'incomplete' ? 'torn batch at the tail' : 'checksum mismatch');
    }
    // A read-only view just stops at a bad batch: the writer may be in the middle of it.
  }

  private index(position: number, header: BatchHeader): void {
    this.positions.push(position);
    this.firstOffsets.push(header.baseOffset);
    this.lastOffsets.push(header.lastOffset);
    this.maxTimestamps.push(header.maxTimestamp);
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
   * A batch whose checksum fails is never served: FD_LOG_CORRUPT.
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
    while (pos < buf.length && added < maxRecords) {
      const header = readBatch(buf, pos, true);
      if (header === 'incomplete' || header === 'corrupt') {
        throw new FastdataError(
          'FD_LOG_CORRUPT',
          `${this.path}: batch at byte ${start + pos} is ${header}; the file was changed outside fastdata or the disk is failing. ` +
            `Restore the data dir from a backup, or delete the topic to start it afresh`,
          { context: { topic, partition, offset } },
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
    if (stat.size > this.size) this.scan(stat.size, { recover: true, readOnly: true });
    return true;
  }

  flush(): void {
    if (this.dirty) {
      fsyncSync(this.fd);
      this.dirty = false;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    if (!this.readOnly) this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
