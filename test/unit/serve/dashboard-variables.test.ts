/**
 * The definition checks of variables, units, time fields and timeseries thresholds: a
 * variable used by panels (`keys: $sensor`), an unknown one named with file:line:col, a
 * variable on a topic that is not an output failing only the panels that use it, and each
 * field's format (a unit, or a time from the schema's logical type or `unit: time`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/config/validated-file.js';
import { fieldsOfSchema } from '../../../src/serve/dashboards/field-check.js';
import { checkDashboard } from '../../../src/serve/dashboards/load.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const schema = (file: string) => fieldsOfSchema(JSON.parse(readFileSync(join(repo, 'schemas', file), 'utf8')) as Record<string, unknown>);
const topics = new Map([
  ['sensor.stats', schema('sensor-stats.avsc')],
  ['sensor.anomalies', schema('sensor-anomaly.avsc')],
]);
const check = (text: string) => checkDashboard('dashboards/v.yaml', text, topics);

describe('dashboard variables', () => {
  it('declares a multi-select key variable that panels use, with its defaults', () => {
    const entry = check(`title: Vars
range: 1h
variables:
  - { name: sensor, topic: sensor.stats, multi: true, default: [sensor-01, sensor-07], label: Sensor }
panels:
  - kind: timeseries
    topic: sensor.stats
    fields: [meanTemperature]
    keys: $sensor
  - kind: stat
    topic: sensor.stats
    field: maxTemperature
    key: $sensor
  - kind: table
    topic: sensor.anomalies
    fields: [zscore]
    keys: [sensor-02]
  - kind: alerts
    topic: fastdata.alerts
    variable: $sensor
`);
    expect(entry.problems.map(formatProblem)).toEqual([]);
    const def = entry.definition!;
    expect(def.rangeMs).toBe(3_600_000);
    expect(def.variables).toEqual([{ name: 'sensor', label: 'Sensor', topic: 'sensor.stats', multi: true, default: ['sensor-01', 'sensor-07'] }]);
    expect(def.panels[0]).toMatchObject({ kind: 'timeseries', keys: null, variable: 'sensor' });
    expect(def.panels[1]).toMatchObject({ kind: 'stat', key: null, variable: 'sensor' });
    expect(def.panels[2]).toMatchObject({ kind: 'table', keys: ['sensor-02'], variable: null });
    expect(def.panels[3]).toMatchObject({ kind: 'alerts', variable: 'sensor', dashboard: null });
  });

  it('names an unknown variable with file:line:col and the variables there are; the other panels load', () => {
    const entry = check(`title: Typo
variables:
  - { name: sensor, topic: sensor.stats }
panels:
  - kind: timeseries
    topic: sensor.stats
    fields: [meanTemperature]
    keys: $sensr
  - kind: stat
    topic: sensor.stats
    field: maxTemperature
    key: $sensor
`);
    const problem = 'dashboards/v.yaml:8:11 panels.0.keys: $sensr is not a variable of this dashboard; its variables are $sensor';
    expect(entry.problems.map(formatProblem)).toEqual([problem]);
    expect(entry.definition!.panels).toEqual([{ kind: 'error', title: 'Panel 1 (timeseries)', problems: [problem] }, expect.objectContaining({ kind: 'stat', variable: 'sensor' })]);
  });

  it('says how to declare one when the dashboard has no variables', () => {
    const entry = check('title: None\npanels:\n  - kind: stat\n    topic: sensor.stats\n    field: count\n    key: $sensor\n');
    expect(entry.problems.map(formatProblem)).toEqual(['dashboards/v.yaml:6:10 panels.0.key: $sensor is not a variable of this dashboard; it declares none: add one under variables: (name, topic)']);
  });

  it('fails the panels that use a variable on a topic that is not an output, and only those', () => {
    const entry = check(`title: Bad variable
variables:
  - { name: sensor, topic: sensor.statz }
panels:
  - kind: table
    topic: sensor.stats
    fields: [count]
    keys: $sensor
  - kind: table
    topic: sensor.stats
    fields: [count]
`);
    expect(entry.problems.map(formatProblem)).toEqual([
      'dashboards/v.yaml:3:28 variables.0.topic: "sensor.statz" is not an output topic (the variable offers its keys); the outputs are sensor.anomalies, sensor.stats',
      'dashboards/v.yaml:8:11 panels.0.keys: $sensor has a problem (variables.0), so this panel has no keys to show until it is fixed',
    ]);
    const def = entry.definition!;
    expect(def.variables).toEqual([]);
    expect(def.panels.map((p) => p.kind)).toEqual(['error', 'table']);
  });

  it('refuses several defaults for a single-key variable, a duplicate name and a malformed one', () => {
    const entry = check(`title: Bad
variables:
  - { name: sensor, topic: sensor.stats, default: [a, b] }
  - { name: sensor, topic: sensor.stats }
  - { name: 2fast, topic: sensor.stats }
panels:
  - { kind: stat, topic: sensor.stats, field: count, key: sensor-01 }
`);
    expect(entry.problems.map(formatProblem)).toEqual([
      'dashboards/v.yaml:3:51 variables.0.default: lists 2 keys, but the variable selects one key at a time: give one, or set multi: true',
      'dashboards/v.yaml:4:13 variables.1.name: "sensor" is declared twice; give each variable its own name',
      expect.stringMatching(/^dashboards\/v\.yaml:5:13 variables\.2\.name: must match pattern/),
    ]);
    expect(entry.definition!.panels.map((p) => p.kind)).toEqual(['stat']);
  });
});

describe('formats and thresholds', () => {
  it('shows timestamp-millis fields as times, and each field with its unit', () => {
    const entry = check(`title: Units
panels:
  - kind: table
    topic: sensor.stats
    fields: [windowStart, meanTemperature, meanHumidity, count]
    unit: °C
    units: { meanHumidity: '%', count: '' }
  - kind: timeseries
    topic: sensor.stats
    fields: [count]
    unit: time
    thresholds: [{ value: 40, color: red }, { value: 30, color: orange }]
`);
    expect(entry.problems.map(formatProblem)).toEqual([]);
    const [table, series] = entry.definition!.panels;
    expect(table).toMatchObject({
      formats: {
        windowStart: { time: true, unit: '', perMs: 1 },
        meanTemperature: { time: false, unit: '°C' },
        meanHumidity: { time: false, unit: '%' },
        count: { time: false, unit: '' },
      },
    });
    expect(series).toMatchObject({ formats: { count: { time: true } }, thresholds: [{ value: 30, color: 'orange' }, { value: 40, color: 'red' }] });
  });

  it('refuses a unit for a field the panel does not show', () => {
    const entry = check('title: U\npanels:\n  - kind: table\n    topic: sensor.stats\n    fields: [count]\n    units: { meanHumidity: "%" }\n');
    expect(entry.problems.map(formatProblem)).toEqual(['dashboards/v.yaml:6:14 panels.0.units.meanHumidity: "meanHumidity" is not one of this panel\'s fields (count); a unit applies to a field it shows']);
  });
});
