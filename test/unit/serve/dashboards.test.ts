/**
 * Loading dashboards/*.yaml: the demo's fleet dashboard against the demo's schemas, and
 * one bad file per mistake a user makes, each reported once with file, line and field,
 * while the good files beside it load.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/config/validated-file.js';
import { loadDashboards, type DashboardEntry, type OutputCatalog } from '../../../src/serve/dashboards/load.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

/** The demo's outputs the dashboards read, with the schemas their modules register. */
const demoCatalog: OutputCatalog = {
  async outputs() {
    return [{ topic: 'sensor.anomalies' }, { topic: 'sensor.drift' }, { topic: 'sensor.forecast' }, { topic: 'sensor.health' }, { topic: 'sensor.stats' }];
  },
  async schema(topic) {
    const file = {
      'sensor.stats': 'sensor-stats.avsc',
      'sensor.anomalies': 'sensor-anomaly.avsc',
      'sensor.health': 'sensor-health.avsc',
      'sensor.forecast': 'sensor-forecast.avsc',
      'sensor.drift': 'sensor-drift.avsc',
    }[topic];
    if (!file) throw new Error(`no schema for ${topic}`);
    return { avro: JSON.parse(await readFile(join(repo, 'schemas', file), 'utf8')) as Record<string, unknown> };
  },
};

const BAD: Record<string, string> = {
  'unknown-field.yaml': `title: Typo
panels:
  - kind: table
    topic: sensor.stats
    fields: [count, meanTemprature]
`,
  'string-series.yaml': `title: Strings do not plot
panels:
  - kind: stat
    topic: sensor.stats
    field: maxTemperature
  - kind: timeseries
    topic: sensor.stats
    fields:
      - meanTemperature
      - sensorId
`,
  'unknown-topic.yaml': `title: Wrong topic
panels:
  - kind: table
    topic: sensor.statz
    fields: [count]
`,
  'bad-yaml.yaml': `title: Broken
panels:
  - kind: table
    topic: sensor.stats
     fields: [count]
`,
  'unknown-kind.yaml': `title: Pie
panels:
  - kind: table
    topic: sensor.stats
    fields: [count]
  - kind: pie
    topic: sensor.stats
`,
  'unknown-setting.yaml': `title: Colour
panels:
  - kind: stat
    topic: sensor.stats
    field: count
    colour: red
`,
};

