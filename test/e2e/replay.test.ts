/**
 * Replay and compare, as a model author uses them: the demo runs in `fastdata dev` for a
 * few seconds (its generator first backfills ten minutes of readings); `fastdata replay`
 * runs inside that dev while it runs (through its server); then, dev stopped,
 * `fastdata replay` runs sensor-stats again over that history into a topic of its own and
 * `fastdata diff` compares it with the live output: the same code gives the same windows,
 * a changed module (a copy in a project of its own) gives other figures.
 */
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** The records of a topic, from `fastdata topics` (which runs beside dev). */
async function records(dataDir: string, topic: string): Promise<number> {
  const { stdout } = await runCli(['topics', '--data-dir', dataDir, '--json'], { cwd: repo });
  const line = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; records: number }).find((t) => t.name === topic);
  return line?.records ?? 0;
}

describe('fastdata replay, then fastdata diff', () => {
  let data: { path: string; remove: () => Promise<void> };
  let changed: { path: string; remove: () => Promise<void> } | undefined;
  let dev: ReturnType<typeof startCli>;
  const cli = (args: string[], cwd = repo) => runCli([...args, '--data-dir', data.path], { cwd, timeoutMs: 60_000 });

  beforeAll(async () => {
    data = await tempDir('fastdata-replay-');
    dev = startCli(['dev', '--data-dir', data.path, '--port', '0'], { cwd: repo });
    await eventually(() => /sensor-stats: running/.test(dev.output.stderr), { timeoutMs: 120_000, intervalMs: 100 });
    await eventually(async () => (await records(data.path, 'sensor.stats')) >= 100, { timeoutMs: 60_000, intervalMs: 250 });
  });

  afterAll(async () => {
    await dev?.stop('SIGKILL');
    await data?.remove();
    await changed?.remove();
  });

  it('beside a running dev, runs the replay inside dev (which holds the log) and prints what a replay prints', async () => {
    const { code, stderr } = await cli(['replay', 'sensor-stats', '--from', '0', '--output', 'replay.live']);
    expect(stderr).toMatch(/replaying sensor-stats over sensor\.readings from 1970-01-01T00:00:00\.000Z to the end of the log into replay\.live \(through fastdata dev at http:\/\/127\.0\.0\.1:\d+: the embedded log/);
    expect(stderr).toMatch(/wrote \d+ records to replay\.live/);
    expect(stderr).toContain('compare: npx fastdata diff sensor.stats replay.live');
    expect(code).toBe(0);
    // dev goes on: its module still runs.
    expect(dev.output.stderr).not.toMatch(/sensor-stats: (failed|stopped)/);
  });

  it('replays the module into a topic that diff finds identical to the live output', async () => {
    // Ctrl-C: dev checkpoints, so every window it emitted is in sensor.stats.
    await dev.stop('SIGINT');
    const replayed = await cli(['replay', 'sensor-stats', '--from', '0', '--output', 'replay.stats']);
    expect(replayed.stderr).toMatch(/replaying sensor-stats over sensor\.readings from 1970-01-01T00:00:00\.000Z to the end of the log into replay\.stats/);
    expect(replayed.code).toBe(0);
    const written = Number(/wrote (\d+) records to replay\.stats/.exec(replayed.stderr)?.[1]);
    expect(written).toBeGreaterThanOrEqual(100);

    const compared = await cli(['diff', 'sensor.stats', 'replay.stats']);
    expect(compared.stdout).toContain(`identical: ${written} records match`);
    expect(compared.code).toBe(0);
  });

  it('replays a changed module (a copy in another project) into a topic that diff reports as changed', async () => {
    changed = await tempDir('fastdata-replay-project-');
    const project = changed.path;
    await cp(join(repo, 'streams'), join(project, 'streams'), { recursive: true });
    await cp(join(repo, 'schemas'), join(project, 'schemas'), { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'replay-test', private: true, type: 'module' }));
    await mkdir(join(project, 'node_modules'));
    await symlink(repo, join(project, 'node_modules/fastdata'), 'dir');
    await symlink(join(repo, 'node_modules/rxjs'), join(project, 'node_modules/rxjs'), 'dir');
    const file = join(project, 'streams/sensor-stats.ts');
    const source = await readFile(file, 'utf8');
    const edited = source.replace('meanHumidity: mean((r) => r.humidity)', 'meanHumidity: max((r) => r.humidity)');
    expect(edited).not.toBe(source);
    await writeFile(file, edited);

    const replayed = await cli(['replay', 'sensor-stats', '--dir', project, '--from', '0', '--output', 'replay.changed']);
    expect(replayed.code).toBe(0);
    const compared = await cli(['diff', 'sensor.stats', 'replay.changed']);
    expect(compared.code).toBe(1);
    const changedCount = Number(/changed\s+(\d+)/.exec(compared.stdout)?.[1]);
    expect(changedCount).toBeGreaterThan(0);
    expect(compared.stdout).toMatch(/meanHumidity/);
  });

  it('refuses an output that is the live output, an input, or a topic with records, naming --output', async () => {
    for (const [output, reason] of [
      ['sensor.stats', /--output sensor\.stats: that is sensor-stats's own output/],
      ['sensor.readings', /--output sensor\.readings: that is an input of sensor-stats/],
      ['replay.stats', /--output replay\.stats: the topic exists and holds \d+ records/],
    ] as const) {
      const { code, stderr } = await cli(['replay', 'sensor-stats', '--from', '0', '--output', output]);
      expect(code).toBe(2);
      expect(stderr).toMatch(reason);
    }
    // Relative times as REST takes them (issue 17), as the next word or after =: here a range backwards.
    for (const args of [['--from', '-10m', '--to', '-20m'], ['--from=-10m', '--to=-20m']]) {
      const backwards = await cli(['replay', 'sensor-stats', ...args, '--output', 'x.replay']);
      expect(backwards.code).toBe(2);
      expect(backwards.stderr).toMatch(/--to \(\d{4}-.*Z\) must be after --from \(\d{4}-.*Z\)/);
    }
    const unknown = await cli(['replay', 'sensor-statz', '--from', '0', '--output', 'x.replay']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no module named sensor-statz in streams\/; the modules are sensor-anomalies, sensor-drift, sensor-forecast, sensor-health, sensor-onnx-anomalies, sensor-stats, site-stats/);
  });
});
