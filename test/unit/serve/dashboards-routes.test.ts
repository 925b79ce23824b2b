/**
 * The dashboard routes as a browser and a script see them: the list with each file's
 * problems, one definition as JSON, the page, and the bundled script under /web/.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../../src/serve/dashboards/routes.js';
import type { OutputCatalog } from '../../../src/serve/dashboards/load.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

const catalog: OutputCatalog = {
  async outputs() {
    return [{ topic: 'sensor.anomalies' }, { topic: 'sensor.drift' }, { topic: 'sensor.forecast' }, { topic: 'sensor.health' }, { topic: 'sensor.stats' }];
  },
  async schema(topic) {
    const files: Record<string, string> = { 'sensor.stats': 'sensor-stats.avsc', 'sensor.health': 'sensor-health.avsc', 'sensor.forecast': 'sensor-forecast.avsc', 'sensor.drift': 'sensor-drift.avsc' };
    const file = files[topic] ?? 'sensor-anomaly.avsc';
    return { avro: JSON.parse(await readFile(join(repo, 'schemas', file), 'utf8')) as Record<string, unknown> };
  },
};

describe('dashboard routes', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let app: FastifyInstance;
  let unbuilt: FastifyInstance;

  beforeAll(async () => {
    dir = await tempDir();
    const dashboards = join(dir.path, 'dashboards');
    const web = join(dir.path, 'web');
    await mkdir(dashboards);
    await mkdir(web);
    await copyFile(join(repo, 'dashboards', 'fleet.yaml'), join(dashboards, 'fleet.yaml'));
    await writeFile(join(dashboards, 'typo.yaml'), 'title: Typo\npanels:\n  - kind: stat\n    topic: sensor.stats\n    field: maxTemp\n');
    await writeFile(join(dashboards, 'untitled.yaml'), 'title: ""\npanels:\n  - kind: stat\n    topic: sensor.stats\n    field: count\n');
    await writeFile(join(web, 'dashboard.js'), 'console.log("page");\n');
    app = Fastify();
    await app.register(dashboardRoutes, { access: catalog, dir: dashboards, webDir: web });
    unbuilt = Fastify();
    await unbuilt.register(dashboardRoutes, { access: catalog, dir: dashboards, webDir: join(dir.path, 'not-built') });
  });
  afterAll(async () => {
    await app?.close();
    await unbuilt?.close();
    await dir?.remove();
  });

  it('lists every dashboard with its title, address and problems', async () => {
    const response = await app.inject({ url: '/api/dashboards' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      dashboards: [
        { name: 'fleet', title: 'Sensor fleet', file: 'dashboards/fleet.yaml', url: '/dashboards/fleet', valid: true, loads: true, errors: [] },
        {
          name: 'typo',
          title: 'Typo',
          file: 'dashboards/typo.yaml',
          url: '/dashboards/typo',
          valid: false,
          loads: true,
          errors: [expect.stringMatching(/^dashboards\/typo\.yaml:5:12 panels\.0\.field: "maxTemp" is not a field of sensor\.stats; its fields are windowStart, .*maxTemperature/)],
        },
        {
          name: 'untitled',
          title: '',
          file: 'dashboards/untitled.yaml',
          url: '/dashboards/untitled',
          valid: false,
          loads: false,
          errors: ['dashboards/untitled.yaml:1:8 title: must NOT have fewer than 1 characters (got "")'],
        },
      ],
    });
  });

  it('serves a definition as JSON (a bad panel as an error panel), 422 with the problems for a bad file, 404 naming the dashboards there are', async () => {
    const fleet = await app.inject({ url: '/api/dashboards/fleet' });
    expect(fleet.statusCode).toBe(200);
    expect(fleet.json()).toMatchObject({ name: 'fleet', title: 'Sensor fleet', panels: expect.arrayContaining([expect.objectContaining({ kind: 'stat', field: 'maxTemperature' })]) });

    const typo = await app.inject({ url: '/api/dashboards/typo' });
    expect(typo.statusCode).toBe(200);
    expect(typo.json().panels).toEqual([{ kind: 'error', title: 'Panel 1 (stat)', problems: [expect.stringMatching(/^dashboards\/typo\.yaml:5:12 panels\.0\.field: "maxTemp" is not a field/)] }]);

    const untitled = await app.inject({ url: '/api/dashboards/untitled' });
    expect(untitled.statusCode).toBe(422);
    expect(untitled.json().error).toMatchObject({ code: 'FD_CONFIG_INVALID', field: 'title' });
    expect(untitled.json().problems[0]).toMatchObject({ file: 'dashboards/untitled.yaml', line: 1, field: 'title' });

    const missing = await app.inject({ url: '/api/dashboards/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('no dashboard "nope"; the dashboards are fleet, typo, untitled');
  });

  it('serves the page, which loads the bundled script from /web/', async () => {
    const page = await app.inject({ url: '/dashboards/fleet' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<title>Sensor fleet · fastdata</title>');
    expect(page.body).toContain('data-dashboard="fleet"');
    expect(page.body).toContain('<script type="module" src="/web/dashboard.js"></script>');
    const script = await app.inject({ url: '/web/dashboard.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.body).toBe('console.log("page");\n');
    expect((await app.inject({ url: '/web/../dashboards/fleet.yaml' })).statusCode).toBe(404);
  });

  it('answers an unknown dashboard page with 404 and links to the others', async () => {
    const page = await app.inject({ url: '/dashboards/nope' });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('<a href="/dashboards/fleet">fleet</a>');
  });

  it('says how to build the page when dist/web is missing', async () => {
    const page = await unbuilt.inject({ url: '/dashboards/fleet' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('run <code>npm run build</code>');
  });
});
