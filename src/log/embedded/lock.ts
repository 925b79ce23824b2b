/**
 * One writer per data dir: two processes appending to the same segment files would
 * interleave batches. The lock file holds the writer's pid; a lock whose process is gone
 * (killed, crashed) is taken over. Readers (`fastdata tail`, `fastdata topics`) take no lock.
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { FastdataError } from '../../errors.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(path: string, dataDir: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid === process.pid) {
        throw new FastdataError('FD_LOG_LOCKED', `the data dir ${dataDir} is already open in this process; close the first log before opening it again`, {
          context: { file: path },
        });
      }
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        throw new FastdataError(
          'FD_LOG_LOCKED',
          `the data dir ${dataDir} is in use by process ${pid} (a running 'fastdata dev' or 'fastdata run'?); ` +
            `stop that process, or give this one another --data-dir. Read-only commands such as 'fastdata tail' can run beside it`,
          { context: { file: path } },
        );
      }
      // The writer that held it is gone (killed or crashed): take the lock over.
      unlinkSync(path);
    }
  }
  throw new FastdataError('FD_LOG_LOCKED', `could not take the lock ${path}; another process keeps creating it`);
}
