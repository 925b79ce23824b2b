/**
 * Type-checked hot reload in `fastdata dev` (in this process, on a temporary project that
 * installs fastdata, rxjs and TypeScript as a generated project does), as a model author
 * misspells a field in a running module:
 *
 * - with TypeScript installed, the save is refused with file:line:col in the terminal event
 *   and on the status page (`loadFailures` of /api/status), the old version keeps computing
 *   every window from all its records (ground truth computed here from the posted readings,
 *   windows spanning the save included), and the fixed save reloads;
 * - without TypeScript, dev says once that reloads are not type-checked, the typo loads, and
 *   every window it then computes is a dead letter naming the field (the output rule),
 *   counted in the module's status and in /metrics, with no record written as null;
 * - a schema saved with a renamed field regenerates the types, and dev names the running
 *   module that no longer type-checks against them, at file:line:col.
 */
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../src/app/events.js';
import type { FastdataProcess } from '../../../src/app/process.js';
import { startDev } from '../../../src/app/profiles.js';
import type { HttpRole } from '../../../src/app/roles/http.js';
import { describeError } from '../../../src/cli/output.js';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { generateTypes } from '../../../src/schema/tools/generate-types.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MINUTE = 60_000;
// Event times two hours back, aligned to a minute; the module's idle timeout is an hour, so
// only the posted records (never the wall clock) close windows.
const T0 = Math.floor((Date.now() - 2 * 3_600_000) / MINUTE) * MINUTE;
const MODULE_FILE = 'streams/humidity-stats.ts';
const SENSORS = ['s1', 's2', 's3', 's4'];

const TYPES = `export interface Reading {
  sensorId: string;
  ts: number;
  humidity: number;
}

export interface HumidityStats {
  sensorId: string;
  windowStart: number;
  count: number;
  meanHumidity: number;
  version: string;
}
`;

/** The module as the author writes it; \`field\` is what the mean reads, \`version\` tags its outputs. */
function moduleText(field: string, version: string): string {
  return `import { aggregate, count, defineStream, keyBy, mean, tumbling } from 'fastdata';
import { map } from 'rxjs';
import type { HumidityStats, Reading } from './types.js';

export default defineStream<{ readings: Reading }, HumidityStats>({
  name: 'humidity-stats',
  inputs: { readings: 'readings' },
  output: { topic: 'humidity.stats', schema: 'schemas/humidity-stats.avsc', key: (s) => s.sensorId },
  eventTime: (r) => r.ts,
  watermark: { lateness: 0, idleTimeout: '1h' },
  pipeline: ({ readings }) =>
    readings.pipe(
      keyBy((r) => r.sensorId, { partitioned: 'input' }),
      tumbling('1m', { grace: 0, emit: 'final' }),
      aggregate({ n: count(), meanHumidity: mean((r) => r.${field}) }),
      map((w) => ({ sensorId: w.key, windowStart: w.windowStart, count: w.n, meanHumidity: w.meanHumidity, version: '${version}' })),
    ),
});
`;
}

const READING_SCHEMA = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'humidity', type: 'double' },
  ],
};
const STATS_SCHEMA = {
  type: 'record',
  name: 'HumidityStats',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'count', type: 'long' },
    { name: 'meanHumidity', type: 'double' },
    { name: 'version', type: 'string' },
  ],
};

interface Reading {
  sensorId: string;
  ts: number;
  humidity: number;
}
interface Stats {
  sensorId: string;
  windowStart: number;
  count: number;
  meanHumidity: number;
  version: string;
}
interface Status {
  modules: { module: string; state: string; deadLettered: number; outputs: number }[];
  loadFailures: { file: string; error: string }[];
}

/** Readings of every sensor in minute `minute` (three each, humidity varying by sensor, minute and position). */
function minuteOf(minute: number): Reading[] {
  return SENSORS.flatMap((sensorId, s) => [7, 23, 41].map((second, i) => ({ sensorId, ts: T0 + minute * MINUTE + second * 1000, humidity: 30 + s * 5 + minute * 1.25 + i * 0.5 + (i === 2 ? s / 3 : 0) })));
}

