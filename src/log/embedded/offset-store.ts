/**
 * Committed offsets of consumer groups, kept the way Kafka keeps them: as records of a
 * compacted internal topic, `__consumer_offsets`, keyed by (group, topic, partition). The
 * latest record of a key is the committed offset; compaction keeps the topic small.
 */
import { isFastdataError } from '../../errors.js';
import type { LogRecord, TopicPartitionOffset } from '../types.js';
import type { PartitionLog } from './partition-log.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

interface CommitValue {
  offset: number;
  committedAt: number;
}

export class OffsetStore {
  private readonly log: PartitionLog;
  /** group -> "topic\0partition" -> offset */
  private readonly offsets = new Map<string, Map<string, number>>();
  private readUpTo = 0;

  constructor(log: PartitionLog) {
    this.log = log;
  }

  /** Reads commits appended since the last call (all of them the first time). */
  catchUp(): void {
    const out: LogRecord[] = [];
    for (;;) {
      out.length = 0;
      try {
        if (this.log.read(this.readUpTo, 10_000, 4 * 1024 * 1024, out) === 0) break;
      } catch (error) {
        // A damaged batch of commits, quarantined and reported by the log: go on past it
        // (the groups whose latest commit it held fall back to an earlier one, or none).
        if (isFastdataError(error, 'FD_LOG_CORRUPT') && error.context.quarantined === true) continue;
        throw error;
      }
      for (const r of out) this.apply(r);
      this.readUpTo = out[out.length - 1]!.offset + 1;
    }
  }

  private apply(record: LogRecord): void {
    if (!record.key) return;
    const [group, topic, partition] = JSON.parse(record.key.toString('utf8')) as [string, string, number];
    let groupOffsets = this.offsets.get(group);
    if (!groupOffsets) this.offsets.set(group, (groupOffsets = new Map()));
    const tp = `${topic}\0${partition}`;
    if (record.value === null) groupOffsets.delete(tp);
    else groupOffsets.set(tp, (JSON.parse(record.value.toString('utf8')) as CommitValue).offset);
  }

  commit(group: string, offsets: readonly TopicPartitionOffset[], now: number): void {
    if (offsets.length === 0) return;
    this.log.append(
      offsets.map((o) => ({
        key: Buffer.from(JSON.stringify([group, o.topic, o.partition])),
        value: Buffer.from(JSON.stringify({ offset: o.offset, committedAt: now } satisfies CommitValue)),
        headers: null,
        timestamp: now,
      })),
      now,
    );
    this.catchUp();
  }

  /** Forgets a deleted topic's offsets in every group (tombstones, so the forgetting survives a restart). */
  forgetTopic(topic: string, now: number): void {
    const tombstones: { group: string; partition: number }[] = [];
    for (const [group, groupOffsets] of this.offsets) {
      for (const tp of groupOffsets.keys()) {
        const [t, p] = tp.split('\0');
        if (t === topic) tombstones.push({ group, partition: Number(p) });
      }
    }
    if (tombstones.length === 0) return;
    this.log.append(
      tombstones.map((t) => ({ key: Buffer.from(JSON.stringify([t.group, topic, t.partition])), value: null, headers: null, timestamp: now })),
      now,
    );
    this.catchUp();
  }

  /** Forgets every offset a group committed (tombstones, so it survives a restart). */
  forgetGroup(group: string, now: number): void {
    const keys = [...(this.offsets.get(group)?.keys() ?? [])];
    if (keys.length === 0) return;
    this.log.append(
      keys.map((tp) => {
        const [topic, partition] = tp.split('\0');
        return { key: Buffer.from(JSON.stringify([group, topic, Number(partition)])), value: null, headers: null, timestamp: now };
      }),
      now,
    );
    this.catchUp();
  }

  committed(group: string, topic: string): TopicPartitionOffset[] {
    const result: TopicPartitionOffset[] = [];
    for (const [tp, offset] of this.offsets.get(group) ?? []) {
      const [t, p] = tp.split('\0');
      if (t === topic) result.push({ topic, partition: Number(p), offset });
    }
    return result.sort((a, b) => a.partition - b.partition);
  }

  committedOffset(group: string, topic: string, partition: number): number | undefined {
    return this.offsets.get(group)?.get(`${topic}\0${partition}`);
  }
}
