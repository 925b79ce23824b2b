/**
 * Runs alert rules over their source topics: read, decode, feed the alert book, publish
 * the notifications to the alert topic, checkpoint.
 *
 * One evaluator at a time, wherever it runs: an alert instance is keyed by the rule's key
 * field, which need not be the topic's record key, so its state cannot be split by
 * partition. Every process that runs alerts joins the group `fastdata.alerts` on the
 * one-partition state topic; the member that owns the partition evaluates (a lease), the
 * others stand by and take over, from the last checkpoint, when it leaves or dies.
 *
 * Notifications are published to the alert topic as soon as the batch that caused them
 * is evaluated (the alert topic is the outbox: receivers consume it with offsets of their
 * own). A checkpoint, on a timer, writes one record to the compacted state topic: the
 * book, the input positions, the watermarks, and the alert topic's end. After a crash the new owner restores the book and resumes at the
 * checkpoint's positions, so a firing alert stays firing and is not notified again. The
 * records read after the checkpoint are evaluated again and re-derive the same
 * notifications, with the same ids; those the crashed owner had already published (the
 * alert topic past the checkpoint's end) are not published twice.
 */
import { FastdataError, errorMessage } from '../../errors.js';
import type { GroupConsumer, Log, LogRecord, Reader } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { AlertBook, type AlertBookSnapshot, type AlertNotification } from '../engine/index.js';
import { deliveryKey } from '../receivers/notification.js';
import type { CompiledRule } from '../rules/index.js';
import { WarnThrottle } from '../receivers/warn-throttle.js';
import type { AlertPublisher } from '../topic/alert-publisher.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';

export interface AlertRunnerOptions {
  log: Log;
  serde: AvroSerde;
  rules: readonly CompiledRule[];
  publisher: Pick<AlertPublisher, 'publish' | 'keysSince'>;
  /** Where state is checkpointed (`state`); default: under `fastdata.alerts`. */
  topics?: AlertTopics;
  /** The lease group; default: the alert topic's name. */
  groupId?: string;
  /** Least time between checkpoints without notifications; one with notifications goes at once. */
  checkpointIntervalMs?: number;
  /**
   * A source topic that sent nothing for this long (processing time) has its watermark
   * follow the clock, so absence rules fire even when every key has gone quiet.
   */
  idleTimeoutMs?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
  /** Told when this process starts or stops evaluating (the lease moved). */
  onLease?: (active: boolean) => void;
  /** Told of the notifications just published (the terminal of `dev` and `run` prints them). */
  onPublished?: (notifications: readonly AlertNotification[]) => void;
}

interface Checkpoint {
  version: 2;
  book: AlertBookSnapshot;
  /** Next offset per "topic/partition". */
  positions: Record<string, number>;
  watermarks: Record<string, number>;
  /** The alert topic's end offset once this checkpoint's notifications were published. */
  published: number;
}

const CHECKPOINT_KEY = 'alert-book';
const TOPIC_WAIT_MS = 500;

export interface AlertRunnerStats {
  active: boolean;
  records: number;
  undecodable: number;
  notifications: number;
  checkpoints: number;
  /** Notifications re-derived after a takeover and not published again. */
  republishSkipped: number;
  rules: { name: string; keys: number; firing: number }[];
}

export class AlertRunner {
  private readonly options: Required<Omit<AlertRunnerOptions, 'onWarning' | 'onLease' | 'onPublished'>> & Pick<AlertRunnerOptions, 'onWarning' | 'onLease' | 'onPublished'>;
  private lease: GroupConsumer | undefined;
  /** Set while this process holds the lease. */
  private session: Session | undefined;
  private lock: Promise<void> = Promise.resolve();
  private stopTimer: (() => void) | undefined;
  private readonly warnings: WarnThrottle;
  private readonly counters = { records: 0, undecodable: 0, notifications: 0, checkpoints: 0, republishSkipped: 0 };

