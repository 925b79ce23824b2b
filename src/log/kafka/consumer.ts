/**
 * A member of a consumer group on Kafka, through kafkajs, with the Log's contract:
 * batches per partition in offset order, assignment callbacks, commits only for owned
 * partitions, co-partitioned inputs kept together (range assignor).
 *
 * kafkajs tells of a new assignment after the rebalance (GROUP_JOIN), not before it, so
 * `onRevoked` runs once the partitions have moved: a commit made there is refused
 * (FD_GROUP_REBALANCING) and the new owner resumes from the last commit. Only `stop()`
 * calls `onRevoked` while the member still owns its partitions.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { FastdataError } from '../../errors.js';
import type { ConsumerHandlers, ConsumerOptions, GroupConsumer, TopicPartition, TopicPartitionOffset } from '../types.js';
import { checkCommit, validateTopicName } from '../validate.js';
import { fromKafkaError } from './kafka-errors.js';
import { RangeAssigner } from './range-assigner.js';
import { toLogRecord } from './records.js';
import { fetchTopicOffsets } from './topic-offsets.js';

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
/** A third of the session timeout (10 s), as kafkajs's own heartbeat interval. */
const HEARTBEAT_WHILE_WAITING_MS = 3_000;

export interface KafkaConsumerHost {
  admin: Admin;
  onCrash(groupId: string, error: unknown): void;
}

export class KafkaGroupConsumer implements GroupConsumer {
  readonly groupId: string;
  private readonly consumer: Consumer;
  private readonly options: ConsumerOptions;
  private readonly host: KafkaConsumerHost;
  private handlers: ConsumerHandlers | undefined;
  private assigned: TopicPartition[] = [];
  /** Seeks the fetcher may not have applied yet: records before these are skipped. */
  private readonly floors = new Map<string, number>();
  /** Assignment changes are handled one after another, and before any batch of theirs. */
  private changes: Promise<void> = Promise.resolve();
  private running = false;
  private stopping: Promise<void> | undefined;

