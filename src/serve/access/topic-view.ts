/**
 * A live view of one output topic, what the REST latest-by-key answers and the WebSocket
 * pushes come from: it reads the topic from its start (an output topic is keyed, so this
 * is the table of its latest values, as a Kafka Streams KTable), then follows it.
 *
 * It is a processor on the processor host (src/stream/host/), with one task of the whole
 * topic read through a ReaderFeed: the host fetches and decodes, the view keeps the table.
 * A view is read-only: a record that does not decode is counted and warned about, never
 * written to a dead-letter topic; there is no state to checkpoint and no position to commit.
 *
 * Memory is bounded: at most `maxKeys` keys (the least recently updated are evicted and
 * counted) and the last `historySize` records for "last N" snapshots. Everything older
 * is read from the log on demand (range.ts).
 */
import { FastdataError, errorMessage } from '../../errors.js';
import type { Log, LogRecord, TopicPartition } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { ProcessorHost } from '../../stream/host/processor-host.js';
import type { HostedTask } from '../../stream/host/processor.js';
import { ReaderFeed } from '../../stream/host/reader-feed.js';
import type { RunnerEvent } from '../../stream/runner-events.js';
import { viewRecordOf, type ViewRecord } from './view-record.js';

export interface TopicViewOptions {
  maxKeys?: number;
  historySize?: number;
  onWarning?: (message: string) => void;
}

export type ViewListener = (record: ViewRecord) => void;

export class TopicView {
  readonly topic: string;
  private readonly log: Log;
  private readonly maxKeys: number;
  private readonly historySize: number;
  private readonly warn: (message: string) => void;
  private readonly host: ProcessorHost<HostedTask>;
  /** Latest record per key; Map order is update order (a key is re-inserted on update), so the first entry is the least recent. */
  private readonly latestByKey = new Map<string, ViewRecord>();
  private readonly history: ViewRecord[] = [];
  private historyStart = 0;
  private readonly listeners = new Set<ViewListener>();
  /**
   * Next offset per partition: how far the view has read. Kept here, from the records the
   * task sees (and the undecodable ones the host reports), not from the host or the feed:
   * a reader feed's lanes have no position until their first batch, and the feed's own
   * positions run ahead of the records handed to the listeners.
   */
  private readonly positions = new Map<number, number>();
  private endsAtStart: Map<number, number> | undefined;
  private settleStart!: { resolve: () => void; reject: (error: unknown) => void };
  private readonly caughtUpPromise = new Promise<void>((resolve, reject) => (this.settleStart = { resolve, reject }));
  readonly counters = { records: 0, evictedKeys: 0, undecodable: 0 };

  constructor(log: Log, serde: AvroSerde, topic: string, options: TopicViewOptions = {}) {
    this.log = log;
    this.topic = topic;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.historySize = options.historySize ?? 10_000;
    this.warn = options.onWarning ?? (() => {});
    // Settled by close() or a failure even if nobody awaits start().
    this.caughtUpPromise.catch(() => undefined);
    this.host = new ProcessorHost<HostedTask>({
      name: `view:${topic}`,
      log,
      serde,
      feed: new ReaderFeed(log, { topics: [topic], start: 'earliest', onWarning: (message) => this.warn(message) }),
      taskOf: () => 0,
      createTask: (_id, lanes) => this.createTask(lanes),
      // Nothing to checkpoint: no outputs, no state, and a reader feed keeps no commits.
      commitInterval: Number.POSITIVE_INFINITY,
      tickEvery: false,
      onEvent: (event) => this.onEvent(event),
    });
  }

  /** Starts reading; resolves once the view holds everything the topic had when it started. */
  async start(): Promise<void> {
    const ends = await this.log.offsets(this.topic);
    this.endsAtStart = new Map(ends.map((o) => [o.partition, o.end]));
    // Before the first record of a partition, the view is at its start (an empty one is caught up).
    for (const o of ends) if (!this.positions.has(o.partition)) this.positions.set(o.partition, o.start);
    this.checkCaughtUp();
    await this.host.start();
    await this.caughtUpPromise;
  }

