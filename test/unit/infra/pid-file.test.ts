import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectPidFile, pidMarker, readPidFile, removePidFile, writePidFile, type PidRecord } from '../../../scripts/infra/pid-file.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * Starts `node -e <keep alive> -- <marker>`: a process whose command line carries the marker.
 * Resolves once the child's code runs (it says so on stdout): before that, right after the
 * fork, its command line can still be its parent's.
 */
async function startMarked(marker: string) {
  const child = spawn(process.execPath, ['-e', "process.stdout.write('up\\n'); setInterval(() => {}, 1000)", '--', marker], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the marked child exited early (code ${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('pid files', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let file: string;
  beforeEach(async () => {
    dir = await tempDir('fastdata-pid-');
    file = join(dir.path, 'run', 'kafka', 'kafka.pid');
  });
  afterEach(() => dir.remove());

  const record = (over: Partial<PidRecord> = {}): PidRecord => ({
    server: 'kafka',
    pid: process.pid,
    marker: pidMarker('kafka', dir.path),
    startedAt: '2025-01-01T00:00:00.000Z',
    address: '127.0.0.1:9092',
    ...over,
  });

  it('marks a process with its server and run dir', () => {
    expect(pidMarker('registry', '/x/.cache/infra/run/registry')).toBe('-Dfastdata.infra=registry@/x/.cache/infra/run/registry');
  });

  it('writes a record (creating its folder) and reads it back, optional fields included', () => {
    writePidFile(file, record({ dataDir: '/data', version: '4.4.0' }));
    expect(readPidFile(file)).toEqual(record({ dataDir: '/data', version: '4.4.0' }));
    writePidFile(file, record({ pid: 4242 }));
    expect(readPidFile(file)).toEqual(record({ pid: 4242 }));
  });

  it('reads nothing from a missing file, a file that is not JSON, or a record with a bad field', () => {
    expect(readPidFile(file)).toBeUndefined();
    writePidFile(file, record());
    for (const bad of ['not json', 'null', '[]', JSON.stringify({ ...record(), pid: 1 }), JSON.stringify({ ...record(), pid: 12.5 }), JSON.stringify({ ...record(), pid: '123' }), JSON.stringify({ ...record(), marker: undefined })]) {
      writeFileSync(file, bad);
      expect(readPidFile(file), bad).toBeUndefined();
    }
  });

  it('removes the file, and removing a missing one is no error', () => {
    writePidFile(file, record());
    removePidFile(file);
    expect(readPidFile(file)).toBeUndefined();
    expect(() => removePidFile(file)).not.toThrow();
  });

  it("is 'none' without a file", () => {
    expect(inspectPidFile(file)).toEqual({ state: 'none' });
  });

  it("is 'ours' while the process whose command line has the marker runs, and 'stale' once it has exited", async () => {
    const marker = pidMarker('kafka', dir.path);
    const child = await startMarked(marker);
    try {
      writePidFile(file, record({ pid: child.pid, marker }));
      expect(inspectPidFile(file)).toEqual({ state: 'ours', record: record({ pid: child.pid, marker }) });
    } finally {
      await child.stop();
    }
    const state = inspectPidFile(file);
    expect(state).toMatchObject({ state: 'stale', record: { pid: child.pid } });
    expect(state.state === 'stale' && state.reason).toBe(`process ${child.pid} has exited`);
  });

  it("is 'stale' when the pid runs another program (a live process without the marker)", () => {
    writePidFile(file, record({ pid: process.pid, marker: pidMarker('kafka', join(dir.path, 'not-this-process')) }));
    const state = inspectPidFile(file);
    expect(state.state).toBe('stale');
    expect(state.state === 'stale' && state.reason).toMatch(/another program/);
  });
});