/** The windows the readings make: per sensor and minute, the count and the mean humidity. */
function truth(readings: readonly Reading[]): Map<string, { count: number; mean: number }> {
  const sums = new Map<string, { count: number; sum: number }>();
  for (const r of readings) {
    const id = `${r.sensorId}@${Math.floor((r.ts - T0) / MINUTE)}`;
    const s = sums.get(id) ?? { count: 0, sum: 0 };
    s.count++;
    s.sum += r.humidity;
    sums.set(id, s);
  }
  return new Map([...sums].map(([id, s]) => [id, { count: s.count, mean: s.sum / s.count }]));
}

describe('type-checked hot reload in dev', () => {
  let root: string;
  let remove: () => Promise<void>;
  let dev: FastdataProcess | undefined;
  const events: AppEvent[] = [];

  beforeEach(async () => {
    ({ path: root, remove } = await tempDir('fastdata-typed-reload-'));
    for (const dir of ['sources', 'streams', 'schemas', 'node_modules']) await mkdir(join(root, dir));
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'typed-reload', private: true, type: 'module' }));
    // The tsconfig.json that `fastdata init` writes.
    await cp(join(REPO, 'templates/project/tsconfig.json'), join(root, 'tsconfig.json'));
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING_SCHEMA));
    await writeFile(join(root, 'schemas/humidity-stats.avsc'), JSON.stringify(STATS_SCHEMA));
    await writeFile(join(root, 'sources/readings.yaml'), 'kind: http\ntopic: readings\nschema: schemas/reading.avsc\nkey: sensorId\ntime: ts\n');
    await writeFile(join(root, 'fastdata.config.yaml'), 'server: { port: 0 }\nlog: { partitions: 2 }\ngenerator: { enabled: false }\n');
    await writeFile(join(root, 'streams/types.ts'), TYPES);
    await writeFile(join(root, MODULE_FILE), moduleText('humidity', 'v1'));
    events.length = 0;
  });
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
    await remove();
  });

  /** node_modules as `npm install` leaves a generated project: fastdata (this repo), rxjs, and, with `typescript`, TypeScript and @types. */
  async function install(typescript: boolean): Promise<void> {
    await symlink(REPO, join(root, 'node_modules/fastdata'), 'dir');
    await symlink(join(REPO, 'node_modules/rxjs'), join(root, 'node_modules/rxjs'), 'dir');
    if (typescript) {
      await symlink(join(REPO, 'node_modules/typescript'), join(root, 'node_modules/typescript'), 'dir');
      await symlink(join(REPO, 'node_modules/@types'), join(root, 'node_modules/@types'), 'dir');
    }
  }

  async function start(): Promise<{ post: (readings: Reading[]) => Promise<void>; status: () => Promise<Status>; url: string }> {
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    dev = await startDev({ root, config, dataDir, onEvent: (e) => events.push(e) });
    const url = dev.role<HttpRole>('http')!.url!;
    const status = async () => (await (await fetch(`${url}/api/status`)).json()) as Status;
    await eventually(async () => (await status()).modules.find((m) => m.module === 'humidity-stats')?.state === 'running', { timeoutMs: 30_000 });
    const post = async (readings: Reading[]) => {
      const response = await fetch(`${url}/api/ingest/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(readings) });
      expect(response.status).toBe(202);
    };
    return { post, status, url };
  }

  /** Saves the module and waits for the reload it causes to be reported (an event about that file, after the save). */
  async function save(text: string): Promise<AppEvent[]> {
    const from = events.length;
    await writeFile(join(root, MODULE_FILE), text);
    const about = () => events.slice(from).filter((e) => 'file' in e && e.file === join(root, MODULE_FILE));
    await eventually(() => about().length > 0, { timeoutMs: 60_000 }).catch((error: unknown) => {
      const said = events.slice(from).map((e) => ('error' in e ? { ...e, error: describeError(e.error) } : e));
      throw new Error(`no event about ${MODULE_FILE} after saving it; the events since: ${JSON.stringify(said)}`, { cause: error });
    });
    return about();
  }

  async function outputs(): Promise<Stats[]> {
    const serde = new AvroSerde(dev!.context.registry);
    return Promise.all((await readAll(dev!.context.log, 'humidity.stats')).map(async (r) => (await serde.decode(r.value!)) as Stats));
  }

  /** Waits for `n` outputs and checks each against the truth of `readings`: its count and mean, and its version. */
  async function expectWindows(readings: readonly Reading[], n: number, version: (s: Stats) => string): Promise<Stats[]> {
    const written = (await eventually(async () => {
      const all = await outputs();
      return all.length >= n ? all : undefined;
    }, { timeoutMs: 30_000 }))!;
    expect(written).toHaveLength(n);
    const expected = truth(readings);
    for (const s of written) {
      const id = `${s.sensorId}@${(s.windowStart - T0) / MINUTE}`;
      expect(s.count, id).toBe(expected.get(id)?.count);
      expect(s.meanHumidity, id).toBeCloseTo(expected.get(id)!.mean, 10);
      expect(s.version, id).toBe(version(s));
    }
    return written;
  }

  it('refuses a save with a type error at file:line:col while the old version computes every window, then reloads the fix', async () => {
    await install(true);
    const { post, status } = await start();
    const posted: Reading[] = [];
    const send = async (readings: Reading[]) => {
      posted.push(...readings);
      await post(readings);
    };
    // Minute 0 whole, minute 1 half (before the save), the rest of minute 1 and minute 2 after it.
    const minute1 = minuteOf(1);
    await send([...minuteOf(0), ...minute1.filter((r) => r.ts < T0 + MINUTE + 30_000)]);

    const typo = moduleText('humidty', 'v2');
    const reported = await save(typo);
    const failed = reported.find((e): e is Extract<AppEvent, { type: 'reload-failed' }> => e.type === 'reload-failed');
    expect(failed, JSON.stringify(reported)).toBeDefined();
    // Where the typo is, as the test finds it in the text it saved: 1-based line and column.
    const before = typo.slice(0, typo.indexOf('r.humidty') + 2).split('\n');
    const where = `${MODULE_FILE}:${before.length}:${before.at(-1)!.length + 1}`;
    const message = describeError(failed!.error);
    expect(message).toContain(`${MODULE_FILE} was not loaded, it has 1 type error:`);
    expect(message).toContain(`${where} error TS2551: Property 'humidty' does not exist on type 'Reading'. Did you mean 'humidity'?`);
    expect(events.some((e) => e.type === 'module-reloaded')).toBe(false);
    const failure = (await status()).loadFailures.find((f) => f.file.endsWith(MODULE_FILE));
    expect(failure?.error).toContain(where);

    // The old version goes on: the rest of minute 1, minute 2, then a reading of each sensor
    // at minute 5 closes minutes 0 to 2 in both partitions.
    await send([...minute1.filter((r) => r.ts >= T0 + MINUTE + 30_000), ...minuteOf(2)]);
    await send(SENSORS.map((sensorId) => ({ sensorId, ts: T0 + 5 * MINUTE, humidity: 50 })));
    const windows = await expectWindows(posted, SENSORS.length * 3, () => 'v1');
    expect(new Set(windows.map((w) => (w.windowStart - T0) / MINUTE))).toEqual(new Set([0, 1, 2]));
    expect((await status()).modules.find((m) => m.module === 'humidity-stats')?.deadLettered).toBe(0);

    // The fix reloads (same state layout: minute 5's open windows carry on) and clears the failure.
    const fixed = await save(moduleText('humidity', 'v3'));
    expect(fixed).toContainEqual(expect.objectContaining({ type: 'module-reloaded', module: 'humidity-stats', stateKept: true }));
    expect((await status()).loadFailures).toEqual([]);
    await send(SENSORS.map((sensorId) => ({ sensorId, ts: T0 + 5 * MINUTE + 10_000, humidity: 54 })));
    await send(SENSORS.map((sensorId) => ({ sensorId, ts: T0 + 7 * MINUTE, humidity: 50 })));
    await expectWindows(posted, SENSORS.length * 4, (s) => (s.windowStart === T0 + 5 * MINUTE ? 'v3' : 'v1'));
  });

  it('names a running module that no longer type-checks against types regenerated from a saved schema', async () => {
    await install(true);
    // The module reads the types `fastdata schema gen` writes, as a generated project's do.
    await generateTypes({ root });
    const generated = moduleText('humidity', 'v1').replace("import type { HumidityStats, Reading } from './types.js';", "import type { Reading } from '../schemas/generated/index.js';\nimport type { HumidityStats } from './types.js';");
    await writeFile(join(root, MODULE_FILE), generated);
    await start();

    const from = events.length;
    const renamed = { ...READING_SCHEMA, fields: READING_SCHEMA.fields.map((f) => (f.name === 'humidity' ? { ...f, name: 'relativeHumidity' } : f)) };
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(renamed));
    const notice = (await eventually(
      () => events.slice(from).find((e): e is Extract<AppEvent, { type: 'notice' }> => e.type === 'notice' && /does not type-check against the regenerated types/.test(e.message)),
      { timeoutMs: 60_000 },
    ))!;
    const before = generated.slice(0, generated.indexOf('r.humidity') + 2).split('\n');
    expect(notice.message).toBe(
      `${MODULE_FILE}: humidity-stats does not type-check against the regenerated types; it keeps running as loaded, fix it and save to reload:\n` +
        `  ${MODULE_FILE}:${before.length}:${before.at(-1)!.length + 1} error TS2339: Property 'humidity' does not exist on type 'Reading'.`,
    );
    expect(events.slice(from).some((e) => e.type === 'notice' && /schemas\/generated\/index\.ts: types regenerated/.test(e.message))).toBe(true);
  });

  it('without TypeScript, says reloads are not type-checked, and dead-letters each window the typo computes, counted', async () => {
    await install(false);
    const { post, status, url } = await start();
    // Minute 0 closes under the good version.
    const good = minuteOf(0);
    await post([...good, ...SENSORS.map((sensorId) => ({ sensorId, ts: T0 + MINUTE, humidity: 50 }))]);
    await expectWindows(good, SENSORS.length, () => 'v1');

    const reported = await save(moduleText('humidty', 'v2'));
    expect(reported).toContainEqual(expect.objectContaining({ type: 'module-reloaded', stateKept: true }));
    const notices = events.filter((e): e is Extract<AppEvent, { type: 'notice' }> => e.type === 'notice' && /not type-checked/.test(e.message));
    expect(notices.map((n) => n.message)).toEqual([
      `${MODULE_FILE}: reloads are not type-checked: the project has no typescript package installed (npm install --save-dev typescript); a module with a type error (a misspelt field) loads and computes with undefined`,
    ]);

    // Minutes 2 and 3 wholly under the typo (minute 1 spans the save): each of their windows
    // is NaN where the schema has a plain double, so a dead letter, never a record.
    await post([...minuteOf(2), ...minuteOf(3), ...SENSORS.map((sensorId) => ({ sensorId, ts: T0 + 6 * MINUTE, humidity: 50 }))]);
    const dlq = async () => readAll(dev!.context.log, 'fastdata.humidity-stats.dlq');
    const expected = SENSORS.length * 2;
    const letters = (await eventually(async () => {
      const all = await dlq();
      return all.length >= expected ? all : undefined;
    }, { timeoutMs: 30_000 }))!;
    expect(letters).toHaveLength(expected);
    for (const letter of letters) {
      const header = (name: string) => String(letter.headers[name]);
      expect(header('fastdata.dlq.reason')).toBe('output-invalid');
      expect(header('fastdata.dlq.fields')).toBe('meanHumidity');
      const value = JSON.parse(letter.value!.toString()) as { sensorId: string; windowStart: number };
      expect(header('fastdata.dlq.message')).toContain(`humidity-stats: the output for key "${value.sensorId}" was not written: meanHumidity is NaN (double)`);
      expect([2, 3]).toContain((value.windowStart - T0) / MINUTE);
    }
    // Minute 1 (the save in the middle) was written from the readings before it; none with a null mean.
    const written = await outputs();
    expect(written.every((s) => typeof s.meanHumidity === 'number' && Number.isFinite(s.meanHumidity))).toBe(true);
    expect(written.some((s) => (s.windowStart - T0) / MINUTE >= 2)).toBe(false);

    // Counted: the module's status (the status page's dead-letter column) and /metrics.
    await eventually(async () => (await status()).modules.find((m) => m.module === 'humidity-stats')?.deadLettered === expected);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^fastdata_module_dead_lettered_records_total\\{module="humidity-stats"\\} ${expected}$`, 'm'));
    expect(await readFile(join(root, MODULE_FILE), 'utf8')).toContain('r.humidty');
  });
});
