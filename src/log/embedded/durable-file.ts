/**
 * Small helpers for files that must survive a power loss whole: write, fsync, rename over
 * the old one, fsync the directory (so the rename itself is on disk).
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes all of `buf` at `position`. */
export function writeAllSync(fd: number, buf: Buffer, position: number): void {
  let written = 0;
  while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written, position + written);
}

/** Fsyncs a directory, so that a file created or renamed in it stays after a power loss. Not possible on every platform (Windows): then a no-op. */
export function fsyncDir(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Directories cannot be opened or fsynced here; the rename is as durable as the platform makes it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces `path` with `content` atomically and durably: a crash leaves the old file or the new one, never a mix. */
export function writeFileDurably(path: string, content: string | Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAllSync(fd, typeof content === 'string' ? Buffer.from(content) : content, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
