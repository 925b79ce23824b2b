/**
 * A line far longer than any record (a binary file named .jsonl, a file with no line
 * breaks): one error record with its first bytes, the rest of the line skipped, the lines
 * after it read, and memory bounded by MAX_LINE_BYTES, not by the file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import avsc from 'avsc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileRecords } from '../../../../src/sources/file/read-file.js';
import { MAX_LINE_BYTES } from '../../../../src/sources/file/line-splitter.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('a line over MAX_LINE_BYTES', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ path: dir, remove } = await tempDir()));
  afterEach(() => remove());

  async function read(path: string, format: 'jsonl' | 'csv') {
    const type = avsc.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }] });
    const records = [];
    for await (const batch of readFileRecords(path, { format, type })) records.push(...batch.records);
    return records;
  }

  for (const format of ['jsonl', 'csv'] as const) {
    it(`is one error record in ${format}, and the lines after it are read`, async () => {
      const path = join(dir, `big.${format}`);
      const head = format === 'csv' ? 'a\n1\n' : '{"a":1}\n';
      const tail = format === 'csv' ? '\n2\n3\n' : '\n{"a":2}\n{"a":3}\n';
      await writeFile(path, Buffer.concat([Buffer.from(head), Buffer.alloc(MAX_LINE_BYTES * 2 + 10, 'x'), Buffer.from(tail)]));
      const records = await read(path, format);
      const line = format === 'csv' ? 3 : 2;
      expect(records.map((r) => [r.where, r.value ?? null])).toEqual([
        [`line ${line - 1}`, { a: 1 }],
        [`line ${line}`, null],
        [`line ${line + 1}`, { a: 2 }],
        [`line ${line + 2}`, { a: 3 }],
      ]);
      expect(records[1]!.error).toMatch(new RegExp(`^line ${line}: longer than ${MAX_LINE_BYTES} bytes without a line break`));
      expect(records[1]!.raw.length).toBe(1024);
    });
  }
});
