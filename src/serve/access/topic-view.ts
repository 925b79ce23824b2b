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
import { ReadProgress } from '../../stream/host/read-progress.js';
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
   * How far the view has read: from the records the task saw (and the undecodable ones the
   * host reports), not the feed's positions, which run ahead of what the listeners were given.
   */
  private readonly progress = new ReadProgress();
  readonly counters = { records: 0, evictedKeys: 0, undecodable: 0 };

  constructor(log: Log, serde: AvroSerde, topic: string, options: TopicViewOptions = {}) {
    this.log = log;
    this.topic = topic;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.historySize = options.historySize ?? 10_000;
    this.warn = options.onWarning ?? (() => {});
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
    this.progress.start(await this.log.offsets(this.topic));
    await this.host.start();
    await this.progress.caughtUp;
  }

  /** The one task of the whole topic, created when the feed assigns its partitions. */
  private createTask(lanes: readonly TopicPartition[]): HostedTask {
    for (const { partition } of lanes) this.progress.know(partition);
    return {
      process: (value, record) => {
        if (this.progress.advance(record.partition, record.offset)) this.add(viewRecordOf(record, value));
      },
      tombstone: (record: LogRecord) => {
        if (this.progress.advance(record.partition, record.offset) && record.key !== null) this.latestByKey.delete(record.key.toString('utf8'));
      },
      afterBatch: async () => this.progress.check(),
      stop: () => {},
    };
  }

  private onEvent(event: RunnerEvent): void {
    if (event.type === 'dead-letter') {
      // Undecodable (the host read past it; without a dead-letter topic nothing is written).
      this.counters.undecodable++;
      if (event.offset !== undefined) this.progress.advance(event.partition, event.offset);
      if (this.counters.undecodable <= 3) this.warn(`${this.topic}[${event.partition}]@${event.offset} does not decode: ${event.message}`);
    } else if (event.type === 'warning') {
      this.warn(event.message);
    } else if (event.type === 'failed') {
      this.warn(`view of ${this.topic} stopped: ${errorMessage(event.error)}`);
      this.progress.fail(event.error);
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
    return Object.fromEntries(this.progress.positions);
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
    this.progress.fail(new FastdataError('FD_ARGUMENT_INVALID', `the view of ${this.topic} was closed before it caught up`));
    await this.host.stop();
  }
}
