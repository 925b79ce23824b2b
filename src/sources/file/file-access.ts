/**
 * Opening the file a source names, and waiting between polls. A file that is not there,
 * is a directory or may not be read is the source's configuration at fault, not an outage:
 * FD_CONFIG_INVALID names the path and the reason, where Node's error would only say
 * `ENOENT: no such file or directory, open ...`.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { FastdataError } from '../../errors.js';

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'there is no such file',
  EISDIR: 'it is a directory',
  EACCES: 'this process may not read it',
  EPERM: 'this process may not read it',
};

/** Opens `path` for reading; FD_CONFIG_INVALID when it is missing, a directory or unreadable. */
export async function openForReading(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  // open() succeeds on a directory on Linux; reading it fails later with a less clear EISDIR.
  const stats = await handle.stat();
  if (stats.isDirectory()) {
    await handle.close();
    throw unreadable(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
  }
  return handle;
}

/** The error to throw for a file that cannot be read: FD_CONFIG_INVALID for the reasons above, the error itself otherwise. */
export function unreadable(path: string, error: unknown): unknown {
  const code = (error as { code?: string } | null)?.code;
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason === undefined) return error;
  return new FastdataError('FD_CONFIG_INVALID', `cannot read ${path}: ${reason}; check the source's \`path:\``, { context: { file: path, field: 'path' }, cause: error });
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: the caller checks `signal.aborted`). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
