/**
 * `fastdata alerts test`: the demo's rule tests pass with the real engine, and a test whose
 * expectation is wrong, or a file that does not load, is reported as such.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runAlertTests } from '../../../src/alerts/testing/run-tests.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const statsSchema = JSON.parse(await readFile(join(repo, 'schemas/sensor-stats.avsc'), 'utf8')) as object;
const schemaOf = async (topic: string) => (topic === 'sensor.stats' ? statsSchema : undefined);

describe('alert rule tests', () => {
  const dirs: { remove: () => Promise<void> }[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => d.remove())));

  it('runs the demo project’s rule tests through the fastdata command, all passing', async () => {
    const { code, stderr } = await runCli(['alerts', 'test'], { cwd: repo });
    expect(stderr).toContain('9 passed, 0 failed');
    expect(code).toBe(0);
  });

  it('reports a wrong expectation, a record that is not of the topic, and a test file that does not load', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const alerts = join(dir.path, 'alerts');
    await mkdir(alerts);
    await copyFile(join(repo, 'alerts/overheating.yaml'), join(alerts, 'overheating.yaml'));
    const defaults = '{ sensorId: s-1, windowStart: 0, windowEnd: 60000, count: 120, meanTemperature: 22, minTemperature: 21, maxTemperature: 23, stddevTemperature: 0.1, meanHumidity: 45 }';
    await writeFile(
      join(alerts, 'wrong.test.yaml'),
      `tests:
  - name: expects the firing a minute too early
    rule: overheating
    defaults: ${defaults}
    input:
      - { at: 0m, value: { meanTemperature: 31 } }
      - { at: 2m, value: { meanTemperature: 31 } }
    expect:
      - { status: firing, key: s-1, at: 1m }
  - name: a record without count
    rule: overheating
    input:
      - { at: 0m, value: { sensorId: s-1 } }
    expect: []
`,
    );
    await writeFile(join(alerts, 'broken.test.yaml'), 'tests:\n  - name: no rule\n    input: []\n');
    const { results, problems } = await runAlertTests({ root: dir.path, dir: alerts, schemaOf });
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['expects the firing a minute too early', false],
      ['a record without count', false],
    ]);
    expect(results[0]!.failures).toEqual(['notification 1: expected firing s-1 at 60s, got firing s-1 at 120s']);
    expect(results[1]!.failures[0]).toMatch(/^input\.0\.value: not a record of sensor\.stats: .*count/);
    // Every problem of the broken file, each naming its field; none of its tests ran.
    expect(new Set(problems.map((p) => p.file))).toEqual(new Set(['alerts/broken.test.yaml']));
    expect(problems.map((p) => p.field)).toEqual(expect.arrayContaining(['tests.0.rule', 'tests.0.expect']));
  });
});
