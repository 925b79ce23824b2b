/**
 * Runs alert rules over their source topics: consume (a consumer group of its own),
 * decode, feed the alert book, hand notifications to the receivers, checkpoint.
 *
 * A checkpoint writes one record to a compacted topic: the book's state, the input
 * positions, and the notifications not yet handed to the receivers (an outbox). Only
 * then are they handed over, and the input offsets committed. After a crash the runner
 * restores the book and resumes after the checkpoint's positions: a firing alert stays
 * firing and is not notified again. The outbox of the last checkpoint is handed over
 * again, and a record read after the checkpoint is processed again: a notification sent
 * twice that way carries the same id (ids come from event time), so receivers drop the
 * repeat by its Idempotency-Key.
 *
 * One member: an alert instance is keyed by the rule's key field, which need not be the
 * topic's record key, so its state cannot be split by partition in general.
 */
import { FastdataError, errorMessage } from '../../errors.js';
import type { GroupConsumer, Log, LogRecord } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { AlertBook, type AlertBookSnapshot, type AlertNotification } from '../engine/index.js';
import type { CompiledRule } from '../rules/index.js';

export interface AlertRunnerOptions {
  log: Log;
  serde: AvroSerde;
  rules: readonly CompiledRule[];
  /** Hands a notification to the receivers of its rule; must not block (receiver queues). */
  deliver: (notification: AlertNotification) => void;
  groupId?: string;
  checkpointIntervalMs?: number;
  /**
   * A source topic that sent nothing for this long (processing time) has its watermark
   * follow the clock, so absence rules fire even when every key has gone quiet.
   */
  idleTimeoutMs?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
}

interface Checkpoint {
  version: 1;
  book: AlertBookSnapshot;
  /** Next offset per "topic/partition". */
  positions: Record<string, number>;
  watermarks: Record<string, number>;
  outbox: AlertNotification[];
}

const CHECKPOINT_KEY = 'alert-book';

export class AlertRunner {
  private readonly options: Required<Omit<AlertRunnerOptions, 'onWarning'>> & Pick<AlertRunnerOptions, 'onWarning'>;
  private book!: AlertBook;
  private consumer: GroupConsumer | undefined;
  private readonly positions = new Map<string, number>();
  private readonly watermarks = new Map<string, number>();
  private readonly lastRecordAt = new Map<string, number>();
  private outbox: AlertNotification[] = [];
  private dirty = false;
  private lock: Promise<void> = Promise.resolve();
  private stopTimer: (() => void) | undefined;
  readonly counters = { records: 0, undecodable: 0, notifications: 0, checkpoints: 0 };

  constructor(options: AlertRunnerOptions) {
    const groupId = options.groupId ?? 'fastdata.alerts';
    this.options = {
      ...options,
      groupId,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 1_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      clock: options.clock ?? systemClock,
    };
  }

  get stateTopic(): string {
    return `${this.options.groupId}.state`;
  }

  private get sources(): string[] {
    return [...new Set(this.options.rules.map((r) => r.source))].sort();
  }

