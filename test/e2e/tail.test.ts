/**
 * `fastdata tail` as built, beside a writer of the same data dir (as beside `fastdata dev`),
 * issue 17: once live it printed partition 0 only; `-b` printed the history partition by
 * partition; `--since -10m` was refused. The writer is an EmbeddedLog in this process with
 * the data dir's lock, tail a child process opening it read-only; what was written (values
 * numbered in time order, spread over four partitions) is the ground truth.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { runCli, startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 10, 24, 10);

interface Line {
  partition: number;
  offset: number;
  timestamp: string;
  value: { i: number };
}

const parse = (stdout: string): Line[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

describe('fastdata tail beside a writer', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  const dataDir = () => join(dir.path, 'data');

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dataDir(), 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dataDir(), 'registry'));
    await log.createTopic({ name: 'readings', partitions: 4 });
    // Record i at T0 + i s on partition (3i) % 4: the partitions' times interleave.
    await log.produce('readings', Array.from({ length: 40 }, (_, i) => ({ partition: (3 * i) % 4, key: `s${i % 5}`, value: JSON.stringify({ i }), timestamp: T0 + i * 1000 })));
  });
  afterAll(async () => {
    await registry?.close();
    await log?.close();
    await dir?.remove();
  });

  const tailArgs = (...args: string[]) => ['tail', ...args, '--dir', dir.path, '--data-dir', dataDir()];

  it('-b prints the history of all partitions in time order', async () => {
    const { code, stdout, stderr } = await runCli(tailArgs('readings', '-b', '-n', '40'));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = parse(stdout);
    expect(lines.map((l) => l.value.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(lines.map((l) => Date.parse(l.timestamp))).toEqual(Array.from({ length: 40 }, (_, i) => T0 + i * 1000));
  });

  it('then follows every partition live', async () => {
    const tail = startCli(tailArgs('readings', '-b'));
    try {
      await eventually(() => parse(tail.output.stdout).length === 40, { timeoutMs: 20_000 });
      const written: Record<number, number[]> = { 0: [], 1: [], 2: [], 3: [] };
      for (let round = 0; round < 3; round++) {
        const metadata = await log.produce('readings', [0, 1, 2, 3].map((partition) => ({ partition, key: 'live', value: JSON.stringify({ i: 100 + round * 4 + partition }) })));
        for (const m of metadata) written[m.partition]!.push(m.offset);
        await eventually(() => {
          const live = parse(tail.output.stdout).slice(40);
          const read: Record<number, number[]> = { 0: [], 1: [], 2: [], 3: [] };
          for (const l of live) read[l.partition]!.push(l.offset);
          expect(read).toEqual(written);
          return true;
        }, { timeoutMs: 10_000 });
      }
    } finally {
      expect(await tail.stop('SIGINT')).toBe(0);
    }
    expect(tail.output.stderr).toBe('');
  });

  it('--since -10m and --since=-10m start at a time back from now, as REST does', async () => {
    await log.createTopic({ name: 'recent', partitions: 3 });
    const now = Date.now();
    // Ten records 20 minutes old, ten 5 minutes old (in time order, round robin over the partitions).
    const records = Array.from({ length: 20 }, (_, i) => ({
      partition: i % 3,
      value: JSON.stringify({ i }),
      timestamp: now - (i < 10 ? 20 : 5) * 60_000 + i * 100,
    }));
    await log.produce('recent', records);
    for (const since of [['--since', '-10m'], ['--since=-10m']]) {
      const { code, stdout, stderr } = await runCli(tailArgs('recent', ...since, '-n', '10'));
      expect(stderr, since.join(' ')).toBe('');
      expect(code).toBe(0);
      expect(parse(stdout).map((l) => l.value.i)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
    }
  });

  it('--help says each default once', async () => {
    const { stdout } = await runCli(['tail', '--help']);
    expect(stdout.replace(/\s+/g, ' ')).toContain('(default: only new records) --since');
    expect(stdout).not.toContain('(default: false)');
  });
});
