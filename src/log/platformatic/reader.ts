/**
 * Reading chosen partitions from chosen offsets, outside any consumer group, on Kafka: Fetch
 * requests straight to the partitions' leaders (no group, no coordinator), through a client
 * of the reader's own, so a long-polling fetch never holds up another reader's or the Log's
 * requests. A batch is fetched only once the previous one is taken.
 */
import { randomUUID } from 'node:crypto';
import { Consumer, type Admin } from '@platformatic/kafka';
import { FastdataError } from '../../errors.js';
import type { Batch, Reader, ReaderOptions } from '../types.js';
import type { BaseClientOptions } from './client-options.js';
import { fromPlatformaticError } from './errors.js';
import { fetchPartitions } from './fetch.js';
import { offsetsForTime, topicOffsets } from './offsets.js';

interface Plan {
  wanted: number[];
  positions: Map<number, number>;
  ends: Map<number, number> | undefined;
}

export class PlatformaticReader implements Reader {
  private readonly admin: Admin;
  private readonly base: BaseClientOptions;
  private readonly options: ReaderOptions;
  private client: Consumer | undefined;
  private closed = false;
  private readonly plan: Promise<Plan>;

  constructor(admin: Admin, base: BaseClientOptions, options: ReaderOptions) {
    this.admin = admin;
    this.base = base;
    this.options = options;
    this.plan = this.resolvePlan();
    this.plan.catch(() => undefined); // surfaced by ready() and iteration
  }

  async ready(): Promise<void> {
    await this.plan;
  }

  private async resolvePlan(): Promise<Plan> {
    const { topic, from = 'earliest' } = this.options;
    let bounds;
    try {
      bounds = await topicOffsets(this.admin, topic);
    } catch (error) {
      throw fromPlatformaticError(error, `cannot read ${topic}`, { topic });
    }
    if (bounds.length === 0) throw new FastdataError('FD_TOPIC_NOT_FOUND', `cannot read ${topic}: the topic does not exist`, { context: { topic } });
    const count = bounds.length;
    const wanted = this.options.partitions ?? bounds.map((b) => b.partition);
    for (const p of wanted) {
      if (!Number.isInteger(p) || p < 0 || p >= count) {
        throw new FastdataError('FD_PARTITION_INVALID', `topic ${topic} has partitions 0..${count - 1}; partition ${p} does not exist`, { context: { topic, partition: p } });
      }
    }
    const low = new Map(bounds.map((b) => [b.partition, b.start]));
    const high = new Map(bounds.map((b) => [b.partition, b.end]));
    let positions: Map<number, number>;
    if (from === 'earliest') positions = new Map(wanted.map((p) => [p, low.get(p)!]));
    else if (from === 'latest') positions = new Map(wanted.map((p) => [p, high.get(p)!]));
    else if (typeof from === 'object' && 'timestamp' in from && typeof from.timestamp === 'number') {
      const at = new Map((await offsetsForTime(this.admin, topic, from.timestamp)).map((o) => [o.partition, o.offset]));
      positions = new Map(wanted.map((p) => [p, at.get(p) ?? high.get(p)!]));
    } else {
      const given = from as Record<number, number>;
      positions = new Map(wanted.map((p) => [p, Math.max(given[p] ?? low.get(p)!, low.get(p)!)]));
    }
    const ends = this.options.stopAtEnd ? new Map(wanted.map((p) => [p, high.get(p)!])) : undefined;
    return { wanted, positions, ends };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const { topic, maxRecords } = this.options;
    const { wanted, positions, ends } = await this.plan;
    const unfinished = () => wanted.filter((p) => ends === undefined || positions.get(p)! < ends.get(p)!);
    if (this.closed || unfinished().length === 0) return;
    const client = new Consumer({ ...this.base, groupId: `fastdata-reader-${randomUUID()}` });
    this.client = client;
    let delivered = 0;
    try {
      while (!this.closed) {
        const open = unfinished();
        if (open.length === 0) return;
        let fetched;
        try {
          fetched = await fetchPartitions(client, open.map((partition) => ({ topic, partition, offset: positions.get(partition)! })), { maxWaitMs: 250 });
        } catch (error) {
          if (this.closed) return;
          throw fromPlatformaticError(error, `reading ${topic} failed`, { topic });
        }
        for (const result of fetched.sort((a, b) => a.partition - b.partition)) {
          if (this.closed) return;
          // What retention deleted counts as read: a reader bound for the old end would wait forever.
          const start = result.outOfRange ? result.logStartOffset : result.from;
          positions.set(result.partition, Math.max(start, result.nextOffset));
          const end = ends?.get(result.partition);
          let records = result.records;
          if (end !== undefined && records.length > 0 && records[records.length - 1]!.offset >= end) records = records.filter((r) => r.offset < end);
          if (maxRecords !== undefined && delivered + records.length > maxRecords) records = records.slice(0, Math.max(0, maxRecords - delivered));
          if (records.length === 0) continue;
          delivered += records.length;
          yield { topic, partition: result.partition, records, highWatermark: result.highWatermark, nextOffset: positions.get(result.partition)! };
          if (maxRecords !== undefined && delivered >= maxRecords) return;
        }
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }
}
