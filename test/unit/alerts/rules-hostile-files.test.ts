/**
 * Hostile rule files beside good ones (the review: a YAML alias bomb in alerts/ made dev
 * exit 1 naming no file; a 20k-deep YAML gave "Maximum call stack size exceeded"): each
 * is one problem naming its file, and the other files' rules load.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAlertRules } from '../../../src/alerts/rules/index.js';
import { formatProblem } from '../../../src/config/validated-file.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 9 }, (_, i) => `l${i}: &l${i} [${Array(9).fill(i === 0 ? '*a' : `*l${i - 1}`).join(',')}]`), 'rules: *l8'].join('\n');

describe('hostile alert rule files', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ path: dir, remove } = await tempDir());
    await mkdir(join(dir, 'alerts'));
    await copyFile(join(repo, 'alerts/overheating.yaml'), join(dir, 'alerts/overheating.yaml'));
  });
  afterEach(() => remove());

  it('an alias bomb and a 20k-deep file are one problem each; the good rule loads', async () => {
    await writeFile(join(dir, 'alerts/bomb.yaml'), BOMB);
    await writeFile(join(dir, 'alerts/deep.yaml'), `rules: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const schema = JSON.parse(await (await import('node:fs/promises')).readFile(join(repo, 'schemas/sensor-stats.avsc'), 'utf8')) as object;
    const { rules, problems } = await loadAlertRules(join(dir, 'alerts'), async () => schema, undefined);
    expect(rules.map((r) => r.name)).toEqual(['overheating']);
    const text = problems.map(formatProblem);
    expect(text).toHaveLength(2);
    expect(text.find((t) => t.startsWith('alerts/bomb.yaml'))).toMatch(/\(file\): cannot be read as YAML: .*alias/i);
    expect(text.find((t) => t.startsWith('alerts/deep.yaml'))).toMatch(/\(file\): /);
  });
});
