/**
 * A feed of every partition of some topics, read outside any consumer group: what a
 * processor that must see all of a topic reads through (the alert evaluator, whose alert
 * instances are keyed by a field and not by partition; the serving layer's topic views).
 * It has the GroupConsumer's shape, so the processor host drives it like a group member
 * that owns everything: each topic is "assigned" once it exists (a missing topic is waited
 * for, not an error, and does not hold the others up), positions can be set by `seek`
 * before reading starts (a restored checkpoint's), `commit` keeps nothing (the processor's
 * checkpoint holds its positions), and a read that fails starts again from where it stopped.
 */
import { errorMessage, isFastdataError } from '../../errors.js';
import type { Batch, ConsumerHandlers, GroupConsumer, Log, Reader, TopicPartition, TopicPartitionOffset } from '../../log/types.js';
import { Sleeper } from '../../time/sleeper.js';

export interface ReaderFeedOptions {
  topics: readonly string[];
  /** Where a partition without a position starts. Default: earliest. */
  start?: 'earliest' | 'latest';
  /** How often a missing topic is looked for, and the pause before a failed read starts again. Default 500 ms. */
  pollMs?: number;
  maxBatchRecords?: number;
  onWarning?: (message: string) => void;
}

interface TopicRead {
  topic: string;
  partitions: number;
  reader: Reader | undefined;
  /** Set by `seek`: the reader starts again from the positions. */
  restart: boolean;
}

export class ReaderFeed implements GroupConsumer {
  readonly groupId = '';
  private readonly log: Log;
  private readonly options: ReaderFeedOptions;
  private readonly positions = new Map<string, Map<number, number>>();
  /** Where each partition started (the feed's start, resolved when its topic was assigned). */
  private readonly starts = new Map<string, Map<number, number>>();
  private readonly reads = new Map<string, TopicRead>();
  private handlers: ConsumerHandlers | undefined;
  private loops: Promise<void>[] = [];
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private readonly sleeper = new Sleeper();

  constructor(log: Log, options: ReaderFeedOptions) {
    this.log = log;
    this.options = options;
  }

  /** Starts one read loop per topic; resolves at once (topics that do not exist yet are waited for). */
  async run(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    // A loop ends only when the feed stops or the processor's handler fails (which the host reports itself).
    this.loops = this.options.topics.map((topic) => this.follow(topic).catch(() => undefined));
  }

  private async follow(topic: string): Promise<void> {
    const pollMs = this.options.pollMs ?? 500;
    let announced = false;
    let described = await this.describe(topic);
    while (!described) {
      if (this.stopped) return;
      if (!announced) this.options.onWarning?.(`waiting for ${topic}, which does not exist yet (start what writes it)`);
      announced = true;
      await this.sleeper.sleep(pollMs);
      described = await this.describe(topic);
    }
    if (this.stopped) return;
    const read: TopicRead = { topic, partitions: described, reader: undefined, restart: false };
    // Where each partition starts, resolved before the processor is told (it may seek elsewhere: a restored checkpoint).
    const offsets = await this.offsetsOf(topic, pollMs);
    if (!offsets) return;
    const starts = this.starts.set(topic, new Map(offsets.map((o) => [o.partition, this.options.start === 'latest' ? o.end : o.start]))).get(topic)!;
    this.reads.set(topic, read);
    await this.handlers!.onAssigned?.(Array.from({ length: described }, (_, partition) => ({ topic, partition })));
    const positions = this.positionsOf(topic);
    for (let p = 0; p < described; p++) if (!positions.has(p)) positions.set(p, starts.get(p) ?? 0);
    let failures = 0;
    while (!this.stopped) {
      read.restart = false;
      let reader: Reader | undefined;
      try {
        reader = this.log.reader({
          topic,
          from: Object.fromEntries(this.positionsOf(topic)),
          ...(this.options.maxBatchRecords ? { maxRecords: this.options.maxBatchRecords } : {}),
        });
        read.reader = reader;
        for await (const batch of reader) {
          if (this.stopped || read.restart) break;
          await this.deliver(batch);
          failures = 0;
        }
      } catch (error) {
        // A log closed under the feed ends it: there is nothing to read again.
        if (isFastdataError(error, 'FD_LOG_CLOSED')) return;
        if (!this.stopped && !read.restart) {
          if (failures++ === 0) this.options.onWarning?.(`reading ${topic} failed, reading again from where it stopped: ${errorMessage(error)}`);
          await this.sleeper.sleep(pollMs);
        }
      } finally {
        read.reader = undefined;
        await reader?.close().catch(() => undefined);
      }
    }
  }

  /** The topic's offsets, asked again while the log does not answer (a new topic's metadata still spreading); undefined once stopped. */
  private async offsetsOf(topic: string, pollMs: number): Promise<Awaited<ReturnType<Log['offsets']>> | undefined> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        return await this.log.offsets(topic);
      } catch (error) {
        if (isFastdataError(error, 'FD_LOG_CLOSED')) return undefined;
        if (failures === 0) this.options.onWarning?.(`cannot read the offsets of ${topic} yet, asking again: ${errorMessage(error)}`);
        await this.sleeper.sleep(pollMs);
      }
    }
    return undefined;
  }

  private async describe(topic: string): Promise<number | undefined> {
    try {
      return (await this.log.describeTopic(topic))?.partitions;
    } catch (error) {
      this.options.onWarning?.(`cannot describe ${topic}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private positionsOf(topic: string): Map<number, number> {
    let byPartition = this.positions.get(topic);
    if (!byPartition) this.positions.set(topic, (byPartition = new Map()));
    return byPartition;
  }

  private async deliver(batch: Batch): Promise<void> {
    if (batch.records.length === 0) return;
    await this.handlers!.eachBatch(batch);
    // A seek made while the batch was handled wins.
    if (!this.reads.get(batch.topic)?.restart) this.positionsOf(batch.topic).set(batch.partition, batch.records[batch.records.length - 1]!.offset + 1);
  }

  startOf(tp: TopicPartition): number | undefined {
    return this.starts.get(tp.topic)?.get(tp.partition);
  }

  /** Nothing to keep: the processor's checkpoint holds its positions. */
  async commit(_offsets: TopicPartitionOffset[]): Promise<void> {}

  seek(target: TopicPartitionOffset): void {
    this.positionsOf(target.topic).set(target.partition, target.offset);
    const read = this.reads.get(target.topic);
    if (read?.reader) {
      read.restart = true;
      void read.reader.close();
    }
  }

  assignment(): TopicPartition[] {
    if (this.stopped) return [];
    return [...this.reads.values()].flatMap((r) => Array.from({ length: r.partitions }, (_, partition) => ({ topic: r.topic, partition })));
  }

  /** Revokes everything (still owned: the processor may checkpoint) and stops reading; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const owned = this.assignment();
      if (owned.length > 0) await this.handlers?.onRevoked?.(owned, { owned: true });
      await this.halt();
    })();
    return this.stopping;
  }

  /** Stops reading without revoking (the lease moved: nothing is owned any more). */
  async halt(): Promise<void> {
    this.stopped = true;
    this.sleeper.wakeAll();
    await Promise.all([...this.reads.values()].map((r) => r.reader?.close().catch(() => undefined)));
    await Promise.all(this.loops);
  }

}
