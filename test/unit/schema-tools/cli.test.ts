/**
 * The schema tools through the built command (bin/fastdata.js over dist/), on a data dir
 * written here with the embedded log and registry: Avro topics as a module writes them,
 * a JSON topic as an outside producer might.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = join(REPO, 'test/fixtures/schema-tools');

const stats = (sensorId: string, windowStart: number, meanTemperature: number) => ({
  sensorId,
  windowStart,
  windowEnd: windowStart + 60_000,
  count: 10,
  meanTemperature,
  minTemperature: meanTemperature - 1,
  maxTemperature: meanTemperature + 1,
  stddevTemperature: 0.5,
  meanHumidity: 40,
});

describe('the schema tools on the command line', () => {
  let dir: { path: string; remove(): Promise<void> };
  let project: string;
  let dataDir: string;

  beforeAll(async () => {
    dir = await tempDir('fastdata-schema-cli-');
    project = join(dir.path, 'project');
    dataDir = join(dir.path, 'data');
    await mkdir(join(project, 'schemas'), { recursive: true });
    const log = await EmbeddedLog.open(join(dataDir, 'log'));
    const registry = await EmbeddedSchemaRegistry.open(join(dataDir, 'registry'));
    try {
      const serde = new AvroSerde(registry);
      const schema = await readFile(join(REPO, 'schemas/sensor-stats.avsc'), 'utf8');
      const t0 = 1_700_000_040_000;
      const outputs: Record<string, ReturnType<typeof stats>[]> = {
        'stats.v1': [stats('s-01', t0, 21.5), stats('s-01', t0 + 60_000, 21.7), stats('s-02', t0, 30.1), stats('s-03', t0, 19)],
        // The changed model: s-02 runs 0.5 °C warmer, s-03's window is gone.
        'stats.v2': [stats('s-01', t0, 21.5), stats('s-01', t0 + 60_000, 21.7), stats('s-02', t0, 30.6)],
      };
      for (const [topic, records] of Object.entries(outputs)) {
        await log.createTopic({ name: topic, partitions: 2 });
        const encoder = await serde.encoderFor(`${topic}-value`, schema);
        await log.produce(topic, records.map((r) => ({ key: r.sensorId, value: Buffer.from(encoder.encode(r)) })));
      }
      await log.createTopic({ name: 'raw.events', partitions: 1 });
      await log.produce('raw.events', [
        { key: 'a', value: JSON.stringify({ id: 'a', amount: 3, tags: ['x'] }) },
        { key: 'b', value: JSON.stringify({ id: 'b', amount: 4.5, tags: [], coupon: 'WELCOME' }) },
      ]);
      // What an earlier version of the demo registered for sensor.stats: no meanHumidity yet.
      const demo = JSON.parse(schema) as { fields: Array<{ name: string }> };
      await registry.register('sensor.stats-value', { ...demo, fields: demo.fields.filter((f) => f.name !== 'meanHumidity') });
    } finally {
      await log.close();
      await registry.close();
    }
  });
  afterAll(() => dir.remove());

  it('fastdata diff compares two topics by key and window and exits 1 when they differ', async () => {
    const { code, stdout, stderr } = await runCli(['diff', 'stats.v1', 'stats.v2', '--dir', project, '--data-dir', dataDir]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain('matched by record key + windowStart; numbers compared exact');
    expect(stdout).toMatch(/only in A {2}1\n {6}s-03 @ windowStart 1700000040000/);
    expect(stdout).toMatch(/meanTemperature: 1 record, max \|A-B\| 0\.5\n {6}s-02 @ windowStart 1700000040000 \(2023-11-14T22:14:00\.000Z\): A 30\.1, B 30\.6/);
    // min and max move with the mean in this fixture: three fields changed in one record.
    expect(stdout).toMatch(/maxTemperature: 1 record, max \|A-B\| 0\.5\n/);
    expect(stdout).toMatch(/minTemperature: 1 record, max \|A-B\| 0\.5\n/);
    expect(stdout).toMatch(/different: 1 only in A, 0 only in B, 1 of 3 matched records changed\n$/);
  });

  it('fastdata diff exits 0 for identical outputs, and reports JSON with --json', async () => {
    const same = await runCli(['diff', 'stats.v1', 'stats.v1', '--dir', project, '--data-dir', dataDir]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/identical: 4 records match\n$/);
    const json = await runCli(['diff', 'stats.v1', 'stats.v2', '--json', '--tolerance', '2%', '--dir', project, '--data-dir', dataDir]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { onlyInA: number; changed: number; equal: number; tolerance: unknown };
    expect(report).toMatchObject({ onlyInA: 1, onlyInB: 0, changed: 0, equal: 3, tolerance: { relative: 0.02 } });
  });

  it('fastdata diff takes .jsonl files, and names a bad flag or a missing key', async () => {
    const files = ['diff/stats-a.jsonl', 'diff/stats-a-copy.jsonl'].map((f) => join(FIXTURES, f));
    const ok = await runCli(['diff', ...files, '--key-field', 'sensorId']);
    expect(ok.code).toBe(0);
    const noKey = await runCli(['diff', ...files]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/stats-a\.jsonl:1 has no record key; give --key-field <field>/);
    const badTolerance = await runCli(['diff', ...files, '--tolerance', 'tiny']);
    expect(badTolerance.code).toBe(2);
    expect(badTolerance.stderr).toMatch(/--tolerance <t>' argument 'tiny' is invalid\. expected a number >= 0/);
    const badTopic = await runCli(['diff', 'no.such.topic', files[0]!, '--dir', project, '--data-dir', dataDir]);
    expect(badTopic.code).toBe(2);
    expect(badTopic.stderr).toMatch(/topic no\.such\.topic does not exist .*the topics are: .*stats\.v1/);
  });

  it('fastdata schema infer proposes a schema from a JSON topic, an Avro topic and a .jsonl file', async () => {
    const raw = await runCli(['schema', 'infer', 'raw.events', '--namespace', 'shop', '--dir', project, '--data-dir', dataDir]);
    expect(raw.code).toBe(0);
    const schema = JSON.parse(raw.stdout) as { name: string; namespace: string; fields: Array<{ name: string; type: unknown }> };
    expect(schema).toMatchObject({ name: 'RawEvents', namespace: 'shop' });
    expect(schema.fields).toEqual([
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'double' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'coupon', type: ['null', 'string'], default: null, doc: 'Inferred: absent from 1 of 2 records.' },
    ]);
    expect(raw.stderr).toMatch(/inferred from 2 samples of raw\.events\n {2}note: coupon: absent from 1 of 2 records/);

    const avro = await runCli(['schema', 'infer', 'stats.v1', '--name', 'Stats', '--limit', '2', '--dir', project, '--data-dir', dataDir]);
    expect(avro.code).toBe(0);
    const fields = (JSON.parse(avro.stdout) as { fields: Array<{ name: string; type: unknown }> }).fields;
    expect(fields.map((f) => [f.name, f.type])).toContainEqual(['windowStart', 'long']);
    expect(avro.stderr).toMatch(/inferred from 2 samples of stats\.v1 \(the first 2: --limit\)/);

    const file = await runCli(['schema', 'infer', join(FIXTURES, 'infer/readings.jsonl')]);
    expect(file.code).toBe(0);
    expect(JSON.parse(file.stdout)).toMatchObject({ name: 'Readings' });

    const badLimit = await runCli(['schema', 'infer', 'raw.events', '--limit', '0']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--limit <n>' argument '0' is invalid\. expected a whole number >= 1/);
  });

  it('fastdata schema gen writes schemas/generated/index.ts', async () => {
    for (const name of ['location.avsc', 'order.avsc', 'warehouse-location.avsc']) await copyFile(join(FIXTURES, 'gen', name), join(project, 'schemas', name));
    const { code, stderr } = await runCli(['schema', 'gen', '--dir', project]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/wrote .*schemas\/generated\/index\.ts: 8 types from 3 schema files \(GeoLocation, Order, Status/);
    const text = await readFile(join(project, 'schemas/generated/index.ts'), 'utf8');
    expect(text).toMatch(/^\/\/ generated by fastdata schema gen; do not edit\n/);
    const again = await runCli(['schema', 'gen', '--dir', project, '--out', 'types']);
    expect(again.code).toBe(0);
    expect(await readFile(join(project, 'types/index.ts'), 'utf8')).toBe(text);
  });

  it("fastdata schema check checks the demo's module outputs and schemas, and exits 1 on an incompatible one", async () => {
    const { code, stdout, stderr } = await runCli(['schema', 'check', '--dir', REPO, '--data-dir', dataDir], { timeoutMs: 60_000 });
    expect(stdout).toMatch(/^NEW +sensor\.anomalies-value +module sensor-anomalies \(schemas\/sensor-anomaly\.avsc\): new subject/m);
    expect(stdout).toMatch(/^INCOMPATIBLE +sensor\.stats-value +module sensor-stats \(schemas\/sensor-stats\.avsc\): incompatible under BACKWARD \(latest version 1\):\n {4}- .*field SensorStats\.meanHumidity is added without a default/m);
    expect(stdout).toMatch(/^UNMATCHED +- +schemas\/sensor-reading\.avsc: no module writes it/m);
    expect(stderr).toMatch(/1 cannot be registered/);
    expect(code).toBe(1);
  });

  it('fastdata schema check exits 0 when every schema can be registered', async () => {
    await mkdir(join(dir.path, 'clean/schemas'), { recursive: true });
    await writeFile(join(dir.path, 'clean/schemas/a.avsc'), JSON.stringify({ type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] }));
    const { code, stdout } = await runCli(['schema', 'check', '--dir', join(dir.path, 'clean'), '--data-dir', dataDir]);
    expect(stdout).toMatch(/^UNMATCHED +- +schemas\/a\.avsc/m);
    expect(code).toBe(0);
  });
});
