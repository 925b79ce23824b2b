/**
 * One writer per registry directory: two writers would hand out the same global id to
 * two schemas, and every consumer would then decode records with the wrong schema.
 * Read-only instances (the CLI's `fastdata tail` beside `fastdata dev`) take no lock.
 *
 * The lock file holds the writer's pid and is created atomically (`link` of a file that
 * already has the pid in it), so nobody ever sees an empty lock. A lock whose process is
 * gone (killed, crashed) is taken over.
 */
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { FastdataError } from '../errors.js';

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

/** Takes the lock at `path` for this process; resolves to its release (idempotent). */
export async function acquireRegistryLock(path: string, dir: string): Promise<() => Promise<void>> {
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
      if (pid === process.pid) {
        throw new FastdataError('FD_REGISTRY_LOCKED', `the schema registry in ${dir} is already open for writing in this process; share that instance, or open this one with { readOnly: true }`, {
          context: { file: path },
        });
      }
      if (pid !== undefined && processAlive(pid)) {
        throw new FastdataError(
          'FD_REGISTRY_LOCKED',
          `the schema registry in ${dir} is open for writing in process ${pid} (a running 'fastdata dev' or 'fastdata run'?); ` +
            'stop that process, or open this one with { readOnly: true }',
          { context: { file: path, pid } },
        );
      }
      // The writer that held it is gone: take the lock over.
      await unlink(path).catch(() => undefined);
    }
    throw new FastdataError('FD_REGISTRY_LOCKED', `could not take the lock ${path}: another process keeps taking it`, { context: { file: path } });
  } finally {
    await unlink(staging).catch(() => undefined);
  }
}
