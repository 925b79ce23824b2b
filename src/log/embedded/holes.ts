/**
 * The offsets a partition lost to damage ("holes"), kept in `<partition dir>/holes.json`
 * so they are known, and never given again, after every restart:
 *
 *   { "version": 1, "holes": [ { "from": 1200, "to": 2806, "reason": "corrupt",
 *       "segment": "00000000000000000000.log", "position": 51234, "bytes": 98001,
 *       "quarantine": "00000000000000001200-00000000000000002806.quarantine",
 *       "detectedAt": "2026-12-01T10:00:00.000Z" } ] }
 *
 * `from`..`to` (inclusive) bound the offsets of the damaged batches: the offsets between
 * the intact batches on either side (so it may include offsets compaction had already
 * left empty). `reason` is `corrupt` (the bytes are there and fail their checksum or
 * framing: copied to the `quarantine` file, beside the segments, before they were cut
 * from the segment) or `missing` (offsets below the recovery point that no segment holds
 * any more: a file deleted or cut outside fastdata). Written atomically and fsynced
 * before the damaged bytes leave the segment.
 */
import { readFileSync } from 'node:fs';
import { writeFileDurably } from './durable-file.js';

export const HOLES_FILE = 'holes.json';

export interface LogHole {
  /** First lost offset. */
  from: number;
  /** Last lost offset (inclusive). */
  to: number;
  reason: 'corrupt' | 'missing';
  /** The segment file the damaged bytes were in (its name when they were found). */
  segment?: string;
  /** Where in that segment, and how many bytes. */
  position?: number;
  bytes?: number;
  /** The file beside the segments that keeps the damaged bytes. */
  quarantine?: string;
  /** When the damage was found (ISO 8601). */
  detectedAt: string;
}

/** Reads the holes file; a missing file is no holes. An unreadable one is an error: offsets could be given twice. */
export function readHoles(path: string): LogHole[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = JSON.parse(text) as { version?: number; holes?: LogHole[] };
  const holes = Array.isArray(parsed.holes) ? parsed.holes : [];
  return holes.filter((h) => Number.isSafeInteger(h.from) && Number.isSafeInteger(h.to) && h.from <= h.to).sort((a, b) => a.from - b.from);
}

export function writeHoles(path: string, holes: readonly LogHole[]): void {
  writeFileDurably(path, `${JSON.stringify({ version: 1, holes }, null, 2)}\n`);
}

/** `n` offsets, for messages: "1 offset", "1,607 offsets". */
export function offsetCount(hole: Pick<LogHole, 'from' | 'to'>): number {
  return hole.to - hole.from + 1;
}