describe('dashboards/*.yaml', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let entries: Map<string, DashboardEntry>;

  beforeAll(async () => {
    dir = await tempDir();
    const dashboards = join(dir.path, 'dashboards');
    await mkdir(dashboards);
    await copyFile(join(repo, 'dashboards', 'fleet.yaml'), join(dashboards, 'fleet.yaml'));
    for (const [name, text] of Object.entries(BAD)) await writeFile(join(dashboards, name), text);
    await writeFile(join(dashboards, 'notes.txt'), 'not a dashboard');
    entries = new Map((await loadDashboards(dashboards, demoCatalog)).map((e) => [e.name, e]));
  });
  afterAll(async () => dir?.remove());

  /** The one problem of a file: a whole-file problem leaves no definition; a panel's, an error panel in its place that says it. */
  const only = (name: string) => {
    const entry = entries.get(name)!;
    expect(entry.problems, entry.problems.map(formatProblem).join('\n')).toHaveLength(1);
    const problem = formatProblem(entry.problems[0]!);
    const panel = /^panels\.(\d+)/.exec(entry.problems[0]!.field)?.[1];
    if (panel === undefined) expect(entry.definition).toBeNull();
    else {
      expect(entry.definition!.panels[Number(panel)]).toMatchObject({ kind: 'error', problems: [problem] });
      expect(entry.definition!.problems).toEqual([problem]);
    }
    return problem;
  };

  it('loads the demo fleet dashboard, with defaults filled in, beside the bad files', () => {
    expect([...entries.keys()].sort()).toEqual(['bad-yaml', 'fleet', 'string-series', 'unknown-field', 'unknown-kind', 'unknown-setting', 'unknown-topic']);
    const fleet = entries.get('fleet')!;
    expect(fleet.problems.map(formatProblem)).toEqual([]);
    const def = fleet.definition!;
    expect(def.title).toBe('Sensor fleet');
    expect(def.panels.map((p) => p.kind)).toEqual(['timeseries', 'stat', 'timeseries', 'table', 'table', 'table', 'alerts', 'timeseries', 'timeseries', 'table', 'timeseries']);
    // The sensors charted are a variable's (the overheating sensor can be picked), defaulting to four.
    expect(def.variables).toEqual([{ name: 'sensor', label: 'Sensors', topic: 'sensor.stats', multi: true, default: ['sensor-01', 'sensor-02', 'sensor-07', 'sensor-13'] }]);
    expect(def.rangeMs).toBe(30 * 60_000);
    expect(def.panels[0]).toMatchObject({ topic: 'sensor.stats', fields: ['meanTemperature'], keys: null, variable: 'sensor', maxPoints: 1500, thresholds: [{ value: 29, color: 'red' }] });
    expect(def.panels[0]).toMatchObject({ formats: { meanTemperature: { unit: '°C', time: false } } });
    expect(def.panels[1]).toMatchObject({ kind: 'stat', key: null, variable: 'sensor', thresholds: [{ value: 30, color: 'orange' }, { value: 40, color: 'red' }] });
    // windowStart is a timestamp-millis field: a time, not 1796549530000.
    expect(def.panels[3]).toMatchObject({ formats: { windowStart: { time: true }, count: { unit: '' }, meanHumidity: { unit: '%' }, maxTemperature: { unit: '°C' } } });
    expect(def.panels[6]).toMatchObject({ kind: 'alerts', variable: 'sensor' });
    // The models' panels: forecast against actual and the live error per selected sensor, the drift test's evidence.
    expect(def.panels[7]).toMatchObject({ topic: 'sensor.forecast', fields: ['actual', 'forecast'], variable: 'sensor' });
    expect(def.panels[8]).toMatchObject({ topic: 'sensor.forecast', fields: ['mae'], variable: 'sensor' });
    expect(def.panels[10]).toMatchObject({ topic: 'sensor.drift', fields: ['evidence'], variable: 'sensor', thresholds: [{ value: 2, color: 'orange' }] });
  });

  it('leaves the good panels of a file with a bad one working', () => {
    const def = entries.get('unknown-kind')!.definition!;
    expect(def.panels.map((p) => p.kind)).toEqual(['table', 'error']);
    expect(def.panels[0]).toMatchObject({ kind: 'table', topic: 'sensor.stats', fields: ['count'] });
    expect(def.panels[1]).toMatchObject({ kind: 'error', title: 'Panel 2' });
    const series = entries.get('string-series')!.definition!;
    expect(series.panels.map((p) => p.kind)).toEqual(['stat', 'error']);
    expect(series.panels[1]).toMatchObject({ title: 'Panel 2 (timeseries)' });
  });

  it('names file, line and field of a field that is not in the schema, and lists the fields', () => {
    expect(only('unknown-field')).toMatch(/^dashboards\/unknown-field\.yaml:5:\d+ panels\.0\.fields\.1: "meanTemprature" is not a field of sensor\.stats; its fields are sensorId, windowStart, .*meanTemperature/);
  });

  it('refuses a string field in a timeseries, naming the numeric fields', () => {
    expect(only('string-series')).toMatch(/^dashboards\/string-series\.yaml:10:\d+ panels\.1\.fields\.1: "sensorId" is a string; a timeseries panel shows numbers: one of windowStart, windowEnd, count, meanTemperature/);
  });

  it('refuses a topic that is not an output, listing the outputs', () => {
    expect(only('unknown-topic')).toBe('dashboards/unknown-topic.yaml:4:12 panels.0.topic: "sensor.statz" is not an output topic; the outputs are sensor.anomalies, sensor.drift, sensor.forecast, sensor.health, sensor.stats');
  });

  it('reports bad YAML with its line', () => {
    expect(only('bad-yaml')).toBe('dashboards/bad-yaml.yaml:4:12 (file): Nested mappings are not allowed in compact mappings');
  });

  it('refuses an unknown panel kind, listing the kinds', () => {
    expect(only('unknown-kind')).toBe('dashboards/unknown-kind.yaml:6:11 panels.1.kind: must be one of "timeseries", "stat", "table", "alerts" (got "pie")');
  });

  it('refuses a setting a panel does not have, listing those it has', () => {
    expect(only('unknown-setting')).toMatch(/^dashboards\/unknown-setting\.yaml:6:5 panels\.0\.colour: unknown setting; the settings here are .*thresholds/);
  });

  it('returns no dashboards when the folder does not exist', async () => {
    expect(await loadDashboards(join(dir.path, 'missing'), demoCatalog)).toEqual([]);
  });
});
