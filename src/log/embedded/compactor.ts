/**
 * Log compaction for keyed topics (changelogs, consumer offsets): keep the latest record
 * of every key, drop tombstones once `deleteRetentionMs` has passed, keep the survivors'
 * offsets. Like Kafka's cleaner it never touches the active segment, and it merges small
 * cleaned segments so a long-lived changelog does not become thousands of tiny files.
 *
 * Crash safety: a group of segments is rewritten to `<base>.log.cleaned`, fsynced, and then
 * either renamed over `<base>.log` (one segment) or renamed to `<base>.log.swap` before the
 * other segments of the group are removed and the swap takes the base name. On open, a
 * `.cleaned` file is discarded and a `.swap` file completes its swap (partition-log.ts).
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LogRecord, TopicConfig } from '../types.js';
import { type BatchRecordInput, encodeBatch } from './batch-codec.js';
import { Segment, segmentFileName } from './segment.js';

const READ_CHUNK = 4 * 1024 * 1024;
const WRITE_BATCH_BYTES = 1024 * 1024;

export interface CompactionInput {
  dir: string;
  topic: string;
  partition: number;
  /** All segments, the active one last. */
  segments: Segment[];
  config: TopicConfig;
  now: number;
}

function forEachRecord(segment: Segment, topic: string, partition: number, fn: (r: LogRecord) => void): void {
  let offset = segment.baseOffset;
  const out: LogRecord[] = [];
  for (;;) {
    out.length = 0;
    if (segment.read(offset, READ_CHUNK, Number.MAX_SAFE_INTEGER, topic, partition, out) === 0) return;
    for (const r of out) fn(r);
    offset = out[out.length - 1]!.offset + 1;
  }
}

const keyId = (key: Buffer | null): string | null => (key === null ? null : key.toString('latin1'));

/** Returns the new segment list (the active segment unchanged, last). */
export function compactSegments(input: CompactionInput): Segment[] {
  const { dir, topic, partition, segments, config, now } = input;
  const latest = new Map<string, number>();
  for (const segment of segments) {
    forEachRecord(segment, topic, partition, (r) => {
      const id = keyId(r.key);
      if (id !== null) latest.set(id, r.offset);
    });
  }

  const closed = segments.slice(0, -1);
  const result: Segment[] = [];
  let group: Segment[] = [];
  let kept: BatchRecordInput[] = [];
  let keptBytes = 0;
  let removedFromGroup = 0;

  const flushGroup = () => {
    if (group.length === 0) return;
    if (group.length === 1 && removedFromGroup === 0) result.push(group[0]!);
    else result.push(...rewriteGroup(dir, group, kept));
    group = [];
    kept = [];
    keptBytes = 0;
    removedFromGroup = 0;
  };

  for (const segment of closed) {
    const survivors: BatchRecordInput[] = [];
    let survivorBytes = 0;
    let removed = 0;
    forEachRecord(segment, topic, partition, (r) => {
      const id = keyId(r.key);
      const isLatest = id === null || latest.get(id) === r.offset;
      const expiredTombstone = r.value === null && r.timestamp < now - config.deleteRetentionMs;
      if (!isLatest || expiredTombstone) {
        removed++;
        return;
      }
      const headers = Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), v] as const);
      survivors.push({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: headers.length ? headers : null });
      survivorBytes += (r.key?.length ?? 0) + (r.value?.length ?? 0) + 16;
    });
    if (group.length > 0 && keptBytes + survivorBytes > config.segmentBytes) flushGroup();
    group.push(segment);
    kept.push(...survivors);
    keptBytes += survivorBytes;
    removedFromGroup += removed;
  }
  flushGroup();
  result.push(segments[segments.length - 1]!);
  return result;
}

/** Replaces a group of consecutive segments by one holding `records`; none if no record survived. */
function rewriteGroup(dir: string, group: Segment[], records: BatchRecordInput[]): Segment[] {
  const base = group[0]!.baseOffset;
  const finalPath = join(dir, segmentFileName(base));
  if (records.length === 0) {
    for (const s of group) {
      s.close();
      unlinkSync(s.path);
    }
    return [];
  }
  const cleanedPath = `${finalPath}.cleaned`;
  const fd = openSync(cleanedPath, 'w');
  try {
    let position = 0;
    for (let i = 0; i < records.length; ) {
      const chunk: BatchRecordInput[] = [];
      let bytes = 0;
      while (i < records.length && (chunk.length === 0 || bytes < WRITE_BATCH_BYTES)) {
        const r = records[i++]!;
        chunk.push(r);
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0) + 16;
      }
      const batch = encodeBatch(chunk);
      let written = 0;
      while (written < batch.length) written += writeSync(fd, batch, written, batch.length - written, position + written);
      position += batch.length;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  for (const s of group) s.close();
  if (group.length === 1) {
    renameSync(cleanedPath, finalPath);
  } else {
    const swapPath = `${finalPath}.swap`;
    renameSync(cleanedPath, swapPath);
    for (const s of group.slice(1)) unlinkSync(s.path);
    renameSync(swapPath, finalPath);
  }
  return [Segment.open(finalPath, base, { verify: false, readOnly: false })];
}
