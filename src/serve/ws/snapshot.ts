/**
 * History for a WebSocket subscription (`since`, `resume`), read from the log page by
 * page, so that what a subscription costs is bounded whatever the range it asks for and
 * however slowly its client reads:
 *
 * - Work: a range longer than the window (MAX_HISTORY records; with a `key`, the matching
 *   records among the last KEY_SCAN_WINDOW) is cut before anything is read: each
 *   partition keeps its most recent records, in proportion to its share of the range, and
 *   the client is told how many it missed. A `resume` from 0 over a topic of millions of
 *   records reads at most the window, never the topic.
 * - Memory: one page at a time (PAGE_RECORDS records or PAGE_BYTES of values, whichever
 *   comes first), read only when the client's queue has room for it (session.ts), and
 *   the log readers are closed as soon as the subscription ends.
 * - The process: every page is read through one gate for all clients (SnapshotGate), a
 *   few at a time, so a thousand subscriptions starting at once queue for the gate rather
 *   than all decoding together while /api/status waits.
 *
 * The pages come in time order across partitions (a merge of the partitions, each in
 * offset order), as the client sees records arrive live. A merge that would hold too many
 * records of one partition while waiting for another (a remote log delivering unevenly)
 * goes on in offset order per partition, which is what the protocol promises.
 */
import type { Batch, Log, LogRecord, Reader } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { toViewRecord, type ViewRecord } from '../access/view-record.js';

/** Records of one snapshot frame, at most... */
export const PAGE_RECORDS = 500;
/** ...and about this many bytes of values (a page holds at least one record, whatever its size). */
export const PAGE_BYTES = 64 * 1024;
/** With a key filter, the records of the range searched for it: the most recent ones. */
export const KEY_SCAN_WINDOW = 100_000;
/** Raw records the merge may hold while waiting for a partition's next batch. */
const MAX_MERGE_BUFFER = 4 * PAGE_RECORDS;
/** Raw records one page may read (a key filter that matches little): past it, the page goes out as it is. */
const PAGE_SCAN = 8 * PAGE_RECORDS;

export interface HistoryPlan {
  /** Where reading starts, per partition, after the cut. */
  starts: Record<number, number>;
  /** Where live records begin, per partition: history stops before. */
  ends: Record<number, number>;
  /** Records of the range left out by the cut (with a key filter: records not searched, of any key). */
  skipped: number;
}

/**
 * Cuts the range [starts, ends) to at most `window` records: each partition keeps its
 * most recent ones, in proportion to its share of the range (by offsets: compaction gaps
 * count as records, so the cut may keep a little less).
 */
