/**
 * The status page's counters survive hot reloads (issue 17: "0 dead letters shown while the
 * topic held 60"). A reloaded module runs in a new runner that counts from zero; the totals
 * the page (/api/metrics/modules) and Prometheus (/metrics) show go on from where they were,
 * for an edit that keeps the state layout and one that changes it, and whether or not
 * anyone looked at them before the reload. Ground truth: what this test posted (records,
 * late ones, undecodable ones) and the windows it closed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../src/app/events.js';
import type { FastdataProcess } from '../../../src/app/process.js';
import { startDev } from '../../../src/app/profiles.js';
import type { HttpRole } from '../../../src/app/roles/http.js';
import type { StreamsRole } from '../../../src/app/roles/streams.js';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { MINUTE, type Reading, countsModule, expectedCounts, writeCountsProject } from '../../helpers/counts-project.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = Math.floor((Date.now() - 2 * 3_600_000) / MINUTE) * MINUTE;
const SENSORS = ['a', 'b', 'c', 'd', 'e'];

const at = (minute: number, second: number) => T0 + minute * MINUTE + second * 1000;
/** One reading of each sensor at minute:second. */
const round = (minute: number, second: number, value = minute): Reading[] => SENSORS.map((sensor, i) => ({ sensor, ts: at(minute, second) + i, value: value + i / 4 }));

interface Totals {
  records: number;
  outputs: number;
  late: number;
  deadLettered: number;
}

describe('module counters across hot reloads', () => {
  let root: string;
  let remove: () => Promise<void>;
  let dev: FastdataProcess | undefined;
  let url: string;
  const events: AppEvent[] = [];

  beforeEach(async () => {
    ({ path: root, remove } = await tempDir());
    await writeCountsProject(root);
    events.length = 0;
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    dev = await startDev({ root, config, dataDir, onEvent: (e) => events.push(e) });
    url = dev.role<HttpRole>('http')!.url!;
  });
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
    await remove();
  });

  const post = async (records: Reading[]) => {
    const response = await fetch(`${url}/api/ingest/sensor.readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) });
    expect(response.status).toBe(202);
  };
  /** Bytes that are not Avro, straight into the input: the module dead-letters them (decode). */
  const junk = async (n: number) => {
    await dev!.context.log.produce('sensor.readings', Array.from({ length: n }, (_, i) => ({ key: Buffer.from(SENSORS[i % SENSORS.length]!), value: Buffer.from(`not avro ${i}`), timestamp: at(10, 30) })));
  };
  /** The running runner's own counts (not the metrics: reading those would let them see the old runner before the reload). */
  const runnerCounts = () => dev!.role<StreamsRole>('streams')!.runners.find((r) => r.module.name === 'counts')!.status();
  const page = async (): Promise<Totals> => {
    const body = (await (await fetch(`${url}/api/metrics/modules`)).json()) as { modules: (Totals & { module: string })[] };
    const m = body.modules.find((x) => x.module === 'counts')!;
    return { records: m.records, outputs: m.outputs, late: m.late, deadLettered: m.deadLettered };
  };
  const prometheus = async (): Promise<Totals> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}\\{module="counts"\\} (\\d+)`, 'm').exec(text)?.[1]);
    return {
      records: value('fastdata_module_input_records_total'),
      outputs: value('fastdata_module_output_records_total'),
      late: value('fastdata_module_late_records_total'),
      deadLettered: value('fastdata_module_dead_lettered_records_total'),
    };
  };
  async function save(options: Parameters<typeof countsModule>[0]): Promise<AppEvent> {
    const from = events.length;
    await writeFile(join(root, 'streams/counts.ts'), countsModule(options));
    const reported = await eventually(() => events.slice(from).find((e) => e.type === 'module-reloaded' || e.type === 'reload-failed'), { timeoutMs: 20_000 });
    return reported!;
  }

  it('go on from where they were after an edit that keeps the state layout and one that changes it, looked at before or not', async () => {
    // Minutes 0..4, then minute 10 closes them; then 3 rounds into minute 1 (closed: late) and 4 undecodable records.
    const inTime = [...round(0, 5), ...round(1, 5), ...round(2, 5), ...round(3, 5), ...round(4, 5), ...round(10, 5)];
    const late1 = [...round(1, 20), ...round(1, 21), ...round(1, 22)];
    await post(inTime);
    await post(late1);
    await junk(4);
    const expected: Totals = { records: inTime.length + late1.length, outputs: expectedCounts(inTime).length, late: late1.length, deadLettered: late1.length + 4 };
    expect(expected.outputs).toBe(SENSORS.length * 5);
    await eventually(() => runnerCounts().deadLettered === expected.deadLettered && runnerCounts().outputs === expected.outputs, { timeoutMs: 20_000 });

    // 1. An edit of the doc (same state layout), nobody having looked at the counters before it.
    expect(await save({ note: 'Counts of readings, per sensor and minute.' })).toMatchObject({ type: 'module-reloaded', stateKept: true });
    await eventually(() => runnerCounts().state === 'running', { timeoutMs: 20_000 });
    expect(await page()).toEqual(expected);
    expect(await prometheus()).toEqual(expected);

    // The new runner counts on top: more late records.
    const late2 = [...round(2, 40), ...round(3, 40)];
    await post(late2);
    expected.records += late2.length;
    expected.late += late2.length;
    expected.deadLettered += late2.length;
    await eventually(() => runnerCounts().late === late2.length, { timeoutMs: 20_000 });
    expect(await page()).toEqual(expected);

    // 2. An edit that changes the state layout (two-minute windows: fresh state), looked at just before.
    expect(await save({ size: '2m' })).toMatchObject({ type: 'module-reloaded', stateKept: false });
    await eventually(() => runnerCounts().state === 'running', { timeoutMs: 20_000 });
    expect(await page()).toEqual(expected);
    const before = await prometheus();
    expect(before).toEqual(expected);

    // Still late for the new version (its watermark carries on past minute 10), and 2 more undecodable.
    const late3 = round(0, 50);
    await post(late3);
    await junk(2);
    expected.records += late3.length;
    expected.late += late3.length;
    expected.deadLettered += late3.length + 2;
    await eventually(() => runnerCounts().deadLettered === late3.length + 2, { timeoutMs: 20_000 });
    expect(await page()).toEqual(expected);
    const after = await prometheus();
    expect(after).toEqual(expected);
    for (const key of Object.keys(before) as (keyof Totals)[]) expect(after[key]).toBeGreaterThanOrEqual(before[key]);
  });
});
