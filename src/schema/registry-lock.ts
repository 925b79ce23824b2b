/**
 * One writer per registry directory: two writers would hand out the same global id to
 * two schemas, and every consumer would then decode records with the wrong schema.
 * Read-only instances (the CLI's `fastdata tail` beside `fastdata dev`) take no lock.
 */
import { FastdataError } from '../errors.js';
import { acquirePidLock } from '../fs/pid-lock.js';

/** Takes the lock at `path` for this process; resolves to its release (idempotent). */
export function acquireRegistryLock(path: string, dir: string): Promise<() => Promise<void>> {
  return acquirePidLock(path, (holder) => {
    if (holder === 'this-process') {
      return new FastdataError('FD_REGISTRY_LOCKED', `the schema registry in ${dir} is already open for writing in this process; share that instance, or open this one with { readOnly: true }`, {
        context: { file: path },
      });
    }
    if (holder === 'contended') return new FastdataError('FD_REGISTRY_LOCKED', `could not take the lock ${path}: another process keeps taking it`, { context: { file: path } });
    return new FastdataError(
      'FD_REGISTRY_LOCKED',
      `the schema registry in ${dir} is open for writing in process ${holder} (a running 'fastdata dev' or 'fastdata run'?); stop that process, or open this one with { readOnly: true }`,
      { context: { file: path, pid: holder } },
    );
  });
}
