/**
 * A reader of chosen partitions outside any consumer group: an async iterator of batches
 * that follows the log as it grows, or stops at the end offsets of the moment it opened.
 */
import { FastdataError } from '../../errors.js';
import type { Batch, LogRecord, Reader, ReaderOptions } from '../types.js';
import type { PartitionLog } from './partition-log.js';

export interface ReaderHost {
  partitionLogs(topic: string): PartitionLog[] | undefined;
}

export class EmbeddedReader implements Reader {
  private readonly logs: PartitionLog[];
  private readonly positions: number[];
  private readonly ends: number[] | undefined;
  private readonly maxRecords: number;
  private closed = false;
  private wakeUp: (() => void) | undefined;

  constructor(host: ReaderHost, options: ReaderOptions) {
    const all = host.partitionLogs(options.topic);
    if (!all) throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${options.topic} does not exist; 'fastdata topics' lists the topics there are`, { context: { topic: options.topic } });
    const wanted = options.partitions ?? all.map((_, i) => i);
    for (const p of wanted) {
      if (!Number.isInteger(p) || p < 0 || p >= all.length) {
        throw new FastdataError('FD_PARTITION_INVALID', `topic ${options.topic} has partitions 0..${all.length - 1}; partition ${p} does not exist`, {
          context: { topic: options.topic, partition: p },
        });
      }
    }
    this.logs = wanted.map((p) => all[p]!);
    const from = options.from ?? 'earliest';
    this.positions = this.logs.map((log) => {
      if (from === 'earliest') return log.startOffset;
      if (from === 'latest') return log.nextOffset;
      if ('timestamp' in from && typeof from.timestamp === 'number') return log.offsetForTime(from.timestamp);
      const offset = (from as Record<number, number>)[log.partition];
      return offset === undefined ? log.startOffset : Math.max(offset, log.startOffset);
    });
    this.ends = options.stopAtEnd ? this.logs.map((log) => log.nextOffset) : undefined;
    this.maxRecords = options.maxRecords ?? 10_000;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    while (!this.closed) {
      let delivered = false;
      for (let i = 0; i < this.logs.length && !this.closed; i++) {
        const log = this.logs[i]!;
        const end = this.ends?.[i];
        const position = Math.max(this.positions[i]!, log.startOffset);
        if (end !== undefined && position >= end) continue;
        const highWatermark = log.nextOffset;
        const records: LogRecord[] = [];
        log.read(position, this.maxRecords, 4 * 1024 * 1024, records);
        if (end !== undefined) while (records.length && records[records.length - 1]!.offset >= end) records.pop();
        if (records.length === 0) {
          // Nothing at or after `position`: the offsets up to the end are compaction gaps, or a range lost to damage (reported).
          const next = end === undefined ? Math.max(position, highWatermark) : Math.min(end, Math.max(position, highWatermark));
          if (next > position) log.crossHoles(position, next - 1);
          this.positions[i] = next;
          continue;
        }
        this.positions[i] = records[records.length - 1]!.offset + 1;
        log.crossHoles(position, this.positions[i]! - 1);
        delivered = true;
        yield { topic: log.topic, partition: log.partition, records, highWatermark };
      }
      if (this.ends && this.positions.every((p, i) => p >= this.ends![i]!)) return;
      if (!delivered && !this.closed) await this.waitForRecords();
    }
  }

  private waitForRecords(): Promise<void> {
    return new Promise((resolve) => {
      const offs = this.logs.map((log) => log.onAppend(() => done()));
      const timer = setTimeout(() => done(), 1_000);
      const done = () => {
        clearTimeout(timer);
        for (const off of offs) off();
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
    });
  }

  /** Positions are fixed when the reader is created. */
  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp?.();
  }
}
