/** Polling until a condition holds, and reading the end of a log file for error messages. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `check` every `intervalMs` until it returns a value other than undefined, and
 * returns it; undefined after `timeoutMs`. `check` may throw to stop waiting at once.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined> | T | undefined, options: { timeoutMs: number; intervalMs?: number }): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}

function readRange(path: string, start: number, end: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(Math.max(0, end - start));
    const read = readSync(fd, buffer, 0, buffer.length, start);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The last `lines` lines of a file (at most the last 64 KiB of it); '' when it does not exist. */
export function tailFile(path: string, lines = 30): string {
  const size = fileSize(path);
  const text = readRange(path, Math.max(0, size - 65_536), size);
  return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
}

/**
 * Whether a log file contains `needle`, reading only what was appended since the last
 * call with the same `cursor` (so a long log is not reread on every poll).
 */
export function logContains(path: string, needle: string, cursor: { offset: number }): boolean {
  const size = fileSize(path);
  if (size < cursor.offset) cursor.offset = 0;
  // Re-read a needle's length of overlap, in case it was split between two reads.
  const start = Math.max(0, cursor.offset - needle.length);
  const text = readRange(path, start, size);
  cursor.offset = size;
  return text.includes(needle);
}
