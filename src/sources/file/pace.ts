/**
 * Replay at event-time pace: a recorded file played back as if live, or faster. With
 * speed s, the record with event time t is released at start + (t - t0) / s, where t0 is
 * the first event time seen and start the wall time it was seen at: at 60x a minute of
 * data takes a second. Due times are measured from that one start, not from the last
 * sleep, so waits do not add up into drift. Records without an event time (error
 * records, values without the field) are released at once, in their place; an event time
 * earlier than one already released is due at once too (the file is not reordered).
 * `'max'` passes the batches through untouched.
 *
 * Splitting a batch into pieces keeps its position correct: only the last piece of a
 * batch carries its `position`, so a source that stores positions as pieces are written
 * never stores one past records it has not written yet.
 */
import { invalidArgument } from '../../errors.js';
import type { SourceRecord } from '../source-record.js';
import { sleep as abortableSleep } from './file-access.js';
import type { FileBatch, FilePosition } from './position.js';

export type ReplaySpeed = number | 'max';

/** Part of a batch; the last part of each batch carries the batch's position. */
export interface PacedBatch {
  records: SourceRecord[];
  position?: FilePosition;
}

export interface PaceOptions {
  speed: ReplaySpeed;
  /** The event time of a record's value in ms, or undefined when it has none. */
  timeOf: (value: unknown) => number | undefined;
  /** Wall time in ms. Default Date.now. */
  now?: () => number;
  /** Waits `ms`, or less when `signal` aborts. Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Ends the replay (the iterable ends, the batches' iterator is closed). */
  signal?: AbortSignal;
}

const SPEED = /^(\d+(?:\.\d+)?|\.\d+)x$/i;

/** `'1x'`, `'60x'`, `'0.5x'` (a positive factor) or `'max'` (as fast as possible); FD_ARGUMENT_INVALID otherwise. */
export function parseSpeed(text: string): ReplaySpeed {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (trimmed.toLowerCase() === 'max') return 'max';
  const match = SPEED.exec(trimmed);
  const factor = match ? Number(match[1]) : Number.NaN;
  if (!(factor > 0 && Number.isFinite(factor))) {
    throw invalidArgument('speed', `${JSON.stringify(text)} is not a replay speed; write a positive factor followed by x (1x: real time, 60x: a minute a second, 0.5x) or max (no waiting)`);
  }
  return factor;
}

/** The records of `batches`, each released at its event time's due wall time (see the file comment). */
export async function* paceByEventTime(batches: AsyncIterable<FileBatch>, options: PaceOptions): AsyncGenerator<PacedBatch> {
  const { speed, timeOf, signal } = options;
  if (speed === 'max') {
    for await (const batch of batches) {
      if (signal?.aborted) return;
      yield batch;
    }
    return;
  }
  if (!(typeof speed === 'number' && speed > 0 && Number.isFinite(speed))) throw invalidArgument('speed', `a positive factor or 'max', got ${String(speed)}`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  let start = 0;
  let first: number | undefined;
  for await (const batch of batches) {
    if (signal?.aborted) return;
    let piece: SourceRecord[] = [];
    for (const record of batch.records) {
      const time = record.value === undefined ? undefined : timeOf(record.value);
      if (time !== undefined && Number.isFinite(time)) {
        if (first === undefined) {
          first = time;
          start = now();
        }
        const due = start + (time - first) / speed;
        if (due > now()) {
          // What is due already goes first, then the wait (measured after it is handed on).
          if (piece.length > 0) {
            yield { records: piece };
            piece = [];
          }
          const wait = due - now();
          if (wait > 0) await sleep(wait, signal);
          if (signal?.aborted) return;
        }
      }
      piece.push(record);
    }
    yield { records: piece, position: batch.position };
  }
}
