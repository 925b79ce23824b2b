/**
 * The history of several partitions as one sequence in time order (issue 17: `tail -b`
 * printed partition by partition). Records go to chosen partitions with interleaved
 * timestamps (and ties across partitions); the expected order is computed here from the
 * produce results: by timestamp, then partition, then offset.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { TimeOrderedHistory } from '../../../src/log/time-ordered-history.js';
import type { LogRecord } from '../../../src/log/types.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 10, 24, 10);
const PARTITIONS = 4;

interface Written {
  partition: number;
  offset: number;
  timestamp: number;
}

const byTime = (a: Written, b: Written) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;
const ids = (records: { partition: number; offset: number }[]) => records.map((r) => `${r.partition}:${r.offset}`);

async function collect(history: TimeOrderedHistory): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of history) out.push(record);
  return out;
}

describe('TimeOrderedHistory', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let written: Written[];

  beforeEach(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(dir.path, { fsync: 'never' });
    await log.createTopic({ name: 'stats', partitions: PARTITIONS });
    // 200 records; record i at T0 + i * 1000 on partition (i * 7) % 4, so every partition's
    // times ascend and interleave with the others'. Every tenth also on the next partition
    // at the same time: ties across partitions.
    const records = [];
    for (let i = 0; i < 200; i++) {
      const timestamp = T0 + i * 1000;
      records.push({ partition: (i * 7) % PARTITIONS, key: `k${i}`, value: `v${i}`, timestamp });
      if (i % 10 === 0) records.push({ partition: ((i * 7) % PARTITIONS + 1) % PARTITIONS, key: `t${i}`, value: `tie${i}`, timestamp });
    }
    // In several produce calls, so partitions hold several batches each.
    written = [];
    for (let i = 0; i < records.length; i += 17) {
      const metadata = await log.produce('stats', records.slice(i, i + 17));
      written.push(...metadata.map((m) => ({ partition: m.partition, offset: m.offset, timestamp: m.timestamp })));
    }
  });
  afterEach(async () => {
    await log.close();
    await dir.remove();
  });

  it('merges every partition from the oldest record by time, then partition, then offset', async () => {
    for (const batchRecords of [1, 3, 1000]) {
      const history = await TimeOrderedHistory.open(log, { topic: 'stats', partitions: [0, 1, 2, 3], from: 'earliest', batchRecords });
      const read = await collect(history);
      expect(ids(read), `batchRecords ${batchRecords}`).toEqual(ids([...written].sort(byTime)));
      // Not partition by partition, as before.
      expect(new Set(read.slice(0, 8).map((r) => r.partition)).size).toBe(PARTITIONS);
    }
  });

  it('starts each partition at a time (--since), and merges a chosen subset of partitions', async () => {
    const since = T0 + 120_500;
    const history = await TimeOrderedHistory.open(log, { topic: 'stats', partitions: [1, 3], from: { timestamp: since }, batchRecords: 5 });
    const expected = written.filter((w) => (w.partition === 1 || w.partition === 3) && w.timestamp >= since).sort(byTime);
    expect(expected.length).toBeGreaterThan(10);
    expect(ids(await collect(history))).toEqual(ids(expected));
  });

  it('stops at the end offsets it had when opened, which is where following live records starts', async () => {
    const history = await TimeOrderedHistory.open(log, { topic: 'stats', partitions: [0, 1, 2, 3], from: 'earliest', batchRecords: 2 });
    const endsAtOpen = Object.fromEntries([0, 1, 2, 3].map((p) => [p, written.filter((w) => w.partition === p).length]));
    expect(history.ends).toEqual(endsAtOpen);
    // Appended after the history was opened: for the live part, not the history.
    await log.produce('stats', [0, 1, 2, 3].map((partition) => ({ partition, key: 'late', value: 'late', timestamp: T0 })));
    const read = await collect(history);
    expect(read).toHaveLength(written.length);
    expect(read.every((r) => r.value?.toString() !== 'late')).toBe(true);
    const live = log.reader({ topic: 'stats', from: history.ends, stopAtEnd: true });
    const after: LogRecord[] = [];
    for await (const batch of live) after.push(...batch.records);
    expect(after.map((r) => r.value?.toString())).toEqual(['late', 'late', 'late', 'late']);
  });

  it('keeps a partition in offset order when its own times go back', async () => {
    await log.createTopic({ name: 'late', partitions: 2 });
    // Partition 0: 10, 30, 5 (a late record); partition 1: 20, 40.
    const p0 = await log.produce('late', [10, 30, 5].map((t) => ({ partition: 0, value: `p0@${t}`, timestamp: T0 + t })));
    await log.produce('late', [20, 40].map((t) => ({ partition: 1, value: `p1@${t}`, timestamp: T0 + t })));
    expect(p0.map((m) => m.offset)).toEqual([0, 1, 2]);
    const history = await TimeOrderedHistory.open(log, { topic: 'late', partitions: [0, 1], from: 'earliest', batchRecords: 1 });
    expect((await collect(history)).map((r) => r.value?.toString())).toEqual(['p0@10', 'p1@20', 'p0@30', 'p0@5', 'p1@40']);
  });

  it('ends early when closed, and an empty history ends at once', async () => {
    const history = await TimeOrderedHistory.open(log, { topic: 'stats', partitions: [0, 1, 2, 3], from: 'earliest', batchRecords: 4 });
    let n = 0;
    for await (const _ of history) if (++n === 10) await history.close();
    expect(n).toBe(10);
    const empty = await TimeOrderedHistory.open(log, { topic: 'stats', partitions: [0, 1, 2, 3], from: { timestamp: T0 + 10_000_000 } });
    expect(await collect(empty)).toEqual([]);
    expect(empty.ends).toEqual(Object.fromEntries([0, 1, 2, 3].map((p) => [p, written.filter((w) => w.partition === p).length])));
  });
});
