/**
 * One writer per data dir: two processes appending to the same segment files would
 * interleave batches. Readers (`fastdata tail`, `fastdata topics`) take no lock.
 */
import { FastdataError } from '../../errors.js';
import { acquirePidLock } from '../../fs/pid-lock.js';

export function acquireLogLock(path: string, dataDir: string): Promise<() => Promise<void>> {
  return acquirePidLock(path, (holder) => {
    if (holder === 'this-process') {
      return new FastdataError('FD_LOG_LOCKED', `the data dir ${dataDir} is already open in this process; close the first log before opening it again`, { context: { file: path } });
    }
    if (holder === 'contended') return new FastdataError('FD_LOG_LOCKED', `could not take the lock ${path}; another process keeps creating it`, { context: { file: path } });
    return new FastdataError(
      'FD_LOG_LOCKED',
      `the data dir ${dataDir} is in use by process ${holder} (a running 'fastdata dev' or 'fastdata run'?); ` +
        `stop that process, or give this one another --data-dir. Read-only commands such as 'fastdata tail' can run beside it`,
      { context: { file: path, pid: holder } },
    );
  });
}
