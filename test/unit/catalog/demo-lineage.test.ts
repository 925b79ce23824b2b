import { createHash } from 'node:crypto';
/**
 * The catalog of the demo project, read from its files as a server reads them: the
 * lineage graph edge by edge, the catalog's lists, and "how was this made" for its
 * outputs. The log is empty (no topic exists yet): lineage comes from the project's
 * files, not from what has run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/catalog/build-catalog.js';
import { buildLineage } from '../../../src/catalog/lineage.js';
import { layoutLineage } from '../../../src/catalog/lineage-layout.js';
import type { CatalogProject } from '../../../src/catalog/project.js';
import { provenance } from '../../../src/catalog/provenance.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { readProject } from '../../../src/serve/catalog/project-sources.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

describe('the demo project in the catalog', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let project: CatalogProject;

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    project = await readProject({ access: { log, outputs: async () => [] }, root: repo, registry });
  });
  afterAll(async () => {
    await log?.close();
    await registry?.close();
    await dir?.remove();
  });

  it('reads every part without a problem', () => {
    expect(project.problems).toEqual([]);
    expect(project.modules.map((m) => m.name)).toEqual(['sensor-anomalies', 'sensor-drift', 'sensor-forecast', 'sensor-health', 'sensor-onnx-anomalies', 'sensor-stats', 'site-stats']);
    expect(project.rules.map((r) => r.name).sort()).toEqual(['dead-sensor', 'over-limit', 'overheating', 'temperature-drift']);
    expect(project.dashboards.map((d) => d.name)).toEqual(['fleet']);
    expect(project.inputs.map((i) => [i.name, i.kind, i.topic, i.reads])).toEqual([
      ['plant-r-readings', 'file', 'sensor.readings', 'data/plant-r-readings.csv (replay 1x, retimed, looped)'],
      ['plant-r-sensors', 'file', 'sensor.metadata', 'data/plant-r-sensors.csv'],
    ]);
  });

  it('draws the lineage from the sources (a table too) through the modules (and a repartition topic) to rules, the alert topic, the dashboard and the sink, edge by edge', () => {
    const graph = buildLineage(project);
    const edges = graph.edges.map((e) => `${e.from} -> ${e.to}`).sort();
    expect(edges).toEqual(
      [
        'input:plant-r-readings -> topic:sensor.readings',
        'input:plant-r-sensors -> topic:sensor.metadata',
        'topic:sensor.readings -> module:sensor-stats',
        'topic:sensor.readings -> module:site-stats',
        'topic:sensor.readings -> topic:fastdata.site-stats.by-site.repartition',
        'topic:fastdata.site-stats.by-site.repartition -> module:site-stats',
        'module:site-stats -> topic:site.stats',
        'module:sensor-stats -> topic:sensor.stats',
        'topic:sensor.stats -> module:sensor-anomalies',
        'module:sensor-anomalies -> topic:sensor.anomalies',
        'topic:sensor.stats -> rule:overheating',
        'topic:sensor.stats -> rule:dead-sensor',
        'rule:overheating -> topic:fastdata.alerts',
        'rule:dead-sensor -> topic:fastdata.alerts',
        'topic:sensor.stats -> dashboard:fleet',
        'topic:sensor.anomalies -> dashboard:fleet',
        'topic:fastdata.alerts -> dashboard:fleet',
        'topic:sensor.stats -> sink:cassandra:sensor_stats',
        'topic:sensor.stats -> module:sensor-health',
        'topic:sensor.metadata -> module:sensor-health',
        'module:sensor-health -> topic:sensor.health',
        'topic:sensor.health -> rule:over-limit',
        'rule:over-limit -> topic:fastdata.alerts',
        'topic:sensor.health -> dashboard:fleet',
        'topic:sensor.stats -> module:sensor-forecast',
        'module:sensor-forecast -> topic:sensor.forecast',
        'topic:sensor.forecast -> dashboard:fleet',
        'topic:sensor.stats -> module:sensor-drift',
        'module:sensor-drift -> topic:sensor.drift',
        'topic:sensor.drift -> rule:temperature-drift',
        'rule:temperature-drift -> topic:fastdata.alerts',
        'topic:sensor.drift -> dashboard:fleet',
        'topic:sensor.readings -> module:sensor-onnx-anomalies',
        'module:sensor-onnx-anomalies -> topic:sensor.onnx-anomalies',
      ].sort(),
    );
    expect(graph.nodes.map((n) => [n.id, n.kind])).toEqual([
      ['input:plant-r-readings', 'input'],
      ['input:plant-r-sensors', 'input'],
      ['topic:sensor.metadata', 'source'],
      ['topic:sensor.readings', 'source'],
      ['topic:fastdata.site-stats.by-site.repartition', 'internal'],
      ['module:sensor-anomalies', 'module'],
      ['module:sensor-drift', 'module'],
      ['module:sensor-forecast', 'module'],
      ['module:sensor-health', 'module'],
      ['module:sensor-onnx-anomalies', 'module'],
      ['module:sensor-stats', 'module'],
      ['module:site-stats', 'module'],
      ['topic:fastdata.alerts', 'output'],
      ['topic:sensor.anomalies', 'output'],
      ['topic:sensor.drift', 'output'],
      ['topic:sensor.forecast', 'output'],
      ['topic:sensor.health', 'output'],
      ['topic:sensor.onnx-anomalies', 'output'],
      ['topic:sensor.stats', 'output'],
      ['topic:site.stats', 'output'],
      ['rule:dead-sensor', 'rule'],
      ['rule:over-limit', 'rule'],
      ['rule:overheating', 'rule'],
      ['rule:temperature-drift', 'rule'],
      ['dashboard:fleet', 'dashboard'],
      ['sink:cassandra:sensor_stats', 'sink'],
    ]);
  });

  it('lays the graph out left to right: each edge goes to a later column', () => {
    const graph = buildLineage(project);
    const layout = layoutLineage(graph);
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const e of graph.edges) expect(at.get(e.to)!.layer, `${e.from} -> ${e.to}`).toBeGreaterThan(at.get(e.from)!.layer);
    expect(at.get('input:plant-r-readings')!.layer).toBe(0);
    expect(at.get('topic:sensor.readings')!.layer).toBe(1);
    // The source, sensor.readings, sensor-stats, sensor.stats, sensor-health, sensor.health, rule over-limit, the alert topic, then the dashboard.
    expect(at.get('dashboard:fleet')!.layer).toBe(8);
  });

  it('lists modules with their doc as HTML and a link to their code, rules, dashboards, sinks and the topics by role', async () => {
    const catalog = await buildCatalog(project, registry);
    const stats = catalog.modules.find((m) => m.name === 'sensor-stats')!;
    expect(stats).toMatchObject({ inputs: ['sensor.readings'], output: 'sensor.stats', schemaFile: 'schemas/sensor-stats.avsc', file: join('streams', 'sensor-stats.ts'), codeUrl: '/api/catalog/modules/sensor-stats/code' });
    expect(stats.docHtml).toContain('<p>');
    expect(catalog.sinks).toEqual([{ kind: 'cassandra', table: 'sensor_stats', topic: 'sensor.stats', module: 'sensor-stats' }]);
    expect(catalog.rules.find((r) => r.name === 'overheating')).toMatchObject({ source: 'sensor.stats', output: 'fastdata.alerts', severity: 'critical', file: 'alerts/overheating.yaml', receivers: ['audit'] });
    expect(catalog.dashboards).toEqual([{ name: 'fleet', title: 'Sensor fleet', file: 'dashboards/fleet.yaml', url: '/dashboards/fleet', topics: ['sensor.stats', 'sensor.anomalies', 'sensor.health', 'fastdata.alerts', 'sensor.forecast', 'sensor.drift'] }]);
    const roles = Object.fromEntries(catalog.topics.map((t) => [t.name, [t.role, t.writer, t.readers]]));
    expect(roles).toEqual({
      'fastdata.alerts': ['output', 'alerts', ['dashboard fleet']],
      'sensor.anomalies': ['output', 'sensor-anomalies', ['dashboard fleet']],
      'sensor.drift': ['output', 'sensor-drift', ['rule temperature-drift', 'dashboard fleet']],
      'sensor.forecast': ['output', 'sensor-forecast', ['dashboard fleet']],
      'sensor.health': ['output', 'sensor-health', ['rule over-limit', 'dashboard fleet']],
      'sensor.metadata': ['source', 'source plant-r-sensors', ['sensor-health']],
      'sensor.onnx-anomalies': ['output', 'sensor-onnx-anomalies', []],
      'fastdata.site-stats.by-site.repartition': ['internal', 'site-stats', ['site-stats']],
      'sensor.readings': ['source', 'source plant-r-readings', ['sensor-onnx-anomalies', 'sensor-stats', 'site-stats']],
      'sensor.stats': ['output', 'sensor-stats', ['sensor-anomalies', 'sensor-drift', 'sensor-forecast', 'sensor-health', 'rule dead-sensor', 'rule overheating', 'dashboard fleet', 'sink cassandra sensor_stats']],
      'site.stats': ['output', 'site-stats', []],
    });
  });

  it('tells how sensor.anomalies was made: its module, inputs, schema versions and code version', async () => {
    await registry.register('sensor.stats-value', await readFile(join(repo, 'schemas', 'sensor-stats.avsc'), 'utf8'));
    const made = await provenance(project, registry, 'sensor.anomalies', { codeVersion: async (path) => ({ commit: `c-${path.split('/').pop()}`, head: 'h', modified: false }) });
    expect(made.writer.kind).toBe('module');
    expect(made.writer.kind === 'module' && made.writer.module.name).toBe('sensor-anomalies');
    expect(made.inputs).toEqual([{ topic: 'sensor.stats', role: 'output', writer: 'sensor-stats', schema: { subject: 'sensor.stats-value', version: 1, id: 1 } }]);
    expect(made.schema).toEqual({ subject: 'sensor.anomalies-value', versions: [], latest: null, file: 'schemas/sensor-anomaly.avsc' });
    expect(made.code).toEqual({ commit: 'c-sensor-anomalies.ts', head: 'h', modified: false });
    expect(made.feeds.map((n) => n.id)).toEqual(['dashboard:fleet']);
    expect(made.models).toEqual([]);

    // A module that scores an ONNX model: the model file and the SHA-256 of what runs.
    const scored = await provenance(project, registry, 'sensor.onnx-anomalies', { codeVersion: async () => null });
    const onnx = await readFile(join(repo, 'models', 'sensor-anomaly.onnx'));
    expect(scored.models.map((m) => [m.file, m.sha256, m.bytes])).toEqual([[join('models', 'sensor-anomaly.onnx'), createHash('sha256').update(onnx).digest('hex'), onnx.byteLength]]);

    const alerts = await provenance(project, registry, 'fastdata.alerts', { codeVersion: async () => null });
    expect(alerts.writer.kind === 'rules' && alerts.writer.rules.map((r) => r.name).sort()).toEqual(['dead-sensor', 'over-limit', 'overheating', 'temperature-drift']);
    expect(alerts.inputs.map((i) => i.topic)).toEqual(['sensor.drift', 'sensor.health', 'sensor.stats']);
  });

  it('refuses provenance of a topic no module or rule writes, naming it and the outputs', async () => {
    await expect(provenance(project, registry, 'sensor.readings')).rejects.toMatchObject({
      code: 'FD_TOPIC_NOT_FOUND',
      message: expect.stringMatching(/"sensor\.readings" is not an output .*fastdata\.alerts, sensor\.anomalies, sensor\.drift, sensor\.forecast, sensor\.health, sensor\.onnx-anomalies, sensor\.stats/),
    });
  });
});
