/**
 * One partition of the embedded log: a folder of segments, the newest one active.
 *
 * Appends go to the active segment, which rolls past `segmentBytes` or `segmentMs`. Only
 * closed segments are deleted by retention or rewritten by compaction, as in Kafka, so
 * the end offset is always held by the active segment and never moves backwards.
 *
 * Recovery (on open, by the writer), after Kafka's LogLoader: the recovery point
 * (recovery-point.ts) says up to which offset the segments had been fsynced. Segments
 * wholly below it are walked by their batch headers; the others (and always the active
 * one) have every checksum checked. A batch that fails is then one of two things:
 *
 * - a torn tail: the last bytes of the active segment, past the recovery point, with no
 *   intact batch after them: a write the process or the machine did not finish. Cut, with
 *   a warning saying what fsync mode promised about them.
 * - damage to acknowledged data: below the recovery point, or with intact batches after
 *   it, or in a closed segment (fsynced whole when it rolled). Never cut silently: the
 *   damaged bytes are copied to a `.quarantine` file, their offset range is recorded as a
 *   hole (holes.ts), the segment is rewritten without them and keeps every intact batch
 *   after them, and the open warning (FD_LOG_CORRUPT) names the partition, the offsets
 *   and the quarantine file. A damaged batch a read finds later (a closed segment below
 *   the recovery point) is quarantined the same way.
 *
 * The end offset never goes back: after recovery the next offset is at least the recovery
 * point and past every hole, so no offset is ever given to two records. Readers and
 * consumer groups skip a hole and report it (`crossHoles`, counted for metrics).
 */
