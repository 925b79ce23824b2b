/**
 * One writer per directory (the embedded log's data dir, the registry's): a lock file
 * holding the writer's pid, created atomically (`link` of a file that already holds the
 * pid), so nobody ever sees an empty lock. A lock whose process is gone (killed,
 * crashed) is taken over. Readers take no lock.
 */
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import type { FastdataError } from '../errors.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Who holds a lock we could not take: this very process, or another live one (its pid); or nobody stays out of the way. */
export type LockHolder = 'this-process' | number | 'contended';

/** Takes the lock at `path`; resolves to its release (idempotent). `refuse` builds the error when it is held. */
export async function acquirePidLock(path: string, refuse: (holder: LockHolder) => FastdataError): Promise<() => Promise<void>> {
  const staging = `${path}.${process.pid}.${Date.now()}`;
  await writeFile(staging, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(staging, path);
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const pid = await readPid(path);
      if (pid === process.pid) throw refuse('this-process');
      if (pid !== undefined && processAlive(pid)) throw refuse(pid);
      // The writer that held it is gone: take the lock over.
      await unlink(path).catch(() => undefined);
    }
    throw refuse('contended');
  } finally {
    await unlink(staging).catch(() => undefined);
  }
}
