/**
 * Records of a topic within a time range, read from the log (not from memory), in pages:
 * ordered by (timestamp, partition, offset) across partitions, with a cursor (the next
 * offset of every partition) that the next page starts from. A page never skips a record:
 * each partition is read from its cursor position, and only what is handed out moves it.
 */
import { FastdataError } from '../../errors.js';
import type { Log, LogRecord } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { RangePage, RangeQuery } from '../../sinks/result-store.js';
import { toViewRecord, type ViewRecord } from './view-record.js';

/** Reads one partition from `offset` until `limit` matching records, a timestamp >= to, or the end. */
async function readPartition(log: Log, topic: string, partition: number, offset: number, query: RangeQuery): Promise<{ records: LogRecord[]; exhausted: boolean }> {
  const records: LogRecord[] = [];
  const reader = log.reader({ topic, partitions: [partition], from: { [partition]: offset }, stopAtEnd: true });
  let exhausted = true;
  try {
    outer: for await (const batch of reader) {
      for (const record of batch.records) {
        // Timestamps are event times: they need not increase along a partition, so every
        // record up to the end is looked at, not only up to the first one past `to`.
        if (record.timestamp < query.from || record.timestamp >= query.to) continue;
        if (query.key !== undefined && record.key?.toString('utf8') !== query.key) continue;
        records.push(record);
        if (records.length > query.limit) {
          exhausted = false;
          break outer;
        }
      }
    }
  } finally {
    await reader.close();
  }
  return { records, exhausted };
}

export async function readRange(log: Log, serde: AvroSerde, topic: string, query: RangeQuery): Promise<RangePage> {
  if (!(query.from < query.to)) throw new FastdataError('FD_ARGUMENT_INVALID', `from (${query.from}) must be before to (${query.to})`, { context: { field: 'from' } });
  const offsets = await log.offsets(topic);
  const byTime = query.cursor ? undefined : await log.offsetsForTime(topic, query.from);
  const starts = new Map<number, number>();
  for (const { partition, start, end } of offsets) {
    const fromCursor = query.cursor?.[partition];
    const fromTime = byTime?.find((o) => o.partition === partition)?.offset;
    starts.set(partition, Math.min(end, Math.max(start, fromCursor ?? fromTime ?? start)));
  }
  const perPartition = await Promise.all(
    [...starts].map(async ([partition, offset]) => ({ partition, offset, ...(await readPartition(log, topic, partition, offset, query)) })),
  );
  // A k-way merge by time of the partitions' sequences, each kept in offset order, so the
  // page takes a prefix of every partition and its cursor never passes a record not taken.
  const heads = perPartition.map(() => 0);
  const page: LogRecord[] = [];
  while (page.length < query.limit) {
    let best = -1;
    for (let i = 0; i < perPartition.length; i++) {
      const candidate = perPartition[i]!.records[heads[i]!];
      if (candidate && (best < 0 || candidate.timestamp < perPartition[best]!.records[heads[best]!]!.timestamp)) best = i;
    }
    if (best < 0) break;
    page.push(perPartition[best]!.records[heads[best]!++]!);
  }
  const next: Record<number, number> = Object.fromEntries(starts);
  for (const record of page) next[record.partition] = record.offset + 1;
  const more = perPartition.some((p, i) => heads[i]! < p.records.length || !p.exhausted);
  const records: ViewRecord[] = [];
  for (const record of page) {
    const view = await toViewRecord(serde, record);
    if (view) records.push(view);
  }
  return { records, next: more ? next : undefined };
}