import { basename, join } from 'node:path';
import { mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import type { LogRecord, TopicConfig } from '../types.js';
import { type AppendRecordInput, encodeBatch, readBatch } from './batch-codec.js';
import { compactSegments } from './compactor.js';
import { HOLES_FILE, type LogHole, offsetCount, readHoles, writeHoles } from './holes.js';
import { RECOVERY_POINT_FILE, RecoveryPointFile } from './recovery-point.js';
import { type DamagedRange, SEGMENT_NAME, Segment, segmentFileName } from './segment.js';

/** Bytes read at a time when scanning for a timestamp. */
const SCAN_BYTES = 1024 * 1024;

export interface PartitionLogOptions {
  readOnly: boolean;
  /** When the segments are fsynced: every append, every `flushIntervalMs` (the log's timer), or only at roll and close. */
  fsync: 'always' | 'interval' | 'never';
  flushIntervalMs: number;
  now: () => number;
  onWarning: (message: string) => void;
}

/** A damaged range with the offsets it is taken to hold. */
interface Quarantine extends DamagedRange {
  from: number;
  to: number;
}

const pad = (n: number) => String(n).padStart(20, '0');
const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

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
  /** Offset ranges lost to damage, ascending (holes.ts). */
  private lostRanges: LogHole[] = [];
  private recoveryPoint: RecoveryPointFile | undefined;
  /** Times a reader (key '') or a consumer group (its id) was moved over a hole. */
  private readonly skipCounts = new Map<string, number>();
  /** Holes a reader has been warned about (readers are many and short-lived: once per hole). */
  private readonly readerWarned = new Set<number>();
  /** Torn tails cut since open. */
  tornTails = 0;

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
      log.recoveryPoint = new RecoveryPointFile(join(dir, RECOVERY_POINT_FILE));
      if (log.recoveryPoint.problem) options.onWarning(`${log.name}: ${log.recoveryPoint.problem}; every segment is checked in full`);
    }
    log.loadSegments();
    return log;
  }

  private get name(): string {
    return `${this.topic}[${this.partition}]`;
  }

  /** Completes or discards what a crash left of a compaction (see compactor.ts). */
  private finishInterruptedCleaning(): void {
    for (const name of readdirSync(this.dir)) {
      // A half-written compaction, segment repair or holes file: the original is whole.
      if (name.endsWith('.cleaned') || name.endsWith('.repaired') || name === `${HOLES_FILE}.tmp`) unlinkSync(join(this.dir, name));
    }
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.log.swap')) continue;
      // A .swap file is a complete, fsynced merge of the segments from its base offset up
      // to its last offset: drop those segments and put the swap in their place.
      const swapPath = join(this.dir, name);
      const base = Number(name.slice(0, 20));
      const swap = Segment.open(swapPath, base, { verify: true, readOnly: true });
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
    this.lostRanges = this.loadHoles();
    const recoveryPoint = this.recoveryPoint?.point?.offset ?? 0;
    this.segments = bases.map((base, i) => {
      const last = i === bases.length - 1;
      return Segment.open(join(this.dir, segmentFileName(base)), base, {
        // A read-only view checks the tail, where the writer may be mid-append. The writer
        // checks every segment holding offsets past the recovery point (all of them when
        // there is none yet), as Kafka re-validates the segments after it.
        verify: last || (!readOnly && bases[i + 1]! > recoveryPoint),
        readOnly,
      });
    });
    if (!readOnly) this.recover(recoveryPoint);
    if (this.segments.length === 0) {
      if (readOnly) {
        this.nextOffset = this.holesEnd();
        return;
      }
      this.segments.push(Segment.create(join(this.dir, segmentFileName(Math.max(recoveryPoint, this.holesEnd()))), Math.max(recoveryPoint, this.holesEnd()), this.options.now()));
    }
    const active = this.active;
    const end = active.lastOffset === undefined ? active.baseOffset : active.lastOffset + 1;
    this.nextOffset = Math.max(end, this.holesEnd(), readOnly ? 0 : recoveryPoint);
    if (!readOnly && (this.recoveryPoint!.point?.offset !== this.nextOffset || this.recoveryPoint!.point.segment !== active.baseOffset)) {
      // What recovery kept is now the durable state: the next open starts from here.
      active.flush(true);
      this.writeRecoveryPoint();
    }
  }

  private loadHoles(): LogHole[] {
    try {
      return readHoles(join(this.dir, HOLES_FILE));
    } catch (error) {
      this.options.onWarning(
        `FD_LOG_CORRUPT ${this.name}: cannot read ${join(this.dir, HOLES_FILE)} (${errorMessage(error)}); the offset ranges lost earlier are no longer known, ` +
          `so readers will skip them without a report (the recovery point still keeps their offsets from being given again)`,
      );
      return [];
    }
  }

  /** The offset after the last hole (0 without holes). */
  private holesEnd(): number {
    let end = 0;
    for (const h of this.lostRanges) if (h.to + 1 > end) end = h.to + 1;
    return end;
  }

  /**
   * Decides what each damaged range the segments found is (see the file comment): cuts
   * torn tails, quarantines the rest, and records as missing the offsets below the
   * recovery point that no segment holds any more.
   */
  private recover(recoveryPoint: number): void {
    const found: LogHole[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (segment.damaged.length === 0) continue;
      const last = i === this.segments.length - 1;
      const quarantines: Quarantine[] = [];
      let torn: DamagedRange | undefined;
      for (const d of segment.damaged) {
        const from = d.lastOffsetBefore + 1;
        if (d.firstOffsetAfter !== undefined) quarantines.push({ ...d, from, to: d.firstOffsetAfter - 1 });
        else if (!last) quarantines.push({ ...d, from, to: this.segments[i + 1]!.baseOffset - 1 });
        else if (from < recoveryPoint) quarantines.push({ ...d, from, to: recoveryPoint - 1 });
        else torn = d;
      }
      if (quarantines.length > 0) {
        found.push(...this.quarantine(segment, quarantines, torn ? [torn] : []));
      } else if (torn) {
        segment.truncate(torn.start);
      }
      if (torn) this.reportTornTail(segment, torn, recoveryPoint);
    }
    // Offsets below the recovery point that no segment holds: their bytes are gone.
    const active = this.segments[this.segments.length - 1];
    const end = active === undefined ? 0 : (active.lastOffset ?? active.baseOffset - 1) + 1;
    const missingFrom = Math.max(end, this.holesEnd());
    if (missingFrom < recoveryPoint) {
      const hole: LogHole = { from: missingFrom, to: recoveryPoint - 1, reason: 'missing', detectedAt: new Date(this.options.now()).toISOString() };
      this.addHoles([hole]);
      found.push(hole);
    }
    for (const hole of found) this.options.onWarning(this.describeHole(hole, 'found on open', recoveryPoint));
  }

  /**
   * Moves damaged ranges of `segment` out of it: each copied to a quarantine file and
   * recorded as a hole (durably, before the bytes leave the segment), then the segment
   * rewritten without them (and without `alsoCut`, a torn tail). Returns the new holes.
   */
  private quarantine(segment: Segment, ranges: readonly Quarantine[], alsoCut: readonly DamagedRange[] = []): LogHole[] {
    const detectedAt = new Date(this.options.now()).toISOString();
    const holes: LogHole[] = [];
    for (const r of ranges) {
      const name = r.from <= r.to ? `${pad(r.from)}-${pad(r.to)}.quarantine` : `${basename(segment.path)}.${r.start}.quarantine`;
      segment.copyRangeTo(join(this.dir, name), r.start, r.end);
      const hole: LogHole = { from: r.from, to: r.to, reason: 'corrupt', segment: basename(segment.path), position: r.start, bytes: r.end - r.start, quarantine: name, detectedAt };
      if (r.from <= r.to) holes.push(hole);
      else {
        this.options.onWarning(
          `FD_LOG_CORRUPT ${this.name}: bytes ${r.start}..${r.end - 1} of ${segment.path} are not a batch and hold no offset (the batches on either side are intact); ` +
            `moved to ${join(this.dir, name)}. The file was changed outside fastdata or the disk is failing`,
        );
      }
    }
    this.addHoles(holes);
    segment.rewriteWithout([...ranges, ...alsoCut]);
    return holes;
  }

  /** Records holes in memory and in holes.json (once each). */
  private addHoles(holes: readonly LogHole[]): void {
    const fresh = holes.filter((h) => !this.lostRanges.some((known) => known.from === h.from && known.to === h.to));
    if (fresh.length === 0) return;
    this.lostRanges = [...this.lostRanges, ...fresh].sort((a, b) => a.from - b.from);
    writeHoles(join(this.dir, HOLES_FILE), this.lostRanges);
  }

  private describeHole(hole: LogHole, when: string, recoveryPoint = Infinity): string {
    const range = `offsets ${hole.from}..${hole.to} (${plural(offsetCount(hole), 'offset')})`;
    const where =
      hole.reason === 'corrupt'
        ? `their batches in ${hole.segment} (bytes ${hole.position}..${hole.position! + hole.bytes! - 1}) do not read back (checksum mismatch or broken framing); the damaged bytes are kept in ${join(this.dir, hole.quarantine!)} ` +
          `and every intact batch around them is kept`
        : `they had been fsynced (the recovery point is past them) but no segment holds them any more: a segment file was deleted or cut outside fastdata`;
    return (
      `FD_LOG_CORRUPT ${this.name}: ${range} were acknowledged and are lost (${when}): ${where}. ` +
      `These offsets are never given again; readers and consumer groups skip them and report it (${HOLES_FILE} in ${this.dir} lists every lost range). ` +
      (hole.from >= recoveryPoint
        ? `They were past the recovery point (offset ${recoveryPoint}), not yet fsynced: a power loss under fsync '${this.options.fsync}' took them, or the disk is failing. Restore them from their source if they matter`
        : `The file was changed outside fastdata or the disk is failing: check the disk, and restore these records from a backup or their source if they matter`)
    );
  }

  private reportTornTail(segment: Segment, torn: DamagedRange, recoveryPoint: number): void {
    this.tornTails++;
    const size = torn.end;
    const promise =
      this.options.fsync === 'always'
        ? `with fsync 'always' an append is acknowledged only once fsynced, so these records were never acknowledged`
        : this.options.fsync === 'interval'
          ? `with fsync 'interval' these are appends not yet fsynced: after a process crash they were never acknowledged; after a power loss they may include what was acknowledged in the last ${this.options.flushIntervalMs} ms before it`
          : `with fsync 'never' these are appends not yet fsynced: after a process crash they were never acknowledged; after a power loss they may include what was acknowledged since the segment was opened or last rolled`;
    this.options.onWarning(
      `${segment.path}: ${torn.kind === 'incomplete' ? 'torn batch at the tail' : 'checksum mismatch in the last batch at the tail'}, past the recovery point (offset ${recoveryPoint}); ` +
        `cut the file from ${size} to ${torn.start} bytes, records from offset ${torn.lastOffsetBefore + 1} on (${promise})`,
    );
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
    if (this.options.fsync === 'always') {
      this.active.flush();
      this.writeRecoveryPoint();
    }
    this.notify();
    return first;
  }

  private rollIfDue(incoming: number, now: number): void {
    const active = this.active;
    if (active.size === 0) return;
    if (active.size + incoming <= this.config.segmentBytes && now - active.createdAt < this.config.segmentMs) return;
    active.flush();
    this.writeRecoveryPoint();
    this.segments.push(Segment.create(join(this.dir, segmentFileName(this.nextOffset)), this.nextOffset, now));
  }

  /** Records that everything below the next offset is fsynced (call right after fsyncing the segments). */
  private writeRecoveryPoint(): void {
    const active = this.active;
    this.recoveryPoint?.write({ offset: this.nextOffset, segment: active.baseOffset, bytes: active.size });
  }

  /**
   * Reads records at or after `offset` into `out`; returns how many. Offsets in a hole
   * have no records, like compaction's gaps (see `crossHoles` to report them).
   *
   * A damaged batch found here (in a closed segment below the recovery point, whose
   * checksums are checked only when read) fails the read with FD_LOG_CORRUPT; the writer
   * first quarantines it (`context.quarantined`), so a read again goes on past the hole.
   */
  read(offset: number, maxRecords: number, maxBytes: number, out: LogRecord[]): number {
    const before = out.length;
    try {
      return this.readSegments(offset, maxRecords, maxBytes, out);
    } catch (error) {
      out.length = before;
      throw this.quarantineFailedRead(error);
    }
  }

  private readSegments(offset: number, maxRecords: number, maxBytes: number, out: LogRecord[]): number {
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

  /**
   * For an error of Segment.read about a damaged batch: quarantines the batch (the
   * writer), and returns the error to throw, which names the lost range.
   */
  private quarantineFailedRead(error: unknown): unknown {
    if (this.options.readOnly || !isFastdataError(error, 'FD_LOG_CORRUPT')) return error;
    const { file, position } = error.context;
    const index = this.segments.findIndex((s) => s.path === file);
    if (index < 0 || typeof position !== 'number') return error;
    const segment = this.segments[index]!;
    const damage = segment.damageAt(position);
    const to =
      damage.firstOffsetAfter !== undefined
        ? damage.firstOffsetAfter - 1
        : index < this.segments.length - 1
          ? this.segments[index + 1]!.baseOffset - 1
          : this.nextOffset - 1;
    const [hole] = this.quarantine(segment, [{ ...damage, from: damage.lastOffsetBefore + 1, to }]);
    if (!hole) {
      return new FastdataError('FD_LOG_CORRUPT', `${error.message}; the bytes held no offset and were quarantined, read again`, {
        context: { ...error.context, quarantined: true },
      });
    }
    const message = this.describeHole(hole, 'found by a read');
    this.options.onWarning(message);
    return new FastdataError('FD_LOG_CORRUPT', message.replace(/^FD_LOG_CORRUPT /, ''), {
      context: { topic: this.topic, partition: this.partition, offset: hole.from, from: hole.from, to: hole.to, file: join(this.dir, hole.quarantine!), quarantined: true },
      cause: error,
    });
  }

  /** The hole holding `offset`, if any. */
  holeAt(offset: number): LogHole | undefined {
    for (const h of this.lostRanges) if (h.from <= offset && offset <= h.to) return h;
    return undefined;
  }

  /** Every offset range this partition lost, ascending. */
  get holes(): readonly LogHole[] {
    return this.lostRanges;
  }

  /** Times readers (key '') and consumer groups (their ids) were moved over a hole. */
  get skips(): ReadonlyMap<string, number> {
    return this.skipCounts;
  }

  /**
   * Reports the holes a reader or consumer group passes over in reading `[from, to]`
   * (inclusive): a warning naming the range and the quarantine file, and a count for
   * metrics (`EmbeddedLog.damage()`). A group is warned every time; readers once per hole.
   */
  crossHoles(from: number, to: number, group?: string): void {
    if (this.lostRanges.length === 0) return;
    for (const hole of this.lostRanges) {
      if (hole.to < from || hole.from > to) continue;
      this.reportSkip(hole, group, from);
    }
  }

  /** Counts and reports one pass over `hole` by `group` (or a reader) positioned at `position`. */
  reportSkip(hole: LogHole, group: string | undefined, position: number): void {
    const key = group ?? '';
    this.skipCounts.set(key, (this.skipCounts.get(key) ?? 0) + 1);
    if (group === undefined) {
      if (this.readerWarned.has(hole.from)) return;
      this.readerWarned.add(hole.from);
    }
    const who = group === undefined ? 'a reader' : `consumer group ${group}`;
    const inside = position >= hole.from && position <= hole.to;
    const where = hole.quarantine ? `its damaged bytes are in ${join(this.dir, hole.quarantine)}` : 'its bytes are missing';
    this.options.onWarning(
      `FD_LOG_CORRUPT ${this.name}: ${who} ${inside ? `is positioned at offset ${position}, inside` : `reading from offset ${position} passes over`} the lost range ` +
        `${hole.from}..${hole.to} (${plural(offsetCount(hole), 'offset')}, ${hole.reason === 'corrupt' ? 'damaged' : 'missing'} since ${hole.detectedAt}; ${where}); ` +
        `it goes on at offset ${hole.to + 1}. Those records cannot be read again: restore them from a backup or their source if they matter`,
    );
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
    let rewritten: Segment[];
    try {
      rewritten = compactSegments({
        dir: this.dir,
        topic: this.topic,
        partition: this.partition,
        segments: this.segments,
        config: this.config,
        now,
      });
    } catch (error) {
      // A damaged batch the cleaner read (it reads every closed segment before it writes
      // anything): quarantined and reported; the next run compacts what is left.
      const reported = this.quarantineFailedRead(error);
      if (isFastdataError(reported, 'FD_LOG_CORRUPT') && reported.context.quarantined === true) return false;
      throw reported;
    }
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
      this.nextOffset = Math.max(active.lastOffset === undefined ? active.baseOffset : active.lastOffset + 1, this.holesEnd());
    }
    this.notify();
  }

  /** Fsyncs what was appended since the last flush, then moves the recovery point up to it. */
  flush(): void {
    let flushed = false;
    for (const s of this.segments) if (s.flush()) flushed = true;
    if (flushed || (this.recoveryPoint && this.recoveryPoint.point?.offset !== this.nextOffset)) this.writeRecoveryPoint();
  }

  close(): void {
    if (!this.options.readOnly && this.segments.length > 0) {
      this.flush();
      this.recoveryPoint?.close();
    }
    for (const s of this.segments) s.close();
    this.segments = [];
    this.notify();
    this.listeners.clear();
  }
}
