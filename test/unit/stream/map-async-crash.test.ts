import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { SECONDS, SENSORS, WINDOW_SECONDS } from '../../fixtures/async-crash-worker.js';

const worker = fileURLToPath(new URL('../../fixtures/async-crash-worker.ts', import.meta.url));

function startWorker(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it started`)));
  });
}

/**
 * The checkpoint invariant with asynchronous steps (stream/async-steps.ts): a module with
 * mapAsync before its keyBy and after its windows, over 3 partitions, killed with SIGKILL
 * at random moments and started again; every window is written once with all its ticks.
 */
describe('a module with asynchronous steps killed with SIGKILL at random moments', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  it('writes every closed window exactly once, whatever the kills', async () => {
    let kills = 0;
    for (let round = 0; round < 6; round++) {
      const child = await startWorker(dir.path);
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      child.kill('SIGKILL');
      await once(child, 'exit');
      kills++;
    }
    const last = await startWorker(dir.path);
    const expectedWindows = SENSORS * (SECONDS / WINDOW_SECONDS);

    // Read beside the running worker, read-only, until every window is out.
    const viewer = await EmbeddedLog.open(`${dir.path}/log`, { readOnly: true });
    await eventually(async () => (await viewer.offsets('async-counts')).reduce((n, p) => n + p.end, 0) >= expectedWindows, { timeoutMs: 60_000, intervalMs: 100 });
    await viewer.close();
    last.kill('SIGTERM');
    await once(last, 'exit');

    const log = await EmbeddedLog.open(`${dir.path}/log`, { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(`${dir.path}/registry`);
    const serde = new AvroSerde(registry);
    const windows = await Promise.all((await readAll(log, 'async-counts')).map(async (r) => (await serde.decode(r.value!)) as { sensorId: string; windowStart: number; n: number }));
    const ids = windows.map((w) => `${w.sensorId}@${w.windowStart}`);
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(duplicates).toEqual([]);
    expect(windows).toHaveLength(expectedWindows);
    expect(windows.filter((w) => w.n !== WINDOW_SECONDS)).toEqual([]);
    expect(await readAll(log, 'fastdata.async-counts.dlq')).toEqual([]);
    expect(kills).toBe(6);
    await log.close();
    await registry.close();
  }, 120_000);
});
