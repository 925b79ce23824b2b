/**
 * The changelog topic of a module: per task (= partition), the changes of its state
 * stores, each checkpoint closed by a marker record that says which input offsets and
 * which watermark the state includes. Keys are JSON (`["<store>","<id>"]`, the marker
 * `["@checkpoint"]`), values JSON or null (a deleted entry), so the topic compacts to
 * the latest state plus the latest marker.
 *
 * A checkpoint of one task is written in one produce call to one partition, which the
 * Log appends atomically; restore still applies only what a marker closes, so a torn
 * checkpoint can never leave half of its changes in the state.
 */
import type { Log, ProduceRecord } from '../log/types.js';
import type { StateEntry } from './task.js';
import type { WatermarkSnapshot } from './watermark.js';

const MARKER_KEY = JSON.stringify(['@checkpoint']);

export interface CheckpointMarker {
  /** Increases with every checkpoint of the task; output records carry the epoch they belong to. */
  epoch: number;
  /** Next offset to read per input topic: where the task resumes. */
  offsets: Record<string, number>;
  watermark: WatermarkSnapshot;
  /** End offsets of the output and dead-letter topics after this checkpoint's writes (for de-duplication on restore). */
  outputEnds: Record<string, number[]>;
  /** Wall-clock time of the checkpoint. */
  at: number;
}

export function changelogRecords(partition: number, entries: readonly StateEntry[], marker: CheckpointMarker): ProduceRecord[] {
  const records: ProduceRecord[] = entries.map((e) => ({
    key: JSON.stringify([e.store, e.id]),
    value: e.value === null ? null : JSON.stringify(e.value),
    partition,
    timestamp: marker.at,
  }));
  records.push({ key: MARKER_KEY, value: JSON.stringify(marker), partition, timestamp: marker.at });
  return records;
}

export interface RestoredState {
  entries: StateEntry[];
  marker: CheckpointMarker | undefined;
  /** Changes written after the last marker: a checkpoint that did not complete, not applied. */
  discarded: number;
}

/** Reads a task's partition of the changelog to its current end. */
export async function readChangelog(log: Log, topic: string, partition: number): Promise<RestoredState> {
  const state = new Map<string, StateEntry>();
  let pending: StateEntry[] = [];
  let marker: CheckpointMarker | undefined;
  const reader = log.reader({ topic, partitions: [partition], from: 'earliest', stopAtEnd: true });
  try {
    for await (const batch of reader) {
      for (const record of batch.records) {
        const key = record.key?.toString('utf8');
        if (!key) continue;
        if (key === MARKER_KEY) {
          if (record.value === null) continue;
          for (const entry of pending) {
            const id = JSON.stringify([entry.store, entry.id]);
            if (entry.value === null) state.delete(id);
            else state.set(id, entry);
          }
          pending = [];
          marker = JSON.parse(record.value.toString('utf8')) as CheckpointMarker;
          continue;
        }
        const [store, id] = JSON.parse(key) as [string, string];
        pending.push({ store, id, value: record.value === null ? null : (JSON.parse(record.value.toString('utf8')) as unknown) });
      }
    }
  } finally {
    await reader.close();
  }
  return { entries: [...state.values()], marker, discarded: pending.length };
}