  constructor(options: AlertRunnerOptions) {
    this.options = {
      ...options,
      topics: options.topics ?? ALERT_TOPICS,
      groupId: options.groupId ?? (options.topics ?? ALERT_TOPICS).events,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 1_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      clock: options.clock ?? systemClock,
    };
    const clock = this.options.clock;
    this.warnings = new WarnThrottle((message) => options.onWarning?.(message), () => clock.now(), 60_000);
  }

  get active(): boolean {
    return this.session !== undefined;
  }

  stats(): AlertRunnerStats {
    return {
      active: this.active,
      ...this.counters,
      rules: this.options.rules.flatMap((r) => {
        const stats = this.session?.book.evaluator(r.name)?.stats;
        return stats ? [{ name: r.name, keys: stats.keys, firing: stats.firing }] : [];
      }),
    };
  }

  /** Joins the lease group; evaluation starts once (and whenever) this process owns the lease. */
  async start(): Promise<void> {
    const { log, groupId, topics } = this.options;
    await log.createTopic({ name: topics.state, partitions: 1, config: { cleanupPolicy: 'compact', segmentMs: 600_000 } });
    const lease = log.consumer({ groupId, topics: [topics.state], start: 'latest', maxWaitMs: 500 });
    this.lease = lease;
    await lease.run({
      onAssigned: (tps) => (tps.length > 0 ? this.exclusive(() => this.activate()) : Promise.resolve()),
      onRevoked: (tps, { owned }) => (tps.length > 0 ? this.exclusive(() => this.deactivate(owned)) : Promise.resolve()),
      // The checkpoints themselves: read back only at takeover, by readCheckpoint.
      eachBatch: async () => {},
    });
    this.stopTimer = this.options.clock.every(Math.min(this.options.checkpointIntervalMs, 1_000), () => {
      void this.exclusive(() => this.tick()).catch((error) => this.warnings.warnAbout('checkpoint', `alert engine: checkpoint failed, retried every second: ${errorMessage(error)}`));
    });
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async activate(): Promise<void> {
    if (this.session) return;
    const { rules } = this.options;
    const restored = await this.readCheckpoint();
    const entries = rules.map((rule) => ({ topic: rule.source, rule }));
    const book = restored ? AlertBook.restore(entries, restored.book) : new AlertBook(entries);
    const session = new Session(book, this.options.clock.now());
    if (restored) {
      for (const [tp, offset] of Object.entries(restored.positions)) session.positions.set(tp, offset);
      for (const [topic, watermark] of Object.entries(restored.watermarks)) session.watermarks.set(topic, watermark);
    }
    // Without a checkpoint every record is evaluated again: all of the alert topic counts.
    session.alreadyPublished = await this.options.publisher.keysSince(restored?.published ?? 0);
    this.session = session;
    this.options.onLease?.(true);
    for (const source of [...new Set(rules.map((r) => r.source))].sort()) void this.follow(session, source);
  }

  /** Reads one source topic from the session's positions until the session ends. */
  private async follow(session: Session, topic: string): Promise<void> {
    const { log } = this.options;
    let warned = false;
    let described;
    while (!(described = await log.describeTopic(topic))) {
      if (!warned) this.options.onWarning?.(`alert engine: waiting for ${topic}, which alert rules read and which does not exist yet (start the module that writes it)`);
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, TOPIC_WAIT_MS));
      if (session.ended) return;
    }
    // Every partition holds the watermark back until it sends a record or goes idle.
    const now = this.options.clock.now();
    for (let p = 0; p < described.partitions; p++) if (!session.partitionTime.has(`${topic}/${p}`)) session.partitionTime.set(`${topic}/${p}`, { max: Number.NEGATIVE_INFINITY, at: now });
    // A read that fails (a broker away) starts again from where it stopped, after a pause.
    while (!session.ended) {
      const reader = log.reader({ topic, from: session.positionsOf(topic), maxRecords: 2_000 });
      session.readers.add(reader);
      try {
        for await (const batch of reader) {
          if (session.ended) break;
          await this.exclusive(async () => {
            if (session.ended) return;
            await this.process(session, topic, batch.records);
            // Notifications go out at once; state is checkpointed on the timer. A failed publish
            // keeps its notifications pending for the next try; reading goes on.
            if (session.pending.length > 0) {
              await this.publish(session).catch((error) => this.warnings.warnAbout('publish', `alert engine: publishing notifications failed, retried every second: ${errorMessage(error)}`));
            }
          });
        }
      } catch (error) {
        if (!session.ended) this.warnings.warnAbout(`read ${topic}`, `alert engine: reading ${topic} failed, reading again in ${TOPIC_WAIT_MS} ms: ${errorMessage(error)}`);
      } finally {
        session.readers.delete(reader);
        await reader.close().catch(() => undefined);
      }
      if (!session.ended) await new Promise((resolve) => setTimeout(resolve, TOPIC_WAIT_MS));
    }
  }

  private async process(session: Session, topic: string, records: LogRecord[]): Promise<void> {
    const now = this.options.clock.now();
    for (const record of records) {
      session.positions.set(`${topic}/${record.partition}`, record.offset + 1);
      session.dirty = true;
      if (record.value === null) continue;
      let value: unknown;
      try {
        value = await this.options.serde.decode(record.value);
      } catch (error) {
        this.counters.undecodable++;
        if (this.counters.undecodable <= 3) this.options.onWarning?.(`alert engine: ${topic}[${record.partition}]@${record.offset} does not decode: ${errorMessage(error)}`);
        continue;
      }
      this.counters.records++;
      session.lastRecordAt.set(topic, now);
      const tp = `${topic}/${record.partition}`;
      const seen = session.partitionTime.get(tp);
      if (!seen || record.timestamp > seen.max) session.partitionTime.set(tp, { max: record.timestamp, at: now });
      else seen.at = now;
      session.pending.push(...session.book.observe(topic, value, record.timestamp));
    }
    this.advance(session, topic, now);
  }

  /**
   * A topic's watermark is the least of its partitions' newest event times, as in the
   * stream runner: a partition behind the others holds it back, so a record of it is not
   * taken as late. A partition silent for the idle timeout no longer holds it back.
   */
  private advance(session: Session, topic: string, now: number): void {
    let watermark = Number.POSITIVE_INFINITY;
    for (const [tp, { max, at }] of session.partitionTime) {
      if (!tp.startsWith(`${topic}/`) || now - at >= this.options.idleTimeoutMs) continue;
      if (max < watermark) watermark = max;
    }
    if (!Number.isFinite(watermark) || !(watermark > (session.watermarks.get(topic) ?? -Infinity))) return;
    session.watermarks.set(topic, watermark);
    session.pending.push(...session.book.advance(topic, watermark));
  }

  /** Idle topics' watermarks follow the clock; then a checkpoint. */
  private async tick(): Promise<void> {
    const session = this.session;
    if (!session) return;
    const now = this.options.clock.now();
    for (const topic of new Set(this.options.rules.map((r) => r.source))) {
      this.advance(session, topic, now);
      const last = session.lastRecordAt.get(topic) ?? session.since;
      if (now - last < this.options.idleTimeoutMs) continue;
      const watermark = now - this.options.idleTimeoutMs;
      if (watermark > (session.watermarks.get(topic) ?? -Infinity)) {
        session.watermarks.set(topic, watermark);
        session.dirty = true;
        session.pending.push(...session.book.advance(topic, watermark));
      }
    }
    if (session.dirty && now - session.lastCheckpointAt >= this.options.checkpointIntervalMs) await this.checkpoint(session);
    else if (session.pending.length > 0) await this.publish(session);
  }

  /**
   * Publishes the pending notifications: at once, after the batch that caused them. No
   * state record is needed first: a takeover that replays from an older checkpoint finds
   * them in the alert topic past that checkpoint's `published` and does not publish them
   * again.
   */
  private async publish(session: Session): Promise<number> {
    const pending = session.pending;
    const fresh = pending.filter((n) => !session.alreadyPublished.delete(deliveryKey(n)));
    const end = await this.options.publisher.publish(fresh);
    session.pending = [];
    this.counters.republishSkipped += pending.length - fresh.length;
    this.counters.notifications += fresh.length;
    if (fresh.length > 0) this.options.onPublished?.(fresh);
    return end;
  }

  /** The pending notifications, then the state record that says they were published. */
  private async checkpoint(session: Session): Promise<void> {
    if (!session.dirty && session.pending.length === 0) return;
    const published = await this.publish(session);
    const checkpoint: Checkpoint = {
      version: 2,
      book: session.book.snapshot(),
      positions: Object.fromEntries(session.positions),
      watermarks: Object.fromEntries(session.watermarks),
      published,
    };
    await this.options.log.produce(this.options.topics.state, [{ key: CHECKPOINT_KEY, value: Buffer.from(JSON.stringify(checkpoint)) }]);
    session.dirty = false;
    session.lastCheckpointAt = this.options.clock.now();
    this.counters.checkpoints++;
  }

  private async readCheckpoint(): Promise<Checkpoint | undefined> {
    let last: Buffer | null = null;
    const reader = this.options.log.reader({ topic: this.options.topics.state, from: 'earliest', stopAtEnd: true });
    try {
      for await (const batch of reader) for (const record of batch.records) if (record.key?.toString('utf8') === CHECKPOINT_KEY) last = record.value;
    } finally {
      await reader.close();
    }
    if (!last) return undefined;
    const parsed = JSON.parse(last.toString('utf8')) as Checkpoint;
    if (parsed.version !== 2) {
      throw new FastdataError('FD_INTERNAL', `${this.options.topics.state}: a checkpoint of version ${String(parsed.version)}, which this fastdata does not read; delete the topic to start the alert state afresh`);
    }
    return parsed;
  }

  /** The lease left: a last checkpoint if it is still ours, then the readers stop. */
  private async deactivate(owned: boolean): Promise<void> {
    const session = this.session;
    if (!session) return;
    if (owned) await this.checkpoint(session).catch((error) => this.options.onWarning?.(`alert engine: last checkpoint failed: ${errorMessage(error)}`));
    session.ended = true;
    this.session = undefined;
    await Promise.all([...session.readers].map((r) => r.close().catch(() => undefined)));
    this.options.onLease?.(false);
  }

  /** Checkpoints, stops reading and leaves the lease group (a standby takes over); idempotent. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.exclusive(() => this.deactivate(true));
    await this.lease?.stop();
    this.lease = undefined;
  }
}

/** What one holder of the lease keeps: gone when the lease moves. */
class Session {
  readonly positions = new Map<string, number>();
  readonly watermarks = new Map<string, number>();
  readonly lastRecordAt = new Map<string, number>();
  /** Per "topic/partition": the newest event time read, and when (processing time) it last sent a record. */
  readonly partitionTime = new Map<string, { max: number; at: number }>();
  readonly readers = new Set<Reader>();
  pending: AlertNotification[] = [];
  alreadyPublished = new Set<string>();
  dirty = false;
  ended = false;
  lastCheckpointAt: number;

  constructor(
    readonly book: AlertBook,
    readonly since: number,
  ) {
    this.lastCheckpointAt = since;
  }

  /** The next offset to read per partition of `topic` (partitions not read yet: absent, so from the start). */
  positionsOf(topic: string): Record<number, number> {
    const from: Record<number, number> = {};
    for (const [tp, offset] of this.positions) {
      const slash = tp.lastIndexOf('/');
      if (tp.slice(0, slash) === topic) from[Number(tp.slice(slash + 1))] = offset;
    }
    return from;
  }
}
