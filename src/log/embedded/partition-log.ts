/**
 * One partition of the embedded log: a folder of segments, the newest one active.
 *
 * Appends go to the active segment, which rolls past `segmentBytes` or `segmentMs`. Only
 * closed segments are deleted by retention or rewritten by compaction, as in Kafka, so
 * the end offset is always held by the active segment and never moves backwards.
 */
import { mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FastdataError } from '../../errors.js';
import type { LogRecord, TopicConfig } from '../types.js';
import { type AppendRecordInput, encodeBatch, readBatch } from './batch-codec.js';
import { compactSegments } from './compactor.js';
import { SEGMENT_NAME, Segment, segmentFileName } from './segment.js';

/** Bytes read at a time when scanning for a timestamp. */
const SCAN_BYTES = 1024 * 1024;

export interface PartitionLogOptions {
  readOnly: boolean;
  fsyncEachAppend: boolean;
  now: () => number;
  onWarning: (message: string) => void;
}

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  config: TopicConfig;
  private segments: Segment[] = [];
  private readonly options: PartitionLogOptions;
  /** Offset the next record will get. */
  nextOffset = 0;
  /** Offsets below this were compacted already; only segments above it make the partition dirty. */
  private cleanedUpTo = 0;
  private listeners = new Set<() => void>();

  private constructor(dir: string, topic: string, partition: number, config: TopicConfig, options: PartitionLogOptions) {
    this.dir = dir;
    this.topic = topic;
    this.partition = partition;
    this.config = config;
    this.options = options;
  }

  static open(dir: string, topic: string, partition: number, config: TopicConfig, options: PartitionLogOptions): PartitionLog {
    const log = new PartitionLog(dir, topic, partition, config, options);
    if (!options.readOnly) {
      mkdirSync(dir, { recursive: true });
      log.finishInterruptedCleaning();
    }
    log.loadSegments();
    return log;
  }

  /** Completes or discards what a crash left of a compaction (see compactor.ts). */
  private finishInterruptedCleaning(): void {
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith('.cleaned')) unlinkSync(join(this.dir, name));
    }
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.log.swap')) continue;
      // A .swap file is a complete, fsynced merge of the segments from its base offset up
      // to its last offset: drop those segments and put the swap in their place.
      const swapPath = join(this.dir, name);
      const base = Number(name.slice(0, 20));
      const swap = Segment.open(swapPath, base, { recover: true, readOnly: true });
      const last = swap.lastOffset ?? base;
      swap.close();
      for (const other of readdirSync(this.dir)) {
        const match = SEGMENT_NAME.exec(other);
        if (match && Number(match[1]) > base && Number(match[1]) <= last) unlinkSync(join(this.dir, other));
      }
      renameSync(swapPath, join(this.dir, segmentFileName(base)));
    }
  }

  private loadSegments(): void {
    const bases = readdirSync(this.dir)
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const { readOnly } = this.options;
    this.segments = bases.map((base, i) =>
      Segment.open(join(this.dir, segmentFileName(base)), base, {
        // The tail segment is where a crash tears a write; the closed ones were complete when they rolled.
        recover: i === bases.length - 1,
        readOnly,
        onTruncate: (path, at, size, reason) =>
          this.options.onWarning(`${path}: ${reason}; cut the file from ${size} to ${at} bytes (records past the last complete batch were never acknowledged)`),
      }),
    );
    if (this.segments.length === 0) {
      if (readOnly) {
        this.nextOffset = 0;
        return;
      }
      this.segments.push(Segment.create(join(this.dir, segmentFileName(0)), 0, this.options.now()));
    }
    const active = this.active;
    this.nextOffset = active.lastOffset === undefined ? active.baseOffset : active.lastOffset + 1;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** The first offset still in the log. */
  get startOffset(): number {
    for (const s of this.segments) if (s.firstOffset !== undefined) return s.firstOffset;
    return this.nextOffset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  /**
   * Appends records (offsets assigned here) as one batch, and returns the first offset
   * given. One batch is one write with one checksum: after a crash it is there whole or
   * not at all, which is what makes a checkpoint written in one call atomic.
   */
  append(records: readonly AppendRecordInput[], now: number): number {
    const first = this.nextOffset;
    const batch = encodeBatch(records, first);
    const header = readBatch(batch, 0, false);
    if (typeof header === 'string') throw new FastdataError('FD_INTERNAL', `encoded batch reads back as ${header}`);
    this.rollIfDue(batch.length, now);
    this.active.append(batch, header);
    this.nextOffset += records.length;
    if (this.options.fsyncEachAppend) this.active.flush();
    this.notify();
    return first;
  }

  private rollIfDue(incoming: number, now: number): void {
    const active = this.active;
    if (active.size === 0) return;
    if (active.size + incoming <= this.config.segmentBytes && now - active.createdAt < this.config.segmentMs) return;
    active.flush();
    this.segments.push(Segment.create(join(this.dir, segmentFileName(this.nextOffset)), this.nextOffset, now));
  }

  /** Reads records at or after `offset` into `out`; returns how many. */
  read(offset: number, maxRecords: number, maxBytes: number, out: LogRecord[]): number {
    let added = 0;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length && added < maxRecords; i++) {
      const segment = this.segments[i]!;
      const before = out.length;
      added += segment.read(offset, maxBytes, maxRecords - added, this.topic, this.partition, out);
      if (out.length > before) {
        // Stop at the first segment that had records: the caller asks again from there.
        break;
      }
    }
    return added;
  }

  /** Index of the last segment whose base offset is <= offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  offsetForTime(timestamp: number): number {
    for (const segment of this.segments) {
      const batchStart = segment.firstBatchAtOrAfter(timestamp);
      if (batchStart === undefined) continue;
      const records: LogRecord[] = [];
      let from = batchStart;
      // Scan the batch (and, if its only late records are earlier, the following ones).
      for (;;) {
        records.length = 0;
        if (this.read(from, 1000, SCAN_BYTES, records) === 0) return this.nextOffset;
        const hit = records.find((r) => r.timestamp >= timestamp);
        if (hit) return hit.offset;
        from = records[records.length - 1]!.offset + 1;
      }
    }
    return this.nextOffset;
  }

  /** Calls `listener` after every append (or, for a read-only view, every refresh) until unsubscribed. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Deletes closed segments past retention (time or size). Returns how many were deleted. */
  applyRetention(now: number): number {
    const { retentionMs, retentionBytes, cleanupPolicy } = this.config;
    if (!cleanupPolicy.includes('delete')) return 0;
    let deleted = 0;
    let total = this.sizeBytes;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const expired = retentionMs >= 0 && oldest.size > 0 && oldest.maxTimestamp < now - retentionMs;
      const tooBig = retentionBytes >= 0 && total - oldest.size >= retentionBytes;
      const empty = oldest.size === 0;
      if (!expired && !tooBig && !empty) break;
      total -= oldest.size;
      oldest.close();
      unlinkSync(oldest.path);
      this.segments.shift();
      deleted++;
    }
    return deleted;
  }

  /**
   * Compacts closed segments if the part written since the last compaction is at least
   * `minDirtyRatio` of them. Keeps the latest record of every key; tombstones survive
   * `deleteRetentionMs` after their segment closed so readers see the delete.
   */
  compact(now: number, minDirtyRatio: number): boolean {
    if (!this.config.cleanupPolicy.includes('compact') || this.segments.length < 2) return false;
    const closed = this.segments.slice(0, -1);
    let dirty = 0;
    let total = 0;
    for (const s of closed) {
      total += s.size;
      if ((s.lastOffset ?? -1) >= this.cleanedUpTo) dirty += s.size;
    }
    if (total === 0 || dirty / total < minDirtyRatio) return false;
    const rewritten = compactSegments({
      dir: this.dir,
      topic: this.topic,
      partition: this.partition,
      segments: this.segments,
      config: this.config,
      now,
    });
    this.segments = rewritten;
    this.cleanedUpTo = this.active.baseOffset;
    return true;
  }

  /** Read-only views: picks up what the writer process appended, rolled, deleted or rewrote. */
  refresh(): void {
    const stale = this.segments.length === 0 || this.segments.some((s) => !s.refresh());
    const names = readdirSync(this.dir).filter((n) => SEGMENT_NAME.test(n));
    const known = new Set(this.segments.map((s) => segmentFileName(s.baseOffset)));
    if (stale || names.length !== known.size || names.some((n) => !known.has(n))) {
      for (const s of this.segments) s.close();
      this.loadSegments();
    } else {
      const active = this.active;
      this.nextOffset = active.lastOffset === undefined ? active.baseOffset : active.lastOffset + 1;
    }
    this.notify();
  }

  flush(): void {
    for (const s of this.segments) s.flush();
  }

  close(): void {
    for (const s of this.segments) s.close();
    this.segments = [];
    this.notify();
    this.listeners.clear();
  }
}
