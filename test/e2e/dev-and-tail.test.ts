/**
 * The quick start, as a user runs it: `fastdata dev` on the demo project in one process,
 * `fastdata tail` in another, reading the same data dir.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { runCli, startCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('fastdata dev on the demo project, with fastdata tail beside it', () => {
  let data: { path: string; remove: () => Promise<void> };
  let dev: ReturnType<typeof startCli>;

  beforeAll(async () => {
    data = await tempDir();
    dev = startCli(['dev', '--data-dir', data.path, '--port', '0'], { cwd: repo });
    await eventually(() => /sensor-anomalies: running/.test(dev.output.stderr) || undefined, { timeoutMs: 120_000, intervalMs: 100 });
  });
  afterAll(async () => {
    await dev?.stop('SIGKILL');
    await data?.remove();
  });

  it('prints decoded one-minute windows of sensor.stats, from history, within a minute of start', async () => {
    const { code, stdout, stderr } = await runCli(['tail', 'sensor.stats', '--data-dir', data.path, '--from-beginning', '--limit', '5'], { cwd: repo });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line.topic).toBe('sensor.stats');
      expect(line.key).toBe(line.value.sensorId);
      expect(line.value.windowEnd - line.value.windowStart).toBe(60_000);
      expect(line.value.windowStart % 60_000).toBe(0);
      expect(line.value.count).toBeGreaterThan(0);
      expect(line.value.minTemperature).toBeLessThanOrEqual(line.value.maxTemperature);
    }
  });

  it('follows a key, and reads the second module’s output too', async () => {
    const { stdout } = await runCli(['tail', 'sensor.anomalies', '--data-dir', data.path, '-b', '--key', 'sensor-07', '-n', '2'], { cwd: repo });
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.key)).toEqual(['sensor-07', 'sensor-07']);
    expect(typeof lines[0].value.zscore).toBe('number');
  });

  it('lists the topics with their end offsets', async () => {
    const { stdout } = await runCli(['topics', '--data-dir', data.path, '--json'], { cwd: repo });
    const topics = Object.fromEntries(stdout.trim().split('\n').map((l) => JSON.parse(l)).map((t) => [t.name, t]));
    expect(topics['sensor.readings'].records).toBeGreaterThan(20_000); // the ten-minute backfill
    expect(topics['sensor.stats'].partitions).toBe(4);
    expect(topics['fastdata.sensor-stats.changelog'].cleanupPolicy).toBe('compact');
  });

  it('takes records over HTTP while it runs (POST /api/ingest), which tail then reads beside it', async () => {
    const devUrl = /status page and schema registry: (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.output.stderr)![1];
    const schema = { type: 'record', name: 'Meter', fields: [{ name: 'meterId', type: 'string' }, { name: 'ts', type: 'long' }, { name: 'kwh', type: 'double' }] };
    const registered = await fetch(`${devUrl}/registry/subjects/my.meters-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    });
    expect(registered.status).toBe(200);
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ meterId: `m${i % 5}`, ts: 1_700_000_000_000 + i * 1000, kwh: i / 10 })).join('\n');
    const ingested = await fetch(`${devUrl}/api/ingest/my.meters?key=meterId&time=ts`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines });
    expect(ingested.status, await ingested.clone().text()).toBe(202);
    expect(await ingested.json()).toEqual({ accepted: 50 });
    const { stdout } = await runCli(['tail', 'my.meters', '--data-dir', data.path, '--from-beginning', '--limit', '50'], { cwd: repo });
    const read = stdout.trim().split('\n').map((line) => JSON.parse(line) as { key: string; value: { meterId: string; kwh: number } });
    expect(read).toHaveLength(50);
    for (const r of read) expect(r.key).toBe(r.value.meterId);
    expect(read.map((r) => r.value.kwh).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i / 10));
  });

  it('fastdata produce beside it writes through its server (the data dir is its own)', async () => {
    const lines = Array.from({ length: 1_200 }, (_, i) => JSON.stringify({ meterId: `p${i % 3}`, ts: 1_700_000_100_000 + i, kwh: i })).join('\n');
    const file = join(data.path, 'more-meters.jsonl');
    await writeFile(file, `${lines}\n{"meterId": 7}\n`);
    const produced = await runCli(['produce', 'my.meters', file, '--data-dir', data.path, '--key', 'meterId', '--time', 'ts'], { cwd: repo, timeoutMs: 60_000 });
    expect(produced.stderr).toMatch(/produce: 1200 records into my\.meters through the server at http:\/\/127\.0\.0\.1:\d+ .*; 1 bad/);
    expect(produced.stderr).toMatch(/line 1201: /);
    expect(produced.code).toBe(1);
    const { stdout } = await runCli(['tail', 'my.meters', '--data-dir', data.path, '--from-beginning', '--limit', '1250'], { cwd: repo });
    expect(stdout.trim().split('\n').filter((line) => (JSON.parse(line) as { key: string }).key.startsWith('p'))).toHaveLength(1_200);
  });

  it('serves the outputs over REST, in dev and in a `fastdata serve` beside it', async () => {
    const devUrl = /status page and schema registry: (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.output.stderr)![1];
    const fromDev = (await (await fetch(`${devUrl}/api/outputs/sensor.stats/latest`)).json()) as { total: number; records: { key: string }[] };
    // The generator's 20 sensors, and the recorded plant-r's four once their first replayed minute has closed.
    const keys = fromDev.records.map((r) => r.key);
    expect(keys.filter((k) => k.startsWith('sensor-'))).toHaveLength(20);
    expect(keys.filter((k) => !k.startsWith('sensor-')).every((k) => /^plant-r-0[1-4]$/.test(k))).toBe(true);
    const dashboard = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboards\/fleet)/.exec(dev.output.stderr)?.[1];
    expect(dashboard).toBeDefined();
    const page = await fetch(dashboard!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const served = startCli(['serve', '--data-dir', data.path, '--port', '0'], { cwd: repo });
    try {
      const url = await eventually(() => /outputs: (http:\/\/127\.0\.0\.1:\d+)\/api\/outputs/.exec(served.output.stderr)?.[1], { timeoutMs: 30_000, intervalMs: 100 });
      const outputs = (await (await fetch(`${url}/api/outputs`)).json()) as { outputs: { topic: string; module: string; inputs: string[] }[] };
      expect(outputs.outputs.map((o) => [o.topic, o.module, o.inputs])).toEqual([
        ['fastdata.alerts', 'alerts', ['sensor.drift', 'sensor.health', 'sensor.stats']],
        ['sensor.anomalies', 'sensor-anomalies', ['sensor.stats']],
        ['sensor.drift', 'sensor-drift', ['sensor.stats']],
        ['sensor.forecast', 'sensor-forecast', ['sensor.stats']],
        ['sensor.health', 'sensor-health', ['sensor.stats']],
        ['sensor.onnx-anomalies', 'sensor-onnx-anomalies', ['sensor.readings']],
        ['sensor.stats', 'sensor-stats', ['sensor.readings']],
        ['site.stats', 'site-stats', ['sensor.readings']],
      ]);
      const latest = (await (await fetch(`${url}/api/outputs/sensor.stats/latest/sensor-07`)).json()) as { key: string; value: { sensorId: string } };
      expect(latest.value.sensorId).toBe('sensor-07');
      // The alert history reads beside dev; a write (a silence) needs the dev server, which holds the log.
      expect((await fetch(`${url}/api/alerts`)).status).toBe(200);
      const silence = await fetch(`${url}/api/alerts/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: [{ label: 'key', op: '=', value: 'sensor-07' }], endsAt: Date.now() + 3_600_000, comment: 'test', createdBy: 'test' }),
      });
      expect(silence.status).toBe(409);
      expect(((await silence.json()) as { error: { code: string } }).error.code).toBe('FD_LOG_READ_ONLY');
    } finally {
      expect(await served.stop('SIGINT')).toBe(0);
    }
  });

  it('checkpoints and stops on Ctrl-C', async () => {
    await eventually(() => /status page and schema registry: http:\/\/127\.0\.0\.1:\d+/.test(dev.output.stderr) || undefined);
    const code = await dev.stop('SIGINT');
    expect(code).toBe(0);
    expect(dev.output.stderr).toMatch(/SIGINT: checkpointing and stopping\.\.\.[\s\S]*\d\d:\d\d:\d\d stopped\n$/);
  });
});
