/**
 * A member of a consumer group on the embedded log. Its fetch loop takes the assigned
 * partitions in turn, hands each partition's new records to `eachBatch` (one batch at a
 * time, in offset order), and sleeps on append notifications when there is nothing to read.
 */
import { randomUUID } from 'node:crypto';
import { FastdataError, isFastdataError } from '../../errors.js';
import type {
  ConsumerHandlers,
  ConsumerOptions,
  GroupConsumer,
  LogRecord,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.js';
import type { GroupCoordinator, GroupMember } from './group-coordinator.js';
import type { OffsetStore } from './offset-store.js';
import type { PartitionLog } from './partition-log.js';
import { checkCommit } from '../validate.js';

/** What a consumer needs of the log that created it. */
export interface ConsumerHost {
  partition(topic: string, partition: number): PartitionLog | undefined;
  readonly offsetStore: OffsetStore;
  readonly coordinator: GroupCoordinator;
  now(): number;
  /** Reports a consumer whose handler failed; it has left its group. */
  onCrash(groupId: string, error: unknown): void;
  /** For what the operator should know (a committed offset the log cannot honour). */
  onWarning?(message: string): void;
}

const tpKey = (topic: string, partition: number) => `${topic}\0${partition}`;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class EmbeddedGroupConsumer implements GroupConsumer, GroupMember {
  readonly groupId: string;
  readonly memberId: string;
  readonly topics: readonly string[];
  private readonly host: ConsumerHost;
  private readonly start: 'earliest' | 'latest';
  private readonly maxBatchRecords: number;
  private readonly maxWaitMs: number;
  private handlers: ConsumerHandlers | undefined;
  private assigned: TopicPartition[] = [];
  private readonly positions = new Map<string, number>();
  private running = false;
  private stopping: Promise<void> | undefined;
  private held = true;
  private resumed: Deferred = deferred();
  /** Resolves when no batch is in flight. */
  private idle: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private nextPartition = 0;

  constructor(host: ConsumerHost, options: ConsumerOptions) {
    if (!options.groupId) throw new FastdataError('FD_ARGUMENT_INVALID', 'consumer groupId is empty; give every consumer group a name');
    if (options.topics.length === 0) throw new FastdataError('FD_ARGUMENT_INVALID', `consumer of group ${options.groupId} subscribes to no topic`);
    this.host = host;
    this.groupId = options.groupId;
    this.memberId = `${options.groupId}-${randomUUID()}`;
    this.topics = [...options.topics];
    this.start = options.start ?? 'earliest';
    this.maxBatchRecords = options.maxBatchRecords ?? 10_000;
    this.maxWaitMs = options.maxWaitMs ?? 500;
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    if (this.running) throw new FastdataError('FD_ARGUMENT_INVALID', `consumer ${this.memberId} is already running`);
    this.handlers = handlers;
    this.running = true;
    this.loopDone = this.loop();
    await this.host.coordinator.join(this.groupId, this);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (this.held) {
        await this.resumed.promise;
        continue;
      }
      const delivered = await this.fetchRound();
      if (!delivered && this.running && !this.held) await this.waitForRecords();
    }
  }

  /** One pass over the assigned partitions, starting where the last pass left off. Returns whether any records were delivered. */
  private async fetchRound(): Promise<boolean> {
    const partitions = this.assigned;
    let delivered = false;
    for (let n = 0; n < partitions.length && this.running && !this.held; n++) {
      const tp = partitions[(this.nextPartition + n) % partitions.length]!;
      const log = this.host.partition(tp.topic, tp.partition);
      const key = tpKey(tp.topic, tp.partition);
      const position = this.positions.get(key);
      if (!log || position === undefined) continue;
      const records: LogRecord[] = [];
      const from = Math.max(position, log.startOffset);
      if (!this.readInto(log, from, records)) return false;
      let next: number;
      if (records.length > 0) {
        next = records[records.length - 1]!.offset + 1;
        log.crossHoles(from, next - 1, this.groupId);
      } else if (from < log.nextOffset) {
        // No record at or after `from`, and yet the end is past it: `from` is in a lost
        // range at the tail. Reported, and handed over as an empty batch that moves the
        // position to the end (as Kafka's consumer does past transaction markers).
        next = log.nextOffset;
        log.crossHoles(from, next - 1, this.groupId);
      } else continue;
      delivered = true;
      const done = deferred();
      this.idle = done.promise;
      try {
        await this.handlers!.eachBatch({ topic: tp.topic, partition: tp.partition, records, highWatermark: log.nextOffset, ...(records.length === 0 ? { nextOffset: next } : {}) });
        // A seek inside the handler wins over the automatic advance.
        if (this.positions.get(key) === position) this.positions.set(key, next);
      } catch (error) {
        this.crash(error);
        return false;
      } finally {
        done.resolve();
      }
    }
    this.nextPartition = partitions.length ? (this.nextPartition + 1) % partitions.length : 0;
    return delivered;
  }

  /**
   * Reads from `from` into `records`. A damaged batch the read finds is quarantined by the
   * log (and reported there): the read is tried again, and goes on past the new hole.
   * Any other failure ends the member, as a failing handler does. Returns false then.
   */
  private readInto(log: PartitionLog, from: number, records: LogRecord[]): boolean {
    for (;;) {
      try {
        log.read(from, this.maxBatchRecords, 4 * 1024 * 1024, records);
        return true;
      } catch (error) {
        if (isFastdataError(error, 'FD_LOG_CORRUPT') && error.context.quarantined === true) continue;
        this.crash(error);
        return false;
      }
    }
  }

  private waitForRecords(): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribes: (() => void)[] = [];
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        for (const off of unsubscribes) off();
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      for (const tp of this.assigned) {
        const log = this.host.partition(tp.topic, tp.partition);
        const position = this.positions.get(tpKey(tp.topic, tp.partition));
        if (!log || position === undefined) continue;
        if (log.nextOffset > position) return done();
        unsubscribes.push(log.onAppend(done));
      }
      timer = setTimeout(done, this.maxWaitMs);
    });
  }

  /** A failed handler ends this member (as in kafkajs): no more batches; the group rebalances without it. */
  private crash(error: unknown): void {
    this.hold();
    this.host.onCrash(this.groupId, error);
    void this.stop();
  }

  private hold(): void {
    if (!this.held) {
      this.held = true;
      this.resumed = deferred();
    }
  }

  // GroupMember: called by the coordinator during a rebalance.

  async quiesce(): Promise<void> {
    this.hold();
    this.wakeUp?.();
    await this.idle;
  }

  async revokeAll(): Promise<void> {
    const revoked = this.assigned;
    // The member still owns the partitions while onRevoked runs: it is their last chance to commit.
    if (revoked.length > 0 && this.handlers?.onRevoked) {
      try {
        await this.handlers.onRevoked(revoked, { owned: true });
      } catch (error) {
        this.host.onCrash(this.groupId, error);
      }
    }
    this.assigned = [];
    for (const tp of revoked) this.positions.delete(tpKey(tp.topic, tp.partition));
  }

  async assign(partitions: TopicPartition[]): Promise<void> {
    if (!this.running) return;
    this.assigned = partitions;
    this.nextPartition = 0;
    for (const tp of partitions) {
      const log = this.host.partition(tp.topic, tp.partition);
      if (!log) continue;
      const committed = this.host.offsetStore.committedOffset(this.groupId, tp.topic, tp.partition);
      let position = committed ?? (this.start === 'latest' ? log.nextOffset : log.startOffset);
      // A commit inside a range the log lost to damage: never a silent reset. Reported
      // (warning, count) and resumed right after the range, the first offset that can be read.
      const hole = committed === undefined ? undefined : log.holeAt(committed);
      if (hole && committed! >= log.startOffset) {
        log.reportSkip(hole, this.groupId, committed!);
        position = hole.to + 1;
      }
      // A commit below the log start (retention moved on) or past the end (topic recreated)
      // resets as Kafka's auto.offset.reset would; past the end it is said, as it also
      // means the partition lost its tail (a power loss under fsync 'interval' or 'never').
      if (position < log.startOffset) position = log.startOffset;
      if (position > log.nextOffset) {
        const reset = this.start === 'latest' ? log.nextOffset : log.startOffset;
        this.host.onWarning?.(
          `${tp.topic}[${tp.partition}]: consumer group ${this.groupId} committed offset ${position}, past the end of the partition (${log.nextOffset}): ` +
            `the topic was deleted and created again, or it lost the appends after its last fsync to a power loss; starting from the ${this.start} offset, ${reset}`,
        );
        position = reset;
      }
      this.positions.set(tpKey(tp.topic, tp.partition), position);
    }
    if (partitions.length > 0 && this.handlers?.onAssigned) {
      try {
        await this.handlers.onAssigned(partitions);
      } catch (error) {
        this.crash(error);
      }
    }
  }

  resume(): void {
    if (!this.running || this.stopping) return;
    this.held = false;
    this.resumed.resolve();
  }

  // GroupConsumer

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    checkCommit(this.groupId, this.assigned, offsets);
    this.host.offsetStore.commit(this.groupId, offsets, this.host.now());
  }

  seek(target: TopicPartitionOffset): void {
    const key = tpKey(target.topic, target.partition);
    if (!this.positions.has(key)) {
      throw new FastdataError('FD_PARTITION_INVALID', `cannot seek ${target.topic}[${target.partition}]: not assigned to this member of ${this.groupId}`);
    }
    this.positions.set(key, target.offset);
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        if (!this.running) return;
        await this.host.coordinator.leave(this.groupId, this);
        this.running = false;
        this.resumed.resolve();
        this.wakeUp?.();
        await this.loopDone;
      })();
    }
    return this.stopping;
  }
}
