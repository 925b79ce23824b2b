import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import { readFileRecords } from '../../../../src/sources/file/read-file.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { readAll, reading, shape } from './file-fixtures.js';

describe('reading JSON lines files', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('fastdata-jsonl-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('reads each line as an object, with its line number and bytes, the last line also without a line break', async () => {
    const path = join(dir.path, 'readings.jsonl');
    const values = Array.from({ length: 12 }, (_, i) => ({ ...reading(i), nested: { list: [i, 'x'] } }));
    const lines = values.map((v) => JSON.stringify(v));
    await writeFile(path, `\ufeff${lines.join('\r\n')}`);
    const { records, batches } = await readAll(path, { format: 'jsonl', batchSize: 5 });
    expect(batches.map((b) => b.records.length)).toEqual([5, 5, 2]);
    expect(records.map(shape)).toEqual(values.map((value, i) => ({ where: `line ${i + 1}`, value })));
    expect(records.map((r) => r.raw.toString())).toEqual(lines);
  });

  it('makes one error record of each line that is not a JSON object, skips blank lines, and reads on', async () => {
    const path = join(dir.path, 'bad.jsonl');
    await writeFile(path, ['{"a":1}', '{"a":', '', '[1,2]', '  ', '42', 'null', '"text"', '{"a":2}'].join('\n'));
    const { records } = await readAll(path, { format: 'jsonl' });
    expect(records.map(shape)).toEqual([
      { where: 'line 1', value: { a: 1 } },
      { where: 'line 2', error: expect.stringMatching(/^line 2: not JSON \(.+\)$/) as unknown as string },
      { where: 'line 4', error: 'line 4: a line must hold a JSON object ({"field": value, ...}), got an array' },
      { where: 'line 6', error: 'line 6: a line must hold a JSON object ({"field": value, ...}), got a number' },
      { where: 'line 7', error: 'line 7: a line must hold a JSON object ({"field": value, ...}), got null' },
      { where: 'line 8', error: 'line 8: a line must hold a JSON object ({"field": value, ...}), got a string' },
      { where: 'line 9', value: { a: 2 } },
    ]);
    expect(records[1]!.raw.toString()).toBe('{"a":');
  });

  it('resumes from a position mid-file with exactly the remainder, lines numbered on', async () => {
    const path = join(dir.path, 'resume.jsonl');
    await writeFile(path, `${Array.from({ length: 30 }, (_, i) => JSON.stringify({ i })).join('\n')}\n`);
    const whole = await readAll(path, { format: 'jsonl', batchSize: 4 });
    const from = whole.batches[3]!.position;
    expect(from).toMatchObject({ kind: 'lines', line: 16, records: 16 });
    const rest = await readAll(path, { format: 'jsonl', batchSize: 4, from });
    expect(rest.records.map(shape)).toEqual(Array.from({ length: 14 }, (_, k) => ({ where: `line ${k + 17}`, value: { i: k + 16 } })));
    expect(rest.positions.at(-1)).toEqual(whole.positions.at(-1));
    // The position of the end reads nothing more.
    expect((await readAll(path, { format: 'jsonl', from: whole.positions.at(-1)! })).records).toEqual([]);
  });

  it('reads from the start, with a notice, a file rewritten in place under the same inode', async () => {
    const path = join(dir.path, 'rewritten.jsonl');
    await writeFile(path, '{"v":1}\n{"v":2}\n');
    const first = await readAll(path, { format: 'jsonl', batchSize: 1 });
    await writeFile(path, '{"w":1}\n{"w":2}\n{"w":3}\n');
    const notices: string[] = [];
    const { records } = await readAll(path, { format: 'jsonl', from: first.positions[0], onNotice: (m) => notices.push(m) });
    expect(records.map((r) => r.value)).toEqual([{ w: 1 }, { w: 2 }, { w: 3 }]);
    expect(notices).toEqual([expect.stringContaining('its first bytes are not those the position was taken after (rewritten); reading it from the start')]);
  });

  it('throws FD_CONFIG_INVALID naming a file that does not exist', async () => {
    const path = join(dir.path, 'missing.jsonl');
    const error = await readAll(path, { format: 'jsonl' }).catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toBe(`cannot read ${path}: there is no such file; check the source's \`path:\``);
    const directory = await readAll(dir.path, { format: 'jsonl' }).catch((e: unknown) => e);
    expect((directory as Error).message).toContain('it is a directory');
  });

  it('stops when the signal aborts, without throwing', async () => {
    const path = join(dir.path, 'abort.jsonl');
    await writeFile(path, `${Array.from({ length: 100 }, (_, i) => JSON.stringify({ i })).join('\n')}\n`);
    const controller = new AbortController();
    let seen = 0;
    for await (const batch of readFileRecords(path, { format: 'jsonl', batchSize: 10, signal: controller.signal })) {
      seen += batch.records.length;
      controller.abort();
    }
    expect(seen).toBe(10);
  });
});
