/**
 * What each generator command writes: the file lists, every token filled, and generated
 * rules, rule tests and dashboards that the real loaders accept as they are.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isFastdataError } from 'fastdata';
import { runAlertTests } from '../../../src/alerts/testing/run-tests.js';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { checkDashboard } from '../../../src/serve/dashboards/load.js';
import { fieldsOfSchema } from '../../../src/serve/dashboards/field-check.js';
import {
  alertFiles,
  dashboardFiles,
  EXAMPLE,
  type PlannedFile,
  outputSchemaOf,
  projectFiles,
  renderTemplate,
  streamFiles,
} from '../../../src/generator/index.js';
import { substitute } from '../../../src/generator/render.js';
import { tempDir } from '../../helpers/temp-dir.js';

const paths = (files: PlannedFile[]) => files.map((f) => f.path).sort();
const LEFTOVER_TOKEN = /__[A-Za-z][A-Za-z0-9]*__/;

/** A schema unlike the example's: an int measure, an enum, a nullable field, a nested record. */
const ROOM_SCHEMA = {
  type: 'record',
  name: 'RoomState',
  namespace: 'test',
  fields: [
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'building', type: 'string' },
    { name: 'roomId', type: 'string' },
    { name: 'mode', type: { type: 'enum', name: 'Mode', symbols: ['HEAT', 'COOL'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'people', type: 'int' },
    { name: 'co2', type: 'double' },
    { name: 'position', type: { type: 'record', name: 'Position', fields: [{ name: 'floor', type: 'int' }] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};

async function runRuleTests(files: PlannedFile[], topic: string, schema: object) {
  const dir = await tempDir();
  try {
    for (const f of files) {
      await mkdir(join(dir.path, f.path, '..'), { recursive: true });
      await writeFile(join(dir.path, f.path), f.content);
    }
    await writeFile(join(dir.path, 'alerts/receivers.yaml'), 'receivers:\n  audit:\n    kind: log\n');
    return await runAlertTests({ root: dir.path, dir: join(dir.path, 'alerts'), schemaOf: async (t) => (t === topic ? schema : undefined) });
  } finally {
    await dir.remove();
  }
}

describe('fastdata init', () => {
  it('plans the whole project, every token filled', async () => {
    const files = await projectFiles('plant-monitor', 'file:vendor/fastdata-0.1.0.tgz');
    expect(paths(files)).toEqual([
      '.dockerignore',
      '.gitignore',
      'Dockerfile',
      'README.md',
      'alerts/hot-sensor.test.yaml',
      'alerts/hot-sensor.yaml',
      'alerts/receivers.yaml',
      'dashboards/sensors.yaml',
      'docker-compose.yml',
      'fastdata.config.yaml',
      'package.json',
      'schemas/sensor-reading.avsc',
      'schemas/temperature-stats.avsc',
      'streams/temperature-stats.test.ts',
      'streams/temperature-stats.ts',
      'tsconfig.json',
    ]);
    for (const f of files) expect(LEFTOVER_TOKEN.exec(f.content)?.[0], f.path).toBeUndefined();
    const pkg = JSON.parse(files.find((f) => f.path === 'package.json')!.content);
    expect(pkg).toMatchObject({ name: 'plant-monitor', type: 'module', scripts: { start: 'fastdata dev' } });
    expect(Object.keys(pkg.dependencies)).toEqual(['fastdata', 'rxjs']);
    expect(pkg.dependencies.fastdata).toBe('file:vendor/fastdata-0.1.0.tgz');
    expect(files.find((f) => f.path === 'docker-compose.yml')!.content).toContain('name: plant-monitor');
  });

  it("writes an alert rule whose test passes and a dashboard that loads, against the example's schema", async () => {
    const files = await projectFiles('plant-monitor', 'file:vendor/fastdata-0.1.0.tgz');
    const schema = outputSchemaOf(files, EXAMPLE.stream);
    expect(parseAvroSchema(schema).name).toBe('plant_monitor.TemperatureStats');
    const { results, problems } = await runRuleTests(files.filter((f) => f.path.startsWith('alerts/hot-sensor')), EXAMPLE.topic, schema);
    expect(problems).toEqual([]);
    expect(results.map((r) => r.passed)).toEqual([true, true]);
    const dashboard = files.find((f) => f.path === 'dashboards/sensors.yaml')!;
    const entry = checkDashboard('dashboards/sensors.yaml', dashboard.content, new Map([[EXAMPLE.topic, fieldsOfSchema(schema as Record<string, unknown>)]]));
    expect(entry.problems).toEqual([]);
    expect(entry.definition?.panels.map((p) => p.kind)).toEqual(['timeseries', 'stat', 'table']);
  });
});

describe('fastdata new stream', () => {
  it('plans the module, its test and its output schema, in the configured streams folder', async () => {
    const files = await streamFiles({ name: 'room-stats', topic: 'rooms.stats', namespace: 'acme', streamsDir: 'src/streams/' });
    expect(paths(files)).toEqual(['schemas/room-stats.avsc', 'src/streams/room-stats.test.ts', 'src/streams/room-stats.ts']);
    const module = files.find((f) => f.path === 'src/streams/room-stats.ts')!.content;
    expect(module).toContain("name: 'room-stats'");
    expect(module).toContain("output: { topic: 'rooms.stats', schema: 'schemas/room-stats.avsc'");
    expect(module).toContain('export interface RoomStats {');
    expect(files.find((f) => f.path.endsWith('.test.ts'))!.content).toContain("from 'fastdata/testing'");
    expect(parseAvroSchema(outputSchemaOf(files, 'room-stats')).name).toBe('acme.RoomStats');
  });
});

describe('fastdata new alert', () => {
  it('picks an id-like key and a measure, and its rule test passes as generated', async () => {
    const files = await alertFiles({ name: 'crowded', source: 'rooms', schema: ROOM_SCHEMA, receivers: ['audit'] });
    expect(paths(files)).toEqual(['alerts/crowded.test.yaml', 'alerts/crowded.yaml']);
    const rule = parse(files.find((f) => f.path === 'alerts/crowded.yaml')!.content).rules[0];
    // co2 (a double) before people (an int); `at` is a time, never a measure; roomId over building.
    expect(rule).toMatchObject({ name: 'crowded', source: 'rooms', key: 'roomId', when: 'co2 > 100', receivers: ['audit'] });
    const { results, problems } = await runRuleTests(files, 'rooms', ROOM_SCHEMA);
    expect(problems).toEqual([]);
    expect(results.map((r) => [r.name, r.passed, r.failures])).toEqual(results.map((r) => [r.name, true, []]));
  });

  it('takes the field, the threshold and the key it is given; an int field gets whole test values', async () => {
    const files = await alertFiles({ name: 'crowded', source: 'rooms', schema: ROOM_SCHEMA, field: 'people', above: 12.5, key: 'building', receivers: [] });
    const rule = parse(files.find((f) => f.path === 'alerts/crowded.yaml')!.content).rules[0];
    expect(rule).toMatchObject({ key: 'building', when: 'people > 12.5', receivers: [] });
    const test = files.find((f) => f.path === 'alerts/crowded.test.yaml')!.content;
    expect(test).toContain('value: { people: 13 }');
    expect(test).toContain('value: { people: 12 }');
    const { results } = await runRuleTests(files, 'rooms', ROOM_SCHEMA);
    expect(results.every((r) => r.passed)).toBe(true);
  });

  it('refuses a field that is not a number of the topic, listing those that are', async () => {
    const error = await alertFiles({ name: 'x', source: 'rooms', schema: ROOM_SCHEMA, field: 'mode', receivers: [] }).catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_ARGUMENT_INVALID')).toBe(true);
    expect((error as Error).message).toBe('--field "mode" is not a numeric field of rooms; its numeric fields are co2, people, position.floor');
    const badKey = await alertFiles({ name: 'x', source: 'rooms', schema: ROOM_SCHEMA, key: 'nope', receivers: [] }).catch((e: unknown) => e);
    expect((badKey as Error).message).toMatch(/^--key "nope" is not a field of rooms; its fields are at, building, roomId, mode, note, people, co2, position.floor$/);
  });
});

describe('fastdata new dashboard', () => {
  it('plans one dashboard that loads against the topic schema', async () => {
    const files = await dashboardFiles({ name: 'rooms', topic: 'rooms', schema: ROOM_SCHEMA, field: 'people' });
    expect(paths(files)).toEqual(['dashboards/rooms.yaml']);
    const entry = checkDashboard('dashboards/rooms.yaml', files[0]!.content, new Map([['rooms', fieldsOfSchema(ROOM_SCHEMA)]]));
    expect(entry.problems).toEqual([]);
    expect(entry.definition?.panels.map((p) => [p.kind, 'fields' in p ? p.fields : 'field' in p ? p.field : p.kind])).toEqual([
      ['timeseries', ['people']],
      ['stat', 'people'],
      ['table', ['at', 'building', 'mode', 'note', 'people', 'co2', 'position.floor']],
    ]);
  });
});

describe('templates', () => {
  it('every template renders with no token left, and an unknown token is an error', async () => {
    const files = await renderTemplate('alert', {
      name: 'n', title: 'N', source: 's', key: 'k', keyValue: 'v', field: 'f', decimals: '2', threshold: '1', above: '2', below: '0', defaults: '{}', receivers: '',
    });
    for (const f of files) expect(LEFTOVER_TOKEN.test(f.content + f.path), f.path).toBe(false);
    expect(() => substitute('a __nope__ b', { name: 'x' }, 'here')).toThrow(/template here: no value for __nope__; known: name/);
  });
});