  async start(): Promise<void> {
    const { log, rules } = this.options;
    const entries = rules.map((rule) => ({ topic: rule.source, rule }));
    await log.createTopic({ name: this.stateTopic, partitions: 1, config: { cleanupPolicy: 'compact', segmentMs: 600_000 } });
    const restored = await this.readCheckpoint();
    this.book = restored ? AlertBook.restore(entries, restored.book) : new AlertBook(entries);
    if (restored) {
      for (const [tp, offset] of Object.entries(restored.positions)) this.positions.set(tp, offset);
      for (const [topic, watermark] of Object.entries(restored.watermarks)) this.watermarks.set(topic, watermark);
      // Handed over before the crash or not: again, with the same ids.
      for (const notification of restored.outbox) this.options.deliver(notification);
    }
    for (const source of this.sources) {
      if (!(await log.describeTopic(source))) {
        throw new FastdataError('FD_TOPIC_NOT_FOUND', `alert rules read ${source}, which does not exist; start the module that writes it first`, { context: { topic: source } });
      }
    }
    const consumer = log.consumer({ groupId: this.options.groupId, topics: this.sources, start: 'earliest', maxWaitMs: 200 });
    this.consumer = consumer;
    await consumer.run({
      onAssigned: async (tps) => {
        for (const tp of tps) {
          const at = this.positions.get(`${tp.topic}/${tp.partition}`);
          if (at !== undefined) consumer.seek({ ...tp, offset: at });
        }
      },
      eachBatch: (batch) => this.exclusive(() => this.process(batch.topic, batch.records)),
    });
    this.stopTimer = this.options.clock.every(Math.min(this.options.checkpointIntervalMs, 1_000), () => {
      void this.exclusive(() => this.tick()).catch((error) => this.options.onWarning?.(`alert runner: ${errorMessage(error)}`));
    });
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async process(topic: string, records: LogRecord[]): Promise<void> {
    const now = this.options.clock.now();
    for (const record of records) {
      this.positions.set(`${topic}/${record.partition}`, record.offset + 1);
      this.dirty = true;
      if (record.value === null) continue;
      let value: unknown;
      try {
        value = await this.options.serde.decode(record.value);
      } catch (error) {
        this.counters.undecodable++;
        if (this.counters.undecodable <= 3) this.options.onWarning?.(`alert runner: ${topic}[${record.partition}]@${record.offset} does not decode: ${errorMessage(error)}`);
        continue;
      }
      this.counters.records++;
      this.lastRecordAt.set(topic, now);
      this.outbox.push(...this.book.observe(topic, value, record.timestamp));
      if (record.timestamp > (this.watermarks.get(topic) ?? -Infinity)) {
        this.watermarks.set(topic, record.timestamp);
        this.outbox.push(...this.book.advance(topic, record.timestamp));
      }
    }
  }

  /** Idle topics' watermarks follow the clock; then a checkpoint. */
  private async tick(): Promise<void> {
    const now = this.options.clock.now();
    for (const topic of this.sources) {
      const last = this.lastRecordAt.get(topic) ?? now;
      if (!this.lastRecordAt.has(topic)) this.lastRecordAt.set(topic, now);
      if (now - last < this.options.idleTimeoutMs) continue;
      const watermark = now - this.options.idleTimeoutMs;
      if (watermark > (this.watermarks.get(topic) ?? -Infinity)) {
        this.watermarks.set(topic, watermark);
        this.dirty = true;
        this.outbox.push(...this.book.advance(topic, watermark));
      }
    }
    await this.checkpoint();
  }

  /** State, positions and outbox in one record; then the outbox goes to the receivers; then the commit. */
  private async checkpoint(): Promise<void> {
    if (!this.dirty && this.outbox.length === 0) return;
    const outbox = this.outbox;
    const checkpoint: Checkpoint = {
      version: 1,
      book: this.book.snapshot(),
      positions: Object.fromEntries(this.positions),
      watermarks: Object.fromEntries(this.watermarks),
      outbox,
    };
    await this.options.log.produce(this.stateTopic, [{ key: CHECKPOINT_KEY, value: Buffer.from(JSON.stringify(checkpoint)) }]);
    this.outbox = [];
    // Once handed over, the next checkpoint records an empty outbox (so a clean restart does
    // not hand it over again; a crash before that does, with the same ids).
    this.dirty = outbox.length > 0;
    for (const notification of outbox) this.options.deliver(notification);
    this.counters.notifications += outbox.length;
    this.counters.checkpoints++;
    const owned = new Set(this.consumer?.assignment().map((tp) => `${tp.topic}/${tp.partition}`));
    const commits = [...this.positions].filter(([tp]) => owned.has(tp)).map(([tp, offset]) => {
      const slash = tp.lastIndexOf('/');
      return { topic: tp.slice(0, slash), partition: Number(tp.slice(slash + 1)), offset };
    });
    if (commits.length > 0) await this.consumer!.commit(commits).catch((error) => this.options.onWarning?.(`alert runner: commit deferred: ${errorMessage(error)}`));
  }

  private async readCheckpoint(): Promise<Checkpoint | undefined> {
    let last: Buffer | null = null;
    const reader = this.options.log.reader({ topic: this.stateTopic, from: 'earliest', stopAtEnd: true });
    for await (const batch of reader) for (const record of batch.records) if (record.key?.toString('utf8') === CHECKPOINT_KEY) last = record.value;
    await reader.close();
    if (!last) return undefined;
    const parsed = JSON.parse(last.toString('utf8')) as Checkpoint;
    if (parsed.version !== 1) throw new FastdataError('FD_INTERNAL', `${this.stateTopic}: a checkpoint of version ${String(parsed.version)}, which this fastdata does not read`);
    return parsed;
  }

  /** Checkpoints (the outbox goes out) and leaves the group; idempotent. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.exclusive(() => this.checkpoint()).catch((error) => this.options.onWarning?.(`alert runner: last checkpoint failed: ${errorMessage(error)}`));
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}
