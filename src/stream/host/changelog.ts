/**
 * The changelog of a processor's tasks: per task (one partition of the changelog topic),
 * the changes of its state, each checkpoint closed by a marker record that says which
 * input positions and watermarks the state includes. Keys are JSON (`["<store>","<id>"]`,
 * the marker `["@checkpoint"]`), values JSON or null (a deleted entry), so the compacted
 * topic keeps the latest state and the latest marker.
 *
 * A checkpoint of any size: its records are written in produce requests that each stay
 * under the topic's max.message.bytes (batch-size.ts), the marker last. At-least-once has
 * no transaction around those requests, so a crash between two of them leaves a torn
 * checkpoint: changes with no marker after them. Restore applies only what a marker closes
 * and reports the torn changes; the task's next checkpoint then rewrites each key a torn
 * change touched with its restored value (`repair`), before its own changes, so a later
 * restore that reads the torn change before that checkpoint's marker still ends with the
 * right value. Exactly-once writes all the requests of a checkpoint in one transaction,
 * and a read_committed restore never sees a torn one.
 *
 * Every record carries its checkpoint's epoch (header `fastdata.epoch`); epochs only grow,
 * also across a torn checkpoint (`nextEpoch` is past every epoch seen), so outputs written
 * by an unfinished checkpoint are never taken for a later one's (output-dedupe.ts).
 *
 * Changelogs written before epochs and positions per topic-partition (one task per
 * partition, `offsets` by topic, one `watermark`) restore as they were.
 */
import type { Log, ProduceRecord, TopicPartitionOffset } from '../../log/types.js';
import type { WatermarkSnapshot } from '../watermark.js';
import { EPOCH_HEADER } from './output-dedupe.js';

export const MARKER_KEY = JSON.stringify(['@checkpoint']);

/** One entry of a state store: `value` null when it was deleted. */
export interface StateEntry {
  store: string;
  id: string;
  value: unknown;
}

export interface CheckpointMarker {
  /** Increases with every checkpoint of the task; output records carry the epoch they belong to. */
  epoch: number;
  /** Next offset to read per input topic-partition: where the task resumes. */
  positions: TopicPartitionOffset[];
  /** Per clock of the task (event-time.ts). */
  watermarks: Record<string, WatermarkSnapshot>;
  /** End offsets of the output and dead-letter topics after this checkpoint's writes (for de-duplication on restore). */
  outputEnds: Record<string, number[]>;
  /** Wall-clock time of the checkpoint. */
  at: number;
  /** What the processor keeps beside its state (the alert evaluator: how far its notifications were published). */
  meta?: unknown;
}

/** A marker as changelogs written before positions per topic-partition hold it. */
interface LegacyMarker {
  epoch: number;
  offsets: Record<string, number>;
  watermark: WatermarkSnapshot;
  outputEnds: Record<string, number[]>;
  at: number;
}

/** The clock of a stream task, which legacy markers' single watermark belongs to. */
export const TASK_CLOCK = 'task';
/** A stream task that repartitions: the clock of its own inputs, one channel of TASK_CLOCK beside the other tasks' markers. */
export const INPUT_CLOCK = 'input';

/** The records of one checkpoint of task `partition`: `repair` first, then `entries`, then the marker. */
export function changelogRecords(partition: number, entries: readonly StateEntry[], marker: CheckpointMarker): ProduceRecord[] {
  const headers = { [EPOCH_HEADER]: String(marker.epoch) };
  const records: ProduceRecord[] = new Array(entries.length + 1);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    records[i] = { key: JSON.stringify([e.store, e.id]), value: e.value === null ? null : JSON.stringify(e.value), partition, timestamp: marker.at, headers };
  }
  records[entries.length] = { key: MARKER_KEY, value: JSON.stringify(marker), partition, timestamp: marker.at, headers };
  return records;
}

export interface RestoredState {
  /** The state as the last complete checkpoint left it. */
  entries: StateEntry[];
  marker: CheckpointMarker | undefined;
  /**
   * The keys changes after the last marker touched (a checkpoint that did not complete), each
   * with its value as restored (null: absent). Not applied; the next checkpoint writes them first.
   */
  repair: StateEntry[];
  /** The epoch the next checkpoint takes: past every epoch in the changelog, torn checkpoints included. */
  nextEpoch: number;
  /** Records whose key is no changelog key (written by something else): skipped. */
  foreign: number;
}

const entryId = (store: string, id: string) => JSON.stringify([store, id]);

/** Reads a task's partition of the changelog to its current end. */
export async function readChangelog(log: Log, topic: string, partition: number): Promise<RestoredState> {
  const state = new Map<string, StateEntry>();
  let pending: StateEntry[] = [];
  let marker: CheckpointMarker | undefined;
  let maxEpoch = 0;
  let foreign = 0;
  const reader = log.reader({ topic, partitions: [partition], from: 'earliest', stopAtEnd: true });
  try {
    for await (const batch of reader) {
      for (const record of batch.records) {
        const key = record.key?.toString('utf8');
        if (!key) continue;
        const epoch = Number(record.headers[EPOCH_HEADER]?.toString());
        if (epoch > maxEpoch) maxEpoch = epoch;
        if (key === MARKER_KEY) {
          if (record.value === null) continue;
          // Compaction removes older markers, so what precedes a marker may come from several checkpoints: all of it is closed.
          for (const entry of pending) {
            const id = entryId(entry.store, entry.id);
            if (entry.value === null) state.delete(id);
            else state.set(id, entry);
          }
          pending = [];
          marker = readMarker(JSON.parse(record.value.toString('utf8')) as CheckpointMarker | LegacyMarker, partition);
          if (marker.epoch > maxEpoch) maxEpoch = marker.epoch;
          continue;
        }
        const entry = entryKey(key);
        if (!entry) {
          foreign++;
          continue;
        }
        pending.push({ store: entry[0], id: entry[1], value: record.value === null ? null : (JSON.parse(record.value.toString('utf8')) as unknown) });
      }
    }
  } finally {
    await reader.close();
  }
  const torn = new Map<string, StateEntry>();
  for (const entry of pending) {
    const id = entryId(entry.store, entry.id);
    torn.set(id, state.get(id) ?? { store: entry.store, id: entry.id, value: null });
  }
  return { entries: [...state.values()], marker, repair: [...torn.values()], nextEpoch: maxEpoch + 1, foreign };
}

/** `[store, id]` of a changelog entry's key, or undefined for a key this format did not write. */
function entryKey(key: string): [string, string] | undefined {
  if (!key.startsWith('[')) return undefined;
  try {
    const parsed = JSON.parse(key) as unknown;
    return Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string' ? [parsed[0], parsed[1]] : undefined;
  } catch {
    return undefined;
  }
}

function readMarker(raw: CheckpointMarker | LegacyMarker, partition: number): CheckpointMarker {
  if ('positions' in raw) return raw;
  return {
    epoch: raw.epoch,
    positions: Object.entries(raw.offsets ?? {}).map(([topic, offset]) => ({ topic, partition, offset })),
    watermarks: raw.watermark ? { [TASK_CLOCK]: raw.watermark } : {},
    outputEnds: raw.outputEnds ?? {},
    at: raw.at,
  };
}
