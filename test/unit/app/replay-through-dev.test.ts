/**
 * `fastdata replay` while `fastdata dev` runs (issue 17): dev holds the embedded log, so the
 * command runs the replay inside dev through POST /api/replay. Here dev runs in this process
 * on a small project (test/helpers/counts-project.ts), the command is the CLI's own
 * function, and readings keep arriving while the replay runs. Ground truth is computed from
 * the posted readings: the replay topic holds exactly the windows of the history it was
 * given, and dev's own output holds exactly the windows of everything posted, as if no
 * replay had run. With server.tokens, the command needs FASTDATA_CLIENT_TOKEN of scope admin.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FastdataProcess } from '../../../src/app/process.js';
import { startDev } from '../../../src/app/profiles.js';
import type { HttpRole } from '../../../src/app/roles/http.js';
import type { StreamsRole } from '../../../src/app/roles/streams.js';
import { replayCommand } from '../../../src/cli/commands/replay.js';
import { sha256Hex } from '../../../src/serve/guard/tokens.js';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { readAll } from '../../conformance/log.js';
import { type Counts, MINUTE, type Reading, expectedCounts, sortCounts, writeCountsProject } from '../../helpers/counts-project.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Two hours ago, on a minute: event times in the past, never near maxFutureSkew.
const T0 = Math.floor((Date.now() - 2 * 3_600_000) / MINUTE) * MINUTE;
const SENSORS = ['s0', 's1', 's2', 's3', 's4', 's5', 's6'];
const ADMIN = 'an-admin-token-of-some-length-1';
const READER = 'a-read-token-of-some-length-22';

/** Readings of every sensor in minutes [first, last], `perMinute` each, at seconds that are never 0; `value` from a counter. */
function readings(first: number, last: number, perMinute: number, seed: number): Reading[] {
  const out: Reading[] = [];
  for (let minute = first; minute <= last; minute++) {
    for (let i = 0; i < perMinute; i++) {
      for (const [s, sensor] of SENSORS.entries()) out.push({ sensor, ts: T0 + minute * MINUTE + (1 + ((i * 7 + s) % 58)) * 1000 + i, value: ((seed + minute * 31 + i * 7 + s) % 40) / 4 });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

describe('fastdata replay beside a running dev', () => {
  let root: string;
  let remove: () => Promise<void>;
  let dev: FastdataProcess | undefined;
  let stderr: string[];

  beforeEach(async () => {
    ({ path: root, remove } = await tempDir());
    await writeCountsProject(root);
    stderr = [];
    // The command prints to stderr (cli/output.ts info): kept here to be read.
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    delete process.env.FASTDATA_CLIENT_TOKEN;
    await dev?.stop();
    dev = undefined;
    await remove();
  });

  async function start(): Promise<{ post: (records: Reading[], token?: string) => Promise<void> }> {
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    dev = await startDev({ root, config, dataDir });
    const url = dev.role<HttpRole>('http')!.url!;
    const post = async (records: Reading[], token?: string) => {
      const response = await fetch(`${url}/api/ingest/sensor.readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(records),
      });
      expect(response.status, await response.clone().text()).toBe(202);
    };
    return { post };
  }

  async function topic(name: string): Promise<Counts[]> {
    const serde = new AvroSerde(dev!.context.registry);
    return sortCounts(await Promise.all((await readAll(dev!.context.log, name)).map(async (r) => (await serde.decode(r.value!)) as Counts)));
  }

  const printed = () => stderr.join('');

  it('runs the replay inside dev while readings keep arriving: the replay equals the ground truth of its range, dev\'s output that of everything', async () => {
    const { post } = await start();
    // History: minutes 0..9, then a reading of every sensor in minute 15, which closes them.
    const history = [...readings(0, 9, 4, 1), ...readings(15, 15, 1, 2)];
    for (let i = 0; i < history.length; i += 100) await post(history.slice(i, i + 100));
    const live = () => dev!.role<StreamsRole>('streams')!.runners.find((r) => r.module.name === 'counts')!;
    await eventually(() => live().status().records === history.length, { timeoutMs: 20_000 });

    // While the replay runs, dev goes on taking readings (minutes 20.., after the replay's range).
    const later: Reading[] = [];
    let replaying = true;
    let minute = 20;
    const producing = (async () => {
      while (replaying || minute < 24) {
        const batch = readings(minute, minute, 2, minute);
        await post(batch);
        later.push(...batch);
        minute++;
      }
      // A last reading of every sensor far later closes every minute posted.
      const close = readings(minute + 10, minute + 10, 1, 3);
      await post(close);
      later.push(...close);
    })();

    try {
      await replayCommand('counts', { dir: root, from: T0 - 60 * MINUTE, to: T0 + 18 * MINUTE, output: 'sensor.counts.replay' });
    } finally {
      replaying = false;
    }
    await producing;

    const expectedReplay = expectedCounts(history);
    expect(expectedReplay.length).toBe(SENSORS.length * 10);
    expect(await topic('sensor.counts.replay')).toEqual(expectedReplay);
    expect(printed()).toMatch(/replaying counts over sensor\.readings from .* into sensor\.counts\.replay \(through fastdata dev at http:\/\/127\.0\.0\.1:\d+: the embedded log/);
    expect(printed()).toContain(`read ${history.length} from sensor.readings (2 partitions); wrote ${expectedReplay.length} records to sensor.counts.replay`);
    expect(printed()).toContain('compare: npx fastdata diff sensor.counts sensor.counts.replay');

    // dev's own module: every reading, every window, nothing of the replay's.
    const all = [...history, ...later];
    const expectedLive = expectedCounts(all);
    await eventually(async () => (await topic('sensor.counts')).length >= expectedLive.length, { timeoutMs: 20_000 });
    expect(await topic('sensor.counts')).toEqual(expectedLive);
    expect(live().status()).toMatchObject({ state: 'running', records: all.length, deadLettered: 0 });
  });

  it('answers what a direct replay answers for a bad argument, and runs nothing', async () => {
    const { post } = await start();
    await post(readings(0, 2, 1, 1));
    await expect(replayCommand('countz', { dir: root, from: T0 - MINUTE, output: 'x.replay' })).rejects.toThrow(/<module>: no module named countz in streams\/; the modules are counts/);
    await expect(replayCommand('counts', { dir: root, from: T0 - MINUTE, output: 'sensor.counts' })).rejects.toThrow(/--output sensor\.counts: that is counts's own output/);
    // Another project on dev's data dir: dev would run its own module, not this project's.
    const other = await tempDir();
    try {
      await writeCountsProject(other.path);
      await expect(replayCommand('counts', { dir: other.path, dataDir: join(root, '.fastdata'), from: T0 - MINUTE, output: 'x.replay' })).rejects.toThrow(
        /root: .* is not the project this process runs.*replay on a copy of the data dir/,
      );
    } finally {
      await other.remove();
    }
    expect(await dev!.context.log.describeTopic('x.replay')).toBeUndefined();
  });

  it('replays the module as its file is now, even a version dev did not take', async () => {
    const { post } = await start();
    const history = [...readings(0, 4, 2, 1), ...readings(9, 9, 1, 2)];
    await post(history);
    // Two-minute windows in the file: dev reloads it (fresh state); the replay runs the file as it is.
    const { countsModule } = await import('../../helpers/counts-project.js');
    await writeFile(join(root, 'streams/counts.ts'), countsModule({ size: '2m' }));
    await replayCommand('counts', { dir: root, from: T0 - MINUTE, output: 'counts.two-minutes' });
    const replayed = await topic('counts.two-minutes');
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.every((c) => c.windowEnd - c.windowStart === 2 * MINUTE)).toBe(true);
    expect(replayed.reduce((n, c) => n + c.n, 0)).toBe(history.filter((r) => r.ts < T0 + 8 * MINUTE).length);
  });

  it('with server.tokens, sends FASTDATA_CLIENT_TOKEN and needs a token of scope admin', async () => {
    await writeFile(
      join(root, 'fastdata.config.yaml'),
      `server: { port: 0, tokens: [{ name: admin, sha256: ${sha256Hex(ADMIN)}, scope: admin }, { name: reader, sha256: ${sha256Hex(READER)}, scope: read }] }\nlog: { partitions: 2 }\ngenerator: { enabled: false }\n`,
    );
    const { post } = await start();
    const history = [...readings(0, 2, 1, 1), ...readings(5, 5, 1, 2)];
    await post(history, ADMIN);
    await expect(replayCommand('counts', { dir: root, from: T0 - MINUTE, output: 'a.replay' })).rejects.toThrow(/FASTDATA_CLIENT_TOKEN to a token of scope admin/);
    process.env.FASTDATA_CLIENT_TOKEN = READER;
    await expect(replayCommand('counts', { dir: root, from: T0 - MINUTE, output: 'a.replay' })).rejects.toThrow(/scope admin/);
    process.env.FASTDATA_CLIENT_TOKEN = ADMIN;
    await replayCommand('counts', { dir: root, from: T0 - MINUTE, output: 'a.replay' });
    expect(await topic('a.replay')).toEqual(expectedCounts(history));
  });
});
