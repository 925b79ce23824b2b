/**
 * Hostile and broken dashboard files beside a good one, from the issue's reproductions:
 * a YAML alias bomb in dashboards/ made every dashboard endpoint answer 500, a 20k-deep
 * YAML gave "Maximum call stack size exceeded", and a dashboard with about 8 errors
 * reported 2. Now each bad file is its own problem with file:line:col, the good one
 * loads, and every problem of a file is reported at once.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/config/validated-file.js';
import { checkDashboard } from '../../../src/serve/dashboards/load.js';
import type { OutputCatalog } from '../../../src/serve/dashboards/load.js';
import { dashboardRoutes } from '../../../src/serve/dashboards/routes.js';
import { MAX_DASHBOARD_BYTES } from '../../../src/serve/dashboards/yaml-bounds.js';
import { tempDir } from '../../helpers/temp-dir.js';

const statsSchema = {
  type: 'record',
  name: 'Stats',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'count', type: 'long' },
    { name: 'meanTemperature', type: 'double' },
  ],
};
const catalog: OutputCatalog = {
  async outputs() {
    return [{ topic: 'sensor.stats' }];
  },
  async schema() {
    return { avro: statsSchema };
  },
};

const GOOD = `title: Good
panels:
  - kind: stat
    topic: sensor.stats
    field: meanTemperature
`;

/** "Billion laughs": 10 aliases of 10 aliases ... 9 levels, 10^9 strings once expanded. */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'title: Bomb',
  'panels: [{kind: stat, topic: sensor.stats, field: count}]',
].join('\n');

const DEEP_FLOW = `title: Deep\npanels: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
const DEEP_BLOCK = `title: Deep\npanels:\n${'- '.repeat(20_000)}x\n`;

/** Nine mistakes across the outline, the panels' settings and their fields. */
const NINE = `title: ""
extra: 1
panels:
  - kind: stat
    topic: sensor.stats
    field: sensorId
  - kind: timeseries
    topic: sensor.statz
    fields: [meanTemperature]
  - kind: pie
  - kind: table
    topic: sensor.stats
    fields: [count, meanTemprature]
    maxRows: 0
  - kind: stat
    topic: sensor.stats
    field: count
    decimals: 9
    colour: red
`;

describe('hostile dashboard files', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = await tempDir();
    const dashboards = join(dir.path, 'dashboards');
    await mkdir(dashboards);
    await writeFile(join(dashboards, 'good.yaml'), GOOD);
    await writeFile(join(dashboards, 'bomb.yaml'), ALIAS_BOMB);
    await writeFile(join(dashboards, 'deep-flow.yaml'), DEEP_FLOW);
    await writeFile(join(dashboards, 'deep-block.yaml'), DEEP_BLOCK);
    await writeFile(join(dashboards, 'huge.yaml'), `title: Huge\ndescription: "${'x'.repeat(MAX_DASHBOARD_BYTES)}"\npanels: []\n`);
    await writeFile(join(dashboards, 'nine.yaml'), NINE);
    app = Fastify();
    await app.register(dashboardRoutes, { access: catalog, dir: dashboards, webDir: join(dir.path, 'web') });
  });
  afterAll(async () => {
    await app?.close();
    await dir?.remove();
  });

  it('lists every file, the good one valid and each bad one with its own problem', async () => {
    const response = await app.inject({ url: '/api/dashboards' });
    expect(response.statusCode).toBe(200);
    const byName = Object.fromEntries((response.json().dashboards as { name: string; valid: boolean; errors: string[] }[]).map((d) => [d.name, d]));
    expect(Object.keys(byName).sort()).toEqual(['bomb', 'deep-block', 'deep-flow', 'good', 'huge', 'nine']);
    expect(byName['good']).toMatchObject({ valid: true, errors: [] });
    expect(byName['bomb']!.errors).toEqual([expect.stringMatching(/^dashboards\/bomb\.yaml \(file\): cannot be read as YAML: .*alias/i)]);
    expect(byName['deep-flow']!.errors).toEqual([expect.stringMatching(/^dashboards\/deep-flow\.yaml:2:\d+ \(file\): nested more than 64 levels deep/)]);
    expect(byName['deep-block']!.errors).toEqual([expect.stringMatching(/^dashboards\/deep-block\.yaml:3:\d+ \(file\): nested deeper than column 256/)]);
    expect(byName['huge']!.errors).toEqual([expect.stringMatching(/^dashboards\/huge\.yaml \(file\): is \d+ bytes, over the limit of 256 KiB/)]);
  });

  it('serves the good dashboard and answers 422 for each bad one, never 500', async () => {
    const good = await app.inject({ url: '/api/dashboards/good' });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ title: 'Good', panels: [{ kind: 'stat', field: 'meanTemperature' }] });
    for (const name of ['bomb', 'deep-flow', 'deep-block', 'huge', 'nine']) {
      const response = await app.inject({ url: `/api/dashboards/${name}` });
      expect({ name, status: response.statusCode, code: response.json().error.code }).toEqual({ name, status: 422, code: 'FD_CONFIG_INVALID' });
    }
  });

  it('reports every problem of a file, each with file:line:col, in the order of the file', () => {
    const entry = checkDashboard('dashboards/nine.yaml', NINE, new Map([['sensor.stats', [{ path: 'sensorId', type: 'string' }, { path: 'count', type: 'long' }, { path: 'meanTemperature', type: 'double' }]]]) as never);
    expect(entry.definition).toBeNull();
    expect(entry.problems.map(formatProblem)).toEqual([
      'dashboards/nine.yaml:1:8 title: must NOT have fewer than 1 characters (got "")',
      'dashboards/nine.yaml:2:1 extra: unknown setting; the settings here are title, description, range, variables, panels',
      'dashboards/nine.yaml:6:12 panels.0.field: "sensorId" is a string; a stat panel shows numbers: one of count, meanTemperature',
      'dashboards/nine.yaml:8:12 panels.1.topic: "sensor.statz" is not an output topic; the outputs are sensor.stats',
      'dashboards/nine.yaml:10:11 panels.2.kind: must be one of "timeseries", "stat", "table", "alerts" (got "pie")',
      'dashboards/nine.yaml:13:21 panels.3.fields.1: "meanTemprature" is not a field of sensor.stats; its fields are sensorId, count, meanTemperature',
      'dashboards/nine.yaml:14:14 panels.3.maxRows: must be >= 1 (got 0)',
      'dashboards/nine.yaml:18:15 panels.4.decimals: must be <= 6 (got 9)',
      'dashboards/nine.yaml:19:5 panels.4.colour: unknown setting; the settings here are title, kind, topic, field, key, unit, decimals, thresholds',
    ]);
  });

  it('keeps serving the dashboards when the output topics cannot be listed', async () => {
    const broken = Fastify();
    const failing: OutputCatalog = { outputs: async () => Promise.reject(new Error('log closed')), schema: catalog.schema };
    await broken.register(dashboardRoutes, { access: failing, dir: join(dir.path, 'dashboards'), webDir: join(dir.path, 'web') });
    const response = await broken.inject({ url: '/api/dashboards' });
    expect(response.statusCode).toBe(200);
    const good = (response.json().dashboards as { name: string; errors: string[] }[]).find((d) => d.name === 'good')!;
    expect(good.errors).toEqual([expect.stringContaining('the output topics cannot be listed')]);
    await broken.close();
  });
});
