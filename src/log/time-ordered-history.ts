/**
 * The history of a topic's partitions as one sequence in time order, for `fastdata tail
 * -b` / `--since` (issue 17: it printed partition 0's history, then partition 1's...).
 *
 * A k-way merge: one reader per partition, up to the end offsets the partitions had when
 * the history was opened, and a min-heap of each partition's next record by (timestamp,
 * partition, offset). A partition keeps its own order (offsets ascend; the log's order is
 * never broken), so when each partition's timestamps ascend, as they mostly do, the whole
 * is in time order; an out-of-order record in a partition holds back nothing but itself.
 * Memory is one batch per partition (`batchRecords`), whatever the history's length.
 *
 * `ends` are where the history stops and where a live reader takes over, so nothing is
 * printed twice or skipped between the two.
 */
import type { Log, LogRecord, Reader, StartPosition } from './types.js';

export interface TimeOrderedHistoryOptions {
  topic: string;
  /** The partitions to merge. */
  partitions: number[];
  /** Where the history starts: the oldest record, or the first at or after a time. */
  from: Exclude<StartPosition, 'latest'>;
  /** Records read per partition at a time (default 1000): the merge holds one such batch per partition. */
  batchRecords?: number;
}

/** One partition's place in the merge: its reader and its current batch. */
interface Cursor {
  partition: number;
  end: number;
  reader: Reader;
  batches: AsyncIterator<{ records: LogRecord[] }>;
  records: LogRecord[];
  index: number;
}

/** Whether `a` goes before `b`: earlier timestamp, then lower partition, then lower offset. */
function before(a: LogRecord, b: LogRecord): boolean {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
  if (a.partition !== b.partition) return a.partition < b.partition;
  return a.offset < b.offset;
}

/** A binary min-heap of cursors by their current record. */
class CursorHeap {
  private readonly items: Cursor[] = [];

  get size(): number {
    return this.items.length;
  }

  private head(i: number): LogRecord {
    const c = this.items[i]!;
    return c.records[c.index]!;
  }

  push(cursor: Cursor): void {
    const items = this.items;
    items.push(cursor);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(this.head(i), this.head(parent))) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): Cursor | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < items.length && before(this.head(l), this.head(least))) least = l;
        if (r < items.length && before(this.head(r), this.head(least))) least = r;
        if (least === i) break;
        [items[i], items[least]] = [items[least]!, items[i]!];
        i = least;
      }
    }
    return top;
  }
}

export class TimeOrderedHistory implements AsyncIterable<LogRecord> {
  /** Per partition, the offset the history stops before: where following live records starts. */
  readonly ends: Record<number, number>;
  private readonly log: Log;
  private readonly options: TimeOrderedHistoryOptions;
  private readonly readers: Reader[] = [];
  private closed = false;

  private constructor(log: Log, options: TimeOrderedHistoryOptions, ends: Record<number, number>) {
    this.log = log;
    this.options = options;
    this.ends = ends;
  }

  /** Fixes the end offsets (the history is what the partitions hold now); reading starts on iteration. */
  static async open(log: Log, options: TimeOrderedHistoryOptions): Promise<TimeOrderedHistory> {
    const offsets = await log.offsets(options.topic);
    const ends: Record<number, number> = {};
    for (const p of options.partitions) {
      const o = offsets.find((x) => x.partition === p);
      ends[p] = o?.end ?? 0;
    }
    return new TimeOrderedHistory(log, options, ends);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LogRecord> {
    const { topic, partitions, from, batchRecords = 1_000 } = this.options;
    const heap = new CursorHeap();
    try {
      const cursors = partitions.map((partition) => {
        // stopAtEnd stops at the end the reader sees, at or after ours; records from ours on are the live part's.
        const reader = this.log.reader({ topic, partitions: [partition], from, stopAtEnd: true, maxRecords: batchRecords });
        this.readers.push(reader);
        return { partition, end: this.ends[partition]!, reader, batches: reader[Symbol.asyncIterator](), records: [], index: 0 } satisfies Cursor;
      });
      // The first batches in parallel (on Kafka each reader joins a group of its own first).
      const filled = await Promise.all(cursors.map((c) => this.fill(c)));
      for (let i = 0; i < cursors.length; i++) if (filled[i]) heap.push(cursors[i]!);
      while (heap.size > 0 && !this.closed) {
        const cursor = heap.pop()!;
        yield cursor.records[cursor.index]!;
        cursor.index++;
        if (await this.fill(cursor)) heap.push(cursor);
      }
    } finally {
      await this.close();
    }
  }

  /** Makes sure the cursor has a record before its end at `index`; false once the partition's history is read. */
  private async fill(cursor: Cursor): Promise<boolean> {
    while (cursor.index >= cursor.records.length) {
      if (this.closed) return false;
      const next = await cursor.batches.next();
      if (next.done) return false;
      cursor.records = next.value.records;
      cursor.index = 0;
    }
    if (cursor.records[cursor.index]!.offset >= cursor.end) {
      // Past the history's end: the rest of this partition is live.
      await cursor.reader.close();
      return false;
    }
    return true;
  }

  /** Stops reading (Ctrl-C, a limit reached); the iteration ends. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.readers.map((r) => r.close()));
  }
}