  /** The one task of the whole topic, created when the feed assigns its partitions. */
  private createTask(lanes: readonly TopicPartition[]): HostedTask {
    // A partition added after start() read the offsets starts at 0.
    for (const { partition } of lanes) if (!this.positions.has(partition)) this.positions.set(partition, 0);
    return {
      process: (value, record) => {
        if (this.advance(record.partition, record.offset)) this.add(viewRecordOf(record, value));
      },
      tombstone: (record: LogRecord) => {
        if (this.advance(record.partition, record.offset) && record.key !== null) this.latestByKey.delete(record.key.toString('utf8'));
      },
      afterBatch: async () => this.checkCaughtUp(),
      stop: () => {},
    };
  }

  /** Moves the position past a record; false for a record read already (the listeners saw it). */
  private advance(partition: number, offset: number): boolean {
    if (offset < (this.positions.get(partition) ?? 0)) return false;
    this.positions.set(partition, offset + 1);
    return true;
  }

  private onEvent(event: RunnerEvent): void {
    if (event.type === 'dead-letter') {
      // Undecodable (the host read past it; without a dead-letter topic nothing is written).
      this.counters.undecodable++;
      if (event.offset !== undefined) this.advance(event.partition, event.offset);
      if (this.counters.undecodable <= 3) this.warn(`${this.topic}[${event.partition}]@${event.offset} does not decode: ${event.message}`);
    } else if (event.type === 'warning') {
      this.warn(event.message);
    } else if (event.type === 'failed') {
      this.warn(`view of ${this.topic} stopped: ${errorMessage(event.error)}`);
      this.settleStart.reject(event.error);
    }
  }

  private add(record: ViewRecord): void {
    this.counters.records++;
    if (record.key !== null) {
      this.latestByKey.delete(record.key);
      this.latestByKey.set(record.key, record);
      if (this.latestByKey.size > this.maxKeys) {
        const oldest = this.latestByKey.keys().next().value as string;
        this.latestByKey.delete(oldest);
        this.counters.evictedKeys++;
      }
    }
    // A ring: overwrite the oldest slot once full.
    if (this.history.length < this.historySize) this.history.push(record);
    else {
      this.history[this.historyStart] = record;
      this.historyStart = (this.historyStart + 1) % this.historySize;
    }
    for (const listener of this.listeners) listener(record);
  }

  private checkCaughtUp(): void {
    if (!this.endsAtStart) return;
    for (const [partition, end] of this.endsAtStart) if ((this.positions.get(partition) ?? 0) < end) return;
    this.endsAtStart = undefined;
    this.settleStart.resolve();
  }

  /** Latest record of every key (sorted by key), optionally only keys starting with `prefix`. */
  latest(options: { limit?: number; prefix?: string } = {}): { records: ViewRecord[]; total: number } {
    let records = [...this.latestByKey.values()];
    if (options.prefix) records = records.filter((r) => r.key!.startsWith(options.prefix!));
    records.sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
    return { records: options.limit === undefined ? records : records.slice(0, options.limit), total: records.length };
  }

  latestOf(key: string): ViewRecord | undefined {
    return this.latestByKey.get(key);
  }

  /** The last `n` records (all keys, or one), oldest first. */
  recent(n: number, key?: string): ViewRecord[] {
    const ordered = this.history.length < this.historySize ? this.history : [...this.history.slice(this.historyStart), ...this.history.slice(0, this.historyStart)];
    const matching = key === undefined ? ordered : ordered.filter((r) => r.key === key);
    return matching.slice(Math.max(0, matching.length - n));
  }

  /** Next offset per partition the view has read: a subscriber's live records start there. */
  position(): Record<number, number> {
    return Object.fromEntries(this.positions);
  }

  /** Calls `listener` for every record read from now on; returns the unsubscribe function. */
  subscribe(listener: ViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats() {
    return { topic: this.topic, keys: this.latestByKey.size, history: this.history.length, ...this.counters, positions: this.position() };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.settleStart.reject(new FastdataError('FD_ARGUMENT_INVALID', `the view of ${this.topic} was closed before it caught up`));
    await this.host.stop();
  }
}