  constructor(kafka: Kafka, options: ConsumerOptions, host: KafkaConsumerHost) {
    if (!options.groupId) throw new FastdataError('FD_ARGUMENT_INVALID', 'consumer groupId is empty; give every consumer group a name');
    if (options.topics.length === 0) throw new FastdataError('FD_ARGUMENT_INVALID', `consumer of group ${options.groupId} subscribes to no topic`);
    for (const topic of options.topics) validateTopicName(topic);
    this.groupId = options.groupId;
    this.options = options;
    this.host = host;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [RangeAssigner],
      maxWaitTimeInMs: options.maxWaitMs ?? 500,
      allowAutoTopicCreation: false,
      // Outputs written in transactions (exactly-once) are read only once committed.
      readUncommitted: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 30_000,
    });
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    if (this.running) throw new FastdataError('FD_ARGUMENT_INVALID', `consumer of group ${this.groupId} is already running`);
    this.running = true;
    this.handlers = handlers;
    const { consumer } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const next = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
      this.changes = this.changes.then(() => this.reassign(next));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.host.onCrash(this.groupId, payload.error);
    });
    // A batch of transaction markers or aborted records only (the end of every transactional
    // partition, such as an exactly-once repartition topic) never reaches eachBatch; without
    // its end the handler would take the partition for unread forever.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) this.onFilteredBatch(payload.topic, payload.partition, Number(payload.lastOffset) + 1, Number(payload.highWatermark));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.options.topics, fromBeginning: (this.options.start ?? 'earliest') === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      this.running = false;
      throw fromKafkaError(error, `cannot join consumer group ${this.groupId}`, { topic: this.options.topics.join(',') });
    }
  }

  private async reassign(next: TopicPartition[]): Promise<void> {
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const previousKeys = new Set(this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.assigned.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    const added = next.filter((tp) => !previousKeys.has(tpKey(tp.topic, tp.partition)));
    // They have moved already: commits for them are refused from now on.
    this.assigned = this.assigned.filter((tp) => nextKeys.has(tpKey(tp.topic, tp.partition)));
    if (revoked.length > 0) await this.handlers?.onRevoked?.(revoked, { owned: false });
    for (const tp of revoked) this.floors.delete(tpKey(tp.topic, tp.partition));
    if (added.length > 0 && this.options.start === 'latest') await this.seekUncommittedToEnd(added);
    this.assigned = next;
    if (added.length > 0) await this.handlers?.onAssigned?.(added);
  }

  /**
   * 'latest' means the end of the partition when it is assigned. kafkajs resolves it at
   * its first fetch instead, later, so a record appended in between would be skipped.
   */
  private async seekUncommittedToEnd(added: TopicPartition[]): Promise<void> {
    const { admin } = this.host;
    for (const topic of new Set(added.map((tp) => tp.topic))) {
      const partitions = added.filter((tp) => tp.topic === topic).map((tp) => tp.partition);
      const [committed] = await admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
      const uncommitted = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition));
      const ends = await fetchTopicOffsets(admin, topic);
      for (const { partition, high } of ends) {
        if (!partitions.includes(partition) || !uncommitted.has(partition)) continue;
        this.floors.set(tpKey(topic, partition), Number(high));
        this.consumer.seek({ topic, partition, offset: high });
      }
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    await this.waitForChanges(heartbeat);
    if (isStale() || this.stopping) return;
    const key = tpKey(batch.topic, batch.partition);
    if (!this.assigned.some((tp) => tp.topic === batch.topic && tp.partition === batch.partition)) return;
    const floor = this.floors.get(key);
    let records = batch.messages.map((m) => toLogRecord(batch.topic, batch.partition, m));
    if (floor !== undefined) records = records.filter((r) => r.offset >= floor);
    // lastOffset counts the transaction markers kafkajs filtered out.
    const nextOffset = Number(batch.lastOffset()) + 1;
    if (records.length > 0 || nextOffset > (floor ?? 0)) {
      await this.handlers!.eachBatch({ topic: batch.topic, partition: batch.partition, records, highWatermark: Number(batch.highWatermark), nextOffset });
    }
    if (this.floors.get(key) === floor) resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  private onFilteredBatch(topic: string, partition: number, nextOffset: number, highWatermark: number): void {
    if (this.stopping || !this.assigned.some((tp) => tp.topic === topic && tp.partition === partition)) return;
    const floor = this.floors.get(tpKey(topic, partition));
    if (floor !== undefined && nextOffset <= floor) return;
    // Not awaited (an event): the handler queues it behind the batches before it, in order.
    void this.handlers!.eachBatch({ topic, partition, records: [], highWatermark, nextOffset }).catch(() => undefined);
  }

  /**
   * Waits for the assignment changes in progress (a task's restore can take a while: a large
   * changelog), heartbeating meanwhile: kafkajs heartbeats only between batches, and a member
   * silent for the session timeout is put out of its group, which then delivers its partitions
   * again from the last commit.
   */
  private async waitForChanges(heartbeat: () => Promise<void>): Promise<void> {
    let settled = false;
    const changes = this.changes.finally(() => (settled = true));
    while (!settled) {
      await Promise.race([changes, new Promise((resolve) => setTimeout(resolve, HEARTBEAT_WHILE_WAITING_MS).unref())]);
      if (!settled) await heartbeat().catch(() => undefined);
    }
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    checkCommit(this.groupId, this.assigned, offsets);
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
    } catch (error) {
      throw fromKafkaError(error, `cannot commit offsets of group ${this.groupId}`);
    }
  }

  seek(target: TopicPartitionOffset): void {
    const key = tpKey(target.topic, target.partition);
    if (!this.assigned.some((tp) => tp.topic === target.topic && tp.partition === target.partition)) {
      throw new FastdataError('FD_PARTITION_INVALID', `cannot seek ${target.topic}[${target.partition}]: not assigned to this member of ${this.groupId}`);
    }
    this.floors.set(key, target.offset);
    this.consumer.seek({ topic: target.topic, partition: target.partition, offset: String(target.offset) });
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  /** Gives the partitions up (onRevoked, while still their owner, so its commits count) and leaves the group. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.running) return;
      await this.changes;
      const owned = this.assigned;
      try {
        if (owned.length > 0) await this.handlers?.onRevoked?.(owned, { owned: true });
      } finally {
        this.assigned = [];
        await this.consumer.disconnect();
        this.running = false;
      }
    })();
    return this.stopping;
  }
}
