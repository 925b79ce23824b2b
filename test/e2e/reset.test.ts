/**
 * `fastdata reset <module>` on the embedded log: a module that processed its input is
 * reset (its group's commits deleted, its state emptied) and, run again, reprocesses the
 * input from the start (what its repartition topic held before is not read again), writing
 * every window again with the same figures; a reset while a
 * process holds the data dir is refused, and a dry run changes nothing.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { valueSubject } from '../../src/schema/types.js';
import { runCli, startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const READING = { type: 'record', name: 'R', fields: [{ name: 'key', type: 'string' }, { name: 'ts', type: 'long' }] };
const COUNTS = { type: 'record', name: 'C', fields: [{ name: 'key', type: 'string' }, { name: 'windowStart', type: 'long' }, { name: 'n', type: 'long' }] };

const moduleSource = `
import { aggregate, count, defineStream, keyBy, tumbling } from 'fastdata';
import { map } from 'rxjs';
export default defineStream({
  name: 'counts',
  inputs: { readings: 'reset.readings' },
  output: { topic: 'reset.counts', schema: ${JSON.stringify(COUNTS)}, key: (c) => c.key },
  eventTime: (r) => r.ts,
  watermark: { idleTimeout: '1h' },
  pipeline: ({ readings }) => readings.pipe(
    // Upper case: a key other than the input's, so readings go through the repartition topic too.
    keyBy((r) => r.key.toUpperCase()),
    tumbling('1m', { grace: '0s', emit: 'final' }),
    aggregate({ n: count() }, { name: 'minute' }),
    map((w) => ({ key: w.key.toLowerCase(), windowStart: w.windowStart, n: w.n })),
  ),
});
`;

describe('fastdata reset', () => {
  let project: string;
  const dataDir = () => join(project, '.fastdata');
  const cli = (args: string[]) => runCli([...args, '--dir', project, '--data-dir', dataDir()], { cwd: project, timeoutMs: 60_000 });

  async function withLog<T>(fn: (log: EmbeddedLog, serde: AvroSerde) => Promise<T>): Promise<T> {
    const log = await EmbeddedLog.open(join(dataDir(), 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dataDir(), 'registry'));
    try {
      return await fn(log, new AvroSerde(registry));
    } finally {
      await log.close();
      await registry.close();
    }
  }

  const outputs = () =>
    withLog(async (log, serde) => {
      const out: string[] = [];
      const reader = log.reader({ topic: 'reset.counts', stopAtEnd: true });
      for await (const batch of reader) for (const r of batch.records) out.push(JSON.stringify(await serde.decode(r.value!)));
      await reader.close();
      return out.sort();
    });

  beforeAll(async () => {
    await mkdir(join(repo, '.cache', 'test-projects'), { recursive: true });
    project = await mkdtemp(join(repo, '.cache', 'test-projects', 'reset-'));
    await mkdir(join(project, 'streams'));
    await writeFile(join(project, 'streams', 'counts.ts'), moduleSource);
    await withLog(async (log, serde) => {
      await log.createTopic({ name: 'reset.readings', partitions: 2 });
      const encoder = await serde.encoderFor(valueSubject('reset.readings'), READING);
      // Keys a..e, in time order: 3 readings each in minute 0, then one each in minute 1 (which closes minute 0).
      const records = [0, 10_000, 20_000, 60_000].flatMap((dt) => ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, timestamp: T0 + dt, value: encoder.encode({ key, ts: T0 + dt }) })));
      await log.produce('reset.readings', records);
    });
  });
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('starts a module over: run again, it writes every window again with the same figures', { timeout: 120_000 }, async () => {
    const first = await cli(['run', '--until-end', '--no-alerts']);
    expect(first.code, first.stderr).toBe(0);
    const once = await outputs();
    expect(once).toHaveLength(5);
    expect(once.every((o) => JSON.parse(o).n === 3)).toBe(true);

    // Run again without a reset: nothing new to process, nothing written.
    expect((await cli(['run', '--until-end', '--no-alerts'])).code).toBe(0);
    expect(await outputs()).toEqual(once);

    const dry = await cli(['reset', 'counts', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/counts: would delete consumer group fastdata\.counts/);
    expect(dry.stderr).toMatch(/would delete 5 state entries of fastdata\.counts\.changelog/);
    expect(await withLog((log) => log.committed('fastdata.counts', 'reset.readings'))).toHaveLength(2);

    const reset = await cli(['reset', 'counts']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stderr).toMatch(/deleted 5 state entries/);
    expect(await withLog((log) => log.committed('fastdata.counts', 'reset.readings'))).toEqual([]);

    const again = await cli(['run', '--until-end', '--no-alerts']);
    expect(again.code, again.stderr).toBe(0);
    // Every window once more, with the same figures: read from the start with empty state, not taken for a replay's.
    expect(await outputs()).toEqual([...once, ...once].sort());
  });

  it('is refused while another process holds the data dir, and an unknown module is named', { timeout: 60_000 }, async () => {
    const running = startCli(['run', '--no-alerts', '--dir', project, '--data-dir', dataDir()], { cwd: project });
    try {
      await eventually(() => running.output.stderr.includes('worker up'), { timeoutMs: 30_000 });
      const refused = await cli(['reset', 'counts']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/cannot reset counts while another fastdata process .* writes this data dir.*\[FD_GROUP_ACTIVE\]/s);
    } finally {
      await running.stop('SIGTERM');
    }
    const unknown = await cli(['reset', 'count']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no module named count in streams\/; the modules are counts/);
  });
});
