/**
 * The summary `fastdata new alert` writes (issue 17: a generated rule's summary printed
 * 31.125338983050852): the generated rule, loaded as `dev` loads it, rounds a double to
 * two decimals with `| round(2)` and writes a whole-number field as it is.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAlertRules } from '../../../src/alerts/rules/load.js';
import { alertFiles } from '../../../src/generator/alert-files.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SCHEMA = {
  type: 'record',
  name: 'RoomStats',
  namespace: 'test',
  fields: [
    { name: 'roomId', type: 'string' },
    { name: 'meanCo2', type: 'double' },
    { name: 'people', type: 'int' },
  ],
};

/** The generated rule for `field`, loaded, and its summary of `record`. */
async function summaryOf(field: string, record: Record<string, unknown>): Promise<{ source: string; text: string }> {
  const files = await alertFiles({ name: 'stuffy', source: 'rooms.stats', schema: SCHEMA, field, receivers: [] });
  const dir = await tempDir();
  try {
    for (const f of files) {
      await mkdir(join(dir.path, f.path, '..'), { recursive: true });
      await writeFile(join(dir.path, f.path), f.content);
    }
    const { rules, problems } = await loadAlertRules(join(dir.path, 'alerts'), async (t) => (t === 'rooms.stats' ? SCHEMA : undefined), new Set());
    expect(problems).toEqual([]);
    const source = /summary: "(.*)"/.exec(files.find((f) => f.path === 'alerts/stuffy.yaml')!.content)![1]!;
    return { source, text: rules[0]!.annotate(record).summary! };
  } finally {
    await dir.remove();
  }
}

describe('the summary of a generated alert rule', () => {
  it('rounds a double to two decimals, through the round formatter', async () => {
    const { source, text } = await summaryOf('meanCo2', { roomId: 'r-7', meanCo2: 31.125338983050852, people: 3 });
    expect(source).toBe('{{ roomId }}: meanCo2 is {{ meanCo2 | round(2) }}');
    expect(text).toBe('r-7: meanCo2 is 31.13');
  });

  it('writes an int field as a whole number', async () => {
    const { source, text } = await summaryOf('people', { roomId: 'r-7', meanCo2: 400, people: 13 });
    expect(source).toBe('{{ roomId }}: people is {{ people | round(0) }}');
    expect(text).toBe('r-7: people is 13');
  });
});
