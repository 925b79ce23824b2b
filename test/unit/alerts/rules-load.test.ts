/**
 * Loading alert rules as a user meets them: the demo rules load against the demo schemas,
 * and each bad rule gives exactly one problem naming its file, line and field while the
 * other rules of the same folder still load.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblem, type Problem } from '../../../src/config/validated-file.js';
import { loadAlertRules, type SchemaOf } from '../../../src/alerts/rules/index.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const fixtures = join(repo, 'test/fixtures/alerts');

const SCHEMA_FILES: Record<string, string> = {
  'sensor.readings': 'sensor-reading.avsc',
  'sensor.stats': 'sensor-stats.avsc',
  'sensor.anomalies': 'sensor-anomaly.avsc',
  'sensor.health': 'sensor-health.avsc',
  'sensor.drift': 'sensor-drift.avsc',
};

const demoSchemas: SchemaOf = async (topic) => {
  const file = SCHEMA_FILES[topic];
  return file === undefined ? undefined : (JSON.parse(await readFile(join(repo, 'schemas', file), 'utf8')) as object);
};

/** The 1-based line of the first line of `file` containing `needle` at or after the line `after`. */
async function lineOf(file: string, needle: string, after = 0): Promise<number> {
  const lines = (await readFile(join(fixtures, 'mixed', file), 'utf8')).split('\n');
  const index = lines.findIndex((line, i) => i >= after && line.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}

describe('the demo rules', () => {
  it('load against the demo schemas', async () => {
    const { rules, problems } = await loadAlertRules(join(repo, 'alerts'), demoSchemas, new Set(['audit', 'ops-webhook']));
    expect(problems.map(formatProblem)).toEqual([]);
    expect(rules.map((r) => r.name).sort()).toEqual(['dead-sensor', 'over-limit', 'overheating', 'temperature-drift']);
    const overheating = rules.find((r) => r.name === 'overheating')!;
    expect(overheating).toMatchObject({ file: 'alerts/overheating.yaml', source: 'sensor.stats', keyPath: 'sensorId', forMs: 120_000, severity: 'critical', receivers: ['audit'] });
    const drift = rules.find((r) => r.name === 'temperature-drift')!;
    expect(drift).toMatchObject({ file: 'alerts/temperature-drift.yaml', source: 'sensor.drift', keyPath: 'sensorId', forMs: 0, keepFiringForMs: 600_000, severity: 'warning' });
    const dead = rules.find((r) => r.name === 'dead-sensor')!;
    expect(dead).toMatchObject({ absentMs: 120_000, forMs: 0 });
    expect(dead.when).toBeUndefined();
  });

  it('overheating fires on an overheating minute and recovers only when cool and calm', async () => {
    const { rules } = await loadAlertRules(join(repo, 'alerts'), demoSchemas, undefined);
    const rule = rules.find((r) => r.name === 'overheating')!;
    const minute = { sensorId: 'sensor-07', windowStart: 0, windowEnd: 60_000, count: 120, minTemperature: 20, maxTemperature: 22, meanHumidity: 40 };
    const healthy = { ...minute, meanTemperature: 24.3, stddevTemperature: 0.18 };
    const ramping = { ...minute, meanTemperature: 26.1, stddevTemperature: 0.61 };
    const hot = { ...minute, meanTemperature: 30.2, stddevTemperature: 0.2 };
    const edge = { ...minute, meanTemperature: 28.5, stddevTemperature: 0.2 };
    expect([healthy, ramping, hot].map(rule.when!)).toEqual([false, true, true]);
    expect([healthy, edge, hot].map(rule.recover!)).toEqual([true, false, false]);
    expect(rule.keyOf(hot)).toBe('sensor-07');
    expect(rule.annotate(hot)).toEqual({ summary: 'sensor-07 runs hot: 30.2 °C (max 22.0 °C, spread 0.20)' });
  });
});

describe('bad rules', () => {
  async function loadMixed(): Promise<{ names: string[]; problems: Problem[] }> {
    const { rules, problems } = await loadAlertRules(join(fixtures, 'mixed'), demoSchemas, new Set(['audit', 'ops-webhook']));
    return { names: rules.map((r) => r.name), problems };
  }

  it('the good rules of every file still load', async () => {
    const { names } = await loadMixed();
    expect(names).toEqual(['good-one', 'good-absent', 'still-loads']);
  });

  it('each bad rule gives exactly one problem naming its file, line and field', async () => {
    const { problems } = await loadMixed();
    const byRule = new Map<string, string[]>();
    for (const p of problems) {
      const key = `${p.file} ${/^rules\.\d+/.exec(p.field)?.[0] ?? p.field}`;
      byRule.set(key, [...(byRule.get(key) ?? []), formatProblem(p)]);
    }
    for (const [rule, messages] of byRule) expect(messages, rule).toHaveLength(1);
    expect(problems).toHaveLength(14);
    for (const p of problems) expect(p.line, formatProblem(p)).toBeGreaterThan(0);
  });

  const cases: [string, string, string, RegExp][] = [
    ['unknown-field', 'rules.0.when', 'meanTemp > 30', /unknown field "meanTemp" in sensor\.stats; fields are sensorId, windowStart, .*meanTemperature/],
    ['type-mismatch', 'rules.1.when', 'sensorId > 3', /> compares two numbers or two strings, but sensorId is a string and 3 is a number/],
    ['bad-duration', 'rules.2.for', '2 minutes', /"2 minutes" is not a valid duration; .*'5m'/],
    ['bad-syntax', 'rules.3.when', 'meanTemperature > (30', /not a valid expression: Unclosed \( at character 21/],
    ['unknown-topic', 'rules.4.source', 'sensor.stat\n', /unknown source topic "sensor\.stat"/],
    ['missing-receiver', 'rules.5.receivers.1', 'pager', /unknown receiver "pager"; the receivers are audit, ops-webhook/],
    ['good-one', 'rules.6.name', 'name: good-one', /duplicate rule name "good-one": mixed\/a-good\.yaml:2 has it already/],
    ['when-and-absent', 'rules.7.absent', 'absent: 3m', /not both/],
    ['neither', 'rules.8', '- name: neither', /give when .* or absent/],
    ['unknown-key', 'rules.9.threshold', 'threshold: 3', /unknown setting; the settings here are name, description, source, key, when/],
    ['not-a-condition', 'rules.10.when', 'meanTemperature + 1', /must be a condition \(true or false\), but it is a number/],
    ['bad-template', 'rules.11.annotations.summary', '{{ meanTemp', /unknown field "meanTemp" in sensor\.stats/],
    ['unknown-key-field', 'rules.12.key', 'key: sensor\n', /unknown field "sensor" in sensor\.stats/],
  ];

  it.each(cases)('%s: %s', async (name, field, needle, message) => {
    const { problems } = await loadMixed();
    const text = await readFile(join(fixtures, 'mixed', 'b-bad.yaml'), 'utf8');
    const ruleLine = await lineOf('b-bad.yaml', `name: ${name}`, name === 'good-one' ? 10 : 0);
    const offset = text.indexOf(needle, text.split('\n').slice(0, ruleLine - 1).join('\n').length);
    const line = text.slice(0, offset).split('\n').length;
    const problem = problems.find((p) => p.field === field);
    expect(problem, field).toBeDefined();
    expect(problem).toMatchObject({ file: 'mixed/b-bad.yaml', line });
    expect(problem!.message).toMatch(message);
  });

  it('names the column of the value, as an editor jumps to it', async () => {
    const { problems } = await loadMixed();
    const line = await lineOf('b-bad.yaml', 'meanTemp > 30');
    expect(formatProblem(problems.find((p) => p.field === 'rules.0.when')!)).toMatch(new RegExp(`^mixed/b-bad\\.yaml:${line}:11 rules\\.0\\.when: unknown field "meanTemp"`));
  });

  it('a YAML syntax error is one problem for its file', async () => {
    const { problems } = await loadMixed();
    const broken = problems.filter((p) => p.file === 'mixed/c-broken.yaml');
    expect(broken).toHaveLength(1);
    expect(broken[0]!.line).toBeGreaterThan(0);
  });

  it('a folder that does not exist has no rules and no problems', async () => {
    expect(await loadAlertRules(join(fixtures, 'nowhere'), demoSchemas, undefined)).toEqual({ rules: [], problems: [], specs: new Map() });
  });

  it('without receiver names, any receiver is accepted', async () => {
    const { problems } = await loadAlertRules(join(fixtures, 'mixed'), demoSchemas, undefined);
    expect(problems.find((p) => p.field.startsWith('rules.5'))).toBeUndefined();
  });
});
