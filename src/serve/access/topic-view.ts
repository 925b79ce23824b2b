/**
 * A live view of one output topic, what the REST latest-by-key answers and the WebSocket
 * pushes come from: it reads the topic from its start (an output topic is keyed, so this
 * is the table of its latest values, as a Kafka Streams KTable), then follows it.
 *
 * Memory is bounded: at most `maxKeys` keys (the least recently updated are evicted and
 * counted) and the last `historySize` records for "last N" snapshots. Everything older
 * is read from the log on demand (range.ts).
 */
import type { Log, Reader } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { errorMessage } from '../../errors.js';
import { toViewRecord, type ViewRecord } from './view-record.js';

export interface TopicViewOptions {
  maxKeys?: number;
  historySize?: number;
  onWarning?: (message: string) => void;
}

export type ViewListener = (record: ViewRecord) => void;

export class TopicView {
  readonly topic: string;
  private readonly log: Log;
  private readonly serde: AvroSerde;
  private readonly maxKeys: number;
  private readonly historySize: number;
  private readonly warn: (message: string) => void;
  /** Latest record per key; Map order is update order (a key is re-inserted on update), so the first entry is the least recent. */
  private readonly latestByKey = new Map<string, ViewRecord>();
  private readonly history: ViewRecord[] = [];
  private historyStart = 0;
  private readonly listeners = new Set<ViewListener>();
  /** Next offset per partition: how far the view has read. */
  private readonly positions = new Map<number, number>();
  private reader: Reader | undefined;
  private caughtUp!: () => void;
  private readonly caughtUpPromise = new Promise<void>((resolve) => (this.caughtUp = resolve));
  private endsAtStart: Map<number, number> | undefined;
  private running: Promise<void> | undefined;
  readonly counters = { records: 0, evictedKeys: 0, undecodable: 0 };

  constructor(log: Log, serde: AvroSerde, topic: string, options: TopicViewOptions = {}) {
    this.log = log;
    this.serde = serde;
    this.topic = topic;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.historySize = options.historySize ?? 10_000;
    this.warn = options.onWarning ?? (() => {});
  }

  /** Starts reading; resolves once the view holds everything the topic had when it started. */
  async start(): Promise<void> {
    const ends = await this.log.offsets(this.topic);
    this.endsAtStart = new Map(ends.map((o) => [o.partition, o.end]));
    for (const o of ends) this.positions.set(o.partition, o.start);
    this.checkCaughtUp();
    this.reader = this.log.reader({ topic: this.topic, from: 'earliest' });
    this.running = this.follow(this.reader).catch((error) => this.warn(`view of ${this.topic} stopped: ${errorMessage(error)}`));
    await this.caughtUpPromise;
  }

  private async follow(reader: Reader): Promise<void> {
    for await (const batch of reader) {
      for (const record of batch.records) {
        let view: ViewRecord | undefined;
        try {
          view = await toViewRecord(this.serde, record);
        } catch (error) {
          this.counters.undecodable++;
          if (this.counters.undecodable <= 3) this.warn(`${this.topic}[${record.partition}]@${record.offset} does not decode: ${errorMessage(error)}`);
        }
        this.positions.set(record.partition, record.offset + 1);
        if (view) this.add(view);
        else if (record.key !== null && record.value === null) this.latestByKey.delete(record.key.toString('utf8'));
      }
      this.checkCaughtUp();
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
    this.caughtUp();
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
    await this.reader?.close();
    await this.running;
  }
}
