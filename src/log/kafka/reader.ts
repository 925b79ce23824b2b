/**
 * Reading chosen partitions from chosen offsets, outside any consumer group, on Kafka.
 *
 * kafkajs has no `assign()`: a consumer always joins a group. So a reader is a consumer
 * in a group of its own (a fresh name, never committed, removed by the broker once
 * empty) that seeks its partitions as soon as they are assigned, pauses the ones it was
 * not asked for, and hands batches over one at a time (the next fetch waits until the
 * previous batch is taken). Positions follow kafkajs's batch events, so a partition
 * whose last offsets are transaction markers still counts as read to its end.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { FastdataError } from '../../errors.js';
import type { Batch, Reader, ReaderOptions } from '../types.js';
import { fromKafkaError } from './kafka-errors.js';
import { toLogRecord } from './records.js';
import { fetchTopicOffsets } from './topic-offsets.js';

interface Pending {
  batch: Batch;
  taken: () => void;
}

export class KafkaReader implements Reader {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly options: ReaderOptions;
  private consumer: Consumer | undefined;
  private closed = false;
  private queue: Pending[] = [];
  /** The batch handed out and not yet taken back (the iterator is suspended at its yield). */
  private current: Pending | undefined;
  private wake: (() => void) | undefined;
  private failure: unknown;
  /** Partitions to read and where from, resolved as soon as the reader is created. */
  private readonly plan: Promise<{ wanted: number[]; positions: Map<number, number>; ends: Map<number, number> | undefined }>;

  constructor(kafka: Kafka, admin: Admin, options: ReaderOptions) {
    this.kafka = kafka;
    this.admin = admin;
    this.options = options;
    this.plan = this.resolvePlan();
    this.plan.catch(() => undefined); // surfaced by ready() and iteration
  }

  async ready(): Promise<void> {
    await this.plan;
  }

  private async resolvePlan() {
    const { topic } = this.options;
    let partitionCount: number;
    try {
      const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] });
      partitionCount = metadata.topics[0]!.partitions.length;
    } catch (error) {
      throw fromKafkaError(error, `cannot read ${topic}`, { topic });
    }
    const wanted = this.options.partitions ?? Array.from({ length: partitionCount }, (_, p) => p);
    for (const p of wanted) {
      if (!Number.isInteger(p) || p < 0 || p >= partitionCount) {
        throw new FastdataError('FD_PARTITION_INVALID', `topic ${topic} has partitions 0..${partitionCount - 1}; partition ${p} does not exist`, { context: { topic, partition: p } });
      }
    }
    const positions = await this.startPositions(wanted);
    let ends: Map<number, number> | undefined;
    if (this.options.stopAtEnd) {
      const offsets = await fetchTopicOffsets(this.admin, topic);
      ends = new Map(offsets.filter((o) => wanted.includes(o.partition)).map((o) => [o.partition, Number(o.high)]));
    }
    return { wanted, positions, ends };
  }

  private async startPositions(partitions: number[]): Promise<Map<number, number>> {
    const { topic, from = 'earliest' } = this.options;
    const offsets = await fetchTopicOffsets(this.admin, topic);
    const low = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
    const high = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    if (from === 'earliest') return new Map(partitions.map((p) => [p, low.get(p)!]));
    if (from === 'latest') return new Map(partitions.map((p) => [p, high.get(p)!]));
    if (typeof from === 'object' && 'timestamp' in from && typeof from.timestamp === 'number') {
      const byTime = await this.admin.fetchTopicOffsetsByTimestamp(topic, from.timestamp);
      const at = new Map(byTime.map((o) => [o.partition, Number(o.offset)]));
      return new Map(partitions.map((p) => [p, at.get(p) ?? high.get(p)!]));
    }
    const given = from as Record<number, number>;
    return new Map(partitions.map((p) => [p, Math.max(given[p] ?? low.get(p)!, low.get(p)!)]));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const { topic } = this.options;
    const { wanted, positions, ends } = await this.plan;
    const finished = () => ends !== undefined && [...ends].every(([p, end]) => (positions.get(p) ?? 0) >= end);
    if (finished() || this.closed) return;

    const consumer = this.kafka.consumer({ groupId: `fastdata-reader-${randomUUID()}`, maxWaitTimeInMs: 250, allowAutoTopicCreation: false, readUncommitted: false });
    this.consumer = consumer;
    const advance = (partition: number, lastOffset: string | null | undefined) => {
      if (lastOffset === null || lastOffset === undefined) return;
      const next = Number(lastOffset) + 1;
      if (next > (positions.get(partition) ?? 0)) positions.set(partition, next);
      if (finished()) this.wake?.();
    };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[topic] ?? [];
      const unwanted = assigned.filter((p) => !wanted.includes(p));
      if (unwanted.length > 0) consumer.pause([{ topic, partitions: unwanted }]);
      for (const p of assigned) if (wanted.includes(p)) consumer.seek({ topic, partition: p, offset: String(positions.get(p)) });
    });
    // Batches of transaction markers or aborted records never reach eachBatch; their end does.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === topic && wanted.includes(payload.partition)) advance(payload.partition, payload.lastOffset);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return; // kafkajs retries (e.g. a coordinator still loading)
      this.failure = payload.error;
      this.wake?.();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, isStale }) => {
          if (isStale() || !wanted.includes(batch.partition)) return;
          const start = positions.get(batch.partition) ?? 0;
          let records = batch.messages.map((m) => toLogRecord(topic, batch.partition, m)).filter((r) => r.offset >= start);
          const end = ends?.get(batch.partition);
          if (end !== undefined) records = records.filter((r) => r.offset < end);
          if (records.length === 0) return;
          await new Promise<void>((taken) => {
            this.queue.push({ batch: { topic, partition: batch.partition, records, highWatermark: Number(batch.highWatermark) }, taken });
            this.wake?.();
          });
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw fromKafkaError(error, `cannot read ${topic}`, { topic });
    }

    let lastDeletedCheck = Date.now();
    try {
      while (!this.closed) {
        const next = this.queue.shift();
        if (next) {
          const last = next.batch.records[next.batch.records.length - 1]!;
          advance(next.batch.partition, String(last.offset));
          this.current = next;
          yield next.batch;
          this.current = undefined;
          next.taken();
          continue;
        }
        if (this.failure !== undefined) throw fromKafkaError(this.failure, `reading ${topic} failed`, { topic });
        if (finished()) return;
        // Retention may delete what was left to read (it goes by record timestamp): what is
        // gone counts as read, or a reader bound for the old end would wait forever.
        if (ends && Date.now() - lastDeletedCheck >= 1_000) {
          lastDeletedCheck = Date.now();
          await this.skipDeleted(wanted, positions);
          if (finished()) return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 500).unref();
        });
        this.wake = undefined;
      }
    } finally {
      for (const pending of this.queue) pending.taken();
      this.queue = [];
      await this.close();
    }
  }

  private async skipDeleted(wanted: number[], positions: Map<number, number>): Promise<void> {
    const offsets = await fetchTopicOffsets(this.admin, this.options.topic).catch(() => []);
    for (const { partition, low } of offsets) {
      if (wanted.includes(partition) && Number(low) > (positions.get(partition) ?? 0)) positions.set(partition, Number(low));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) {
      // Release every batch kafkajs waits on, the one handed out included: disconnect()
      // waits for eachBatch to return.
      this.current?.taken();
      this.current = undefined;
      for (const pending of this.queue) pending.taken();
      this.queue = [];
      await consumer.disconnect().catch(() => undefined);
    }
  }
}
