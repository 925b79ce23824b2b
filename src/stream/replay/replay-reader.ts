/**
 * Reading history for a replay: one partition of a topic between two offsets, and several
 * such ranges merged into one sequence by record timestamp (a module with several inputs;
 * ties keep the order of the inputs).
 */
import type { Log, LogRecord } from '../../log/types.js';

/** The records of `topic`/`partition` from offset `start` up to `end` (exclusive). */
export async function* readRange(log: Log, topic: string, partition: number, start: number, end: number): AsyncGenerator<LogRecord> {
  if (start >= end) return;
  const reader = log.reader({ topic, partitions: [partition], from: { [partition]: start }, stopAtEnd: true });
  try {
    for await (const batch of reader) {
      for (const record of batch.records) {
        if (record.offset >= end) return;
        yield record;
      }
      if (batch.records.length > 0 && batch.records[batch.records.length - 1]!.offset >= end - 1) return;
    }
  } finally {
    await reader.close();
  }
}

/** Merges ordered sequences into one, by timestamp; with one sequence, that sequence. */
export async function* mergeByTimestamp(sources: AsyncGenerator<LogRecord>[]): AsyncGenerator<LogRecord> {
  if (sources.length === 1) {
    yield* sources[0]!;
    return;
  }
  const heads = await Promise.all(sources.map((s) => s.next()));
  try {
    for (;;) {
      let next = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (head.done) continue;
        if (next < 0 || head.value.timestamp < (heads[next]!.value as LogRecord).timestamp) next = i;
      }
      if (next < 0) return;
      yield heads[next]!.value as LogRecord;
      heads[next] = await sources[next]!.next();
    }
  } finally {
    await Promise.all(sources.map((s) => s.return(undefined)));
  }
}
