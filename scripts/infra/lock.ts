/**
 * A lock file so two `infra:up` (a terminal and a test run, say) do not start the same
 * server twice. It holds the owner's pid; a lock whose owner has exited is taken over.
 * Callers in one process queue on an in-process chain first.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InfraError } from './errors.js';
import { isAlive } from './processes.js';
import { sleep } from './wait.js';

const chains = new Map<string, Promise<unknown>>();

function readOwner(path: string): number | undefined {
  try {
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(owner) ? owner : undefined;
  } catch {
    return undefined;
  }
}

function create(path: string): boolean {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function tryAcquire(path: string): boolean {
  if (create(path)) return true;
  const owner = readOwner(path);
  // Our own pid here is a leftover: this process's callers are serialised by the chain.
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) return false;
  rmSync(path, { force: true });
  return create(path);
}

async function underFileLock<T>(path: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(path)) {
    if (Date.now() > deadline) {
      throw new InfraError(
        `another scripts/infra command (pid ${readOwner(path) ?? '?'}) has held ${path} for ${Math.round(timeoutMs / 1000)} s: wait for it to finish, or remove the file if no such process runs`,
      );
    }
    await sleep(200);
  }
  try {
    return await body();
  } finally {
    if (readOwner(path) === process.pid) rmSync(path, { force: true });
  }
}

export function withLock<T>(path: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  const previous = chains.get(path) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => underFileLock(path, timeoutMs, body));
  const settled = run.catch(() => undefined);
  chains.set(path, settled);
  void settled.then(() => {
    if (chains.get(path) === settled) chains.delete(path);
  });
  return run;
}
