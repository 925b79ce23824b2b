import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { diffRecords } from '../../../src/schema/tools/diff-records.js';
import { renderDiffReport } from '../../../src/schema/tools/diff-report.js';
import { readJsonLines } from '../../../src/schema/tools/json-lines.js';

const DIFF = fileURLToPath(new URL('../../fixtures/schema-tools/diff/', import.meta.url));
const side = async (name: string) => ({ source: name, records: await readJsonLines(join(DIFF, name), name) });

describe('fastdata diff', () => {
  it('matches records by key and window and counts only-in-A, only-in-B, equal and changed', async () => {
    const report = diffRecords(await side('stats-a.jsonl'), await side('stats-b.jsonl'), { keyField: 'sensorId', tolerance: { absolute: 0.001 } });
    expect(report.matchedBy).toEqual({ key: 'sensorId', window: 'windowStart' });
    expect(report).toMatchObject({ onlyInA: 1, onlyInB: 1, equal: 2, changed: 1, identical: false });
    expect(report.onlyInAExamples).toEqual([{ key: 's-03', window: 1_700_000_040_000 }]);
    expect(report.onlyInBExamples).toEqual([{ key: 's-04', window: 1_700_000_040_000 }]);
    // s-02's window comes twice in B: the later record counts (plant-b, 30.6), so only the temperature changed.
    expect(report.b.duplicates).toBe(1);
    expect(report.fields).toHaveLength(1);
    expect(report.fields[0]).toMatchObject({ field: 'meanTemperature', changed: 1, examples: [{ key: 's-02', window: 1_700_000_040_000, a: 30.1, b: 30.6 }] });
    expect(report.fields[0]!.maxAbsDiff).toBeCloseTo(0.5, 9);
  });

  it('compares numbers exactly without a tolerance, relatively with a percentage', async () => {
    const exact = diffRecords(await side('stats-a.jsonl'), await side('stats-b.jsonl'), { keyField: 'sensorId' });
    expect(exact).toMatchObject({ equal: 1, changed: 2 });
    expect(exact.fields[0]).toMatchObject({ field: 'meanTemperature', changed: 2 });
    const relative = diffRecords(await side('stats-a.jsonl'), await side('stats-b.jsonl'), { keyField: 'sensorId', tolerance: { relative: 0.02 } });
    expect(relative).toMatchObject({ equal: 3, changed: 0, onlyInA: 1, onlyInB: 1 });
  });

  it('reports nested fields by path and fields absent on one side', () => {
    const a = { source: 'a', records: [{ key: 'k', where: 'a:1', value: { site: { name: 'x' }, extra: 1 } }] };
    const b = { source: 'b', records: [{ key: 'k', where: 'b:1', value: { site: { name: 'y' } } }] };
    const report = diffRecords(a, b);
    expect(report.matchedBy).toEqual({ key: 'record key', window: null });
    expect(report.fields.map((f) => [f.field, f.examples[0]!.a, f.examples[0]!.b])).toEqual([
      ['extra', 1, '(absent)'],
      ['site.name', 'x', 'y'],
    ]);
  });

  it('finds identical outputs identical, whatever their order', async () => {
    const report = diffRecords(await side('stats-a.jsonl'), await side('stats-a-copy.jsonl'), { keyField: 'sensorId' });
    expect(report).toMatchObject({ identical: true, equal: 4, changed: 0, onlyInA: 0, onlyInB: 0 });
    expect(renderDiffReport(report).at(-1)).toBe('identical: 4 records match');
  });

  it('renders counts, changed fields with examples and a summary', async () => {
    const report = diffRecords(await side('stats-a.jsonl'), await side('stats-b.jsonl'), { keyField: 'sensorId', tolerance: { absolute: 0.001 } });
    const text = renderDiffReport(report).join('\n');
    expect(text).toContain('B: stats-b.jsonl (5 records, 1 written again: the last counts)');
    expect(text).toContain('matched by sensorId + windowStart; numbers compared ±0.001');
    expect(text).toContain('  only in A  1\n      s-03 @ windowStart 1700000040000 (2023-11-14T22:14:00.000Z)');
    expect(text).toMatch(/meanTemperature: 1 record, max \|A-B\| 0\.5\d*\n {6}s-02 @ windowStart 1700000040000 \(2023-11-14T22:14:00\.000Z\): A 30\.1, B 30\.6/);
    expect(text.split('\n').at(-1)).toBe('different: 1 only in A, 1 only in B, 1 of 3 matched records changed');
  });

  it('asks for --key-field when records have no key, and names a missing --window-field', async () => {
    const noKey = (() => {
      try {
        return diffRecords({ source: 'a', records: [{ key: null, where: 'a.jsonl:1', value: { x: 1 } }] }, { source: 'b', records: [] });
      } catch (error) {
        return error;
      }
    })();
    expect(isFastdataError(noKey, 'FD_RECORD_INVALID')).toBe(true);
    expect((noKey as Error).message).toMatch(/a\.jsonl:1 has no record key; give --key-field <field>/);
    const [a, b] = [await side('stats-a.jsonl'), await side('stats-b.jsonl')];
    expect(() => diffRecords(a, b, { keyField: 'sensorId', windowField: 'windowEnd' })).toThrow(
      /stats-a\.jsonl:1 has no field windowEnd \(--window-field\)/,
    );
  });
});