export function planHistory(starts: Record<number, number>, ends: Record<number, number>, window: number): HistoryPlan {
  const ranges: { partition: number; start: number; end: number }[] = [];
  let total = 0;
  for (const [p, end] of Object.entries(ends)) {
    const partition = Number(p);
    const start = Math.max(0, starts[partition] ?? end);
    if (start >= end) continue;
    ranges.push({ partition, start, end });
    total += end - start;
  }
  const plan: HistoryPlan = { starts: {}, ends: {}, skipped: 0 };
  if (total <= window) {
    for (const r of ranges) {
      plan.starts[r.partition] = r.start;
      plan.ends[r.partition] = r.end;
    }
    return plan;
  }
  // Largest remainders: the kept counts add up to exactly `window`.
  const shares = ranges.map((r) => {
    const exact = ((r.end - r.start) * window) / total;
    return { r, keep: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = window - shares.reduce((sum, s) => sum + s.keep, 0);
  for (const s of [...shares].sort((a, b) => b.rest - a.rest || a.r.partition - b.r.partition)) {
    if (left <= 0) break;
    s.keep++;
    left--;
  }
  for (const { r, keep } of shares) {
    if (keep <= 0) continue;
    plan.starts[r.partition] = r.end - keep;
    plan.ends[r.partition] = r.end;
  }
  plan.skipped = total - window;
  return plan;
}

/** A gate for all clients' history reads: at most `concurrency` pages are read at once, the others wait their turn (FIFO). */
export class SnapshotGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly counts = { pages: 0, records: 0 };

  constructor(private readonly concurrency = 2) {}

  async run<T>(read: () => Promise<T>): Promise<T> {
    // A turn of the event loop before each page: reading the log and decoding is synchronous
    // work, and pages handed from one waiter to the next through promises alone would run
    // back to back with no HTTP request or socket event served in between.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await read();
    } finally {
      // The slot passes to the next in line (running stays the same), or frees.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Counts a page read and its records read from the log (before the key filter). */
  count(records: number): void {
    this.counts.pages++;
    this.counts.records += records;
  }

  stats() {
    return { active: this.running, waiting: this.waiting.length, pagesRead: this.counts.pages, recordsRead: this.counts.records };
  }
}

/** Reads a planned history page by page; `close()` at any time frees the log reader. */
export class HistoryStream {
  private reader: Reader | undefined;
  private iterator: AsyncIterator<Batch> | undefined;
  private readonly buffers = new Map<number, { records: LogRecord[]; next: number }>();
  /** Partitions not read to their end yet. */
  private readonly open: Set<number>;
  private closed = false;

  constructor(
    private readonly log: Log,
    private readonly serde: AvroSerde,
    private readonly topic: string,
    private readonly plan: HistoryPlan,
    private readonly options: { key?: string; gate: SnapshotGate; pageRecords?: number; pageBytes?: number },
  ) {
    this.open = new Set(Object.keys(plan.ends).map(Number));
  }

  /** The next page of history, oldest first (possibly empty, when a key filter matched nothing in it); undefined once it is all read. */
  async nextPage(): Promise<ViewRecord[] | undefined> {
    if (this.closed || (this.open.size === 0 && this.buffered() === 0)) return undefined;
    return this.options.gate.run(() => this.readPage());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffers.clear();
    this.open.clear();
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }

  private buffered(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.records.length - b.next;
    return n;
  }

  private async readPage(): Promise<ViewRecord[] | undefined> {
    const maxRecords = this.options.pageRecords ?? PAGE_RECORDS;
    const maxBytes = this.options.pageBytes ?? PAGE_BYTES;
    const page: ViewRecord[] = [];
    let bytes = 0;
    let read = 0;
    try {
      while (!this.closed && page.length < maxRecords && bytes < maxBytes && read < PAGE_SCAN) {
        const record = await this.nextRecord();
        if (record === undefined) break;
        read++;
        if (this.options.key !== undefined && record.key?.toString('utf8') !== this.options.key) continue;
        const view = await toViewRecord(this.serde, record);
        if (view === undefined) continue; // a tombstone
        page.push(view);
        bytes += (record.value?.length ?? 0) * 2 + 64;
      }
    } finally {
      this.options.gate.count(read);
    }
    if (page.length === 0 && (this.closed || (this.open.size === 0 && this.buffered() === 0))) {
      await this.close();
      return undefined;
    }
    return page;
  }

  /** The next record in time order across partitions (see the module comment); undefined at the end. */
  private async nextRecord(): Promise<LogRecord | undefined> {
    for (;;) {
      // Every partition still open has a record buffered: the earliest of them goes next.
      const waitingFor = [...this.open].some((p) => {
        const b = this.buffers.get(p);
        return b === undefined || b.next >= b.records.length;
      });
      if (!waitingFor || this.buffered() >= MAX_MERGE_BUFFER) {
        const record = this.takeEarliest();
        if (record !== undefined) return record;
      }
      if (this.open.size === 0) return this.takeEarliest();
      const batch = await this.fetch();
      if (batch === undefined) {
        this.open.clear();
        continue;
      }
      const end = this.plan.ends[batch.partition];
      if (end === undefined || !this.open.has(batch.partition)) continue;
      const records = batch.records.filter((r) => r.offset < end);
      const last = batch.records.at(-1);
      if ((last !== undefined && last.offset + 1 >= end) || (batch.nextOffset ?? 0) >= end) this.open.delete(batch.partition);
      if (records.length === 0) continue;
      const b = this.buffers.get(batch.partition);
      if (b === undefined || b.next >= b.records.length) this.buffers.set(batch.partition, { records, next: 0 });
      else this.buffers.set(batch.partition, { records: [...b.records.slice(b.next), ...records], next: 0 });
    }
  }

  private takeEarliest(): LogRecord | undefined {
    let best: { records: LogRecord[]; next: number } | undefined;
    for (const b of this.buffers.values()) {
      if (b.next >= b.records.length) continue;
      const head = b.records[b.next]!;
      const top = best?.records[best.next];
      if (top === undefined || head.timestamp < top.timestamp || (head.timestamp === top.timestamp && (head.partition < top.partition || (head.partition === top.partition && head.offset < top.offset)))) best = b;
    }
    if (best === undefined) return undefined;
    const record = best.records[best.next]!;
    best.records[best.next++] = undefined as unknown as LogRecord; // let it be collected
    return record;
  }

  private async fetch(): Promise<Batch | undefined> {
    if (this.closed) return undefined;
    if (this.iterator === undefined) {
      const partitions = [...this.open];
      this.reader = this.log.reader({ topic: this.topic, partitions, from: Object.fromEntries(partitions.map((p) => [p, this.plan.starts[p]!])), stopAtEnd: true, maxRecords: this.options.pageRecords ?? PAGE_RECORDS });
      this.iterator = this.reader[Symbol.asyncIterator]();
    }
    const next = await this.iterator.next();
    return next.done ? undefined : next.value;
  }
}
