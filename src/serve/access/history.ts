/**
 * History for a subscription: the records of a topic between given start offsets and the
 * offsets where its live records begin, read from the log, so history and live records
 * meet without a gap or an overlap. At most `max` records: the most recent ones, and the
 * number left out is reported (the client is told how many it missed).
 */
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { toViewRecord, type ViewRecord } from './view-record.js';

export async function readHistory(
  log: Log,
  serde: AvroSerde,
  topic: string,
  starts: Record<number, number>,
  ends: Record<number, number>,
  options: { key?: string; max: number },
): Promise<{ records: ViewRecord[]; skipped: number }> {
  let kept: ViewRecord[] = [];
  let skipped = 0;
  const byTime = (a: ViewRecord, b: ViewRecord) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;
  // Memory stays within 2 × max: past that, the oldest are dropped (and counted) as reading goes on.
  const trim = () => {
    kept.sort(byTime);
    skipped += kept.length - options.max;
    kept = kept.slice(kept.length - options.max);
  };
  for (const [p, end] of Object.entries(ends)) {
    const partition = Number(p);
    const start = Math.max(0, starts[partition] ?? end);
    if (start >= end) continue;
    const reader = log.reader({ topic, partitions: [partition], from: { [partition]: start }, stopAtEnd: true });
    try {
      outer: for await (const batch of reader) {
        for (const record of batch.records) {
          if (record.offset >= end) break outer;
          if (options.key !== undefined && record.key?.toString('utf8') !== options.key) continue;
          const view = await toViewRecord(serde, record);
          if (view) kept.push(view);
          if (kept.length >= 2 * options.max) trim();
        }
      }
    } finally {
      await reader.close();
    }
  }
  if (kept.length > options.max) trim();
  else kept.sort(byTime);
  return { records: kept, skipped };
}
