import { describe, expect, it } from 'vitest';
import { parseCsvRecords, splitCells } from '../../../../src/sources/file/csv-rows.js';

const CSV = { delimiter: ',', quote: '"' };

describe('CSV cells', () => {
  it('splitting a record without quotes gives what csv-parse gives', async () => {
    const records = ['a,b,c', ',,', ' spaced , cells ,', 'ü,日本,é\r', 'one', 'tab\there,#not a comment', '', '1.5,-2,1e3'].map((t) => Buffer.from(t));
    const parsed = await parseCsvRecords(records, CSV);
    expect(records.map((r) => splitCells(r, ','))).toEqual(parsed);
    const semicolons = ['a;b', 'x,y;z'].map((t) => Buffer.from(t));
    expect(semicolons.map((r) => splitCells(r, ';'))).toEqual(await parseCsvRecords(semicolons, { delimiter: ';', quote: '"' }));
  });

  it('parses quoted cells: doubled quotes, delimiters and line breaks inside', async () => {
    const records = ['"a,b","say ""hi""",c', '"two\nlines",""', "'x,y',z"].map((t) => Buffer.from(t));
    expect(await parseCsvRecords(records.slice(0, 2), CSV)).toEqual([
      ['a,b', 'say "hi"', 'c'],
      ['two\nlines', ''],
    ]);
    expect(await parseCsvRecords(records.slice(2), { delimiter: ',', quote: "'" })).toEqual([['x,y', 'z']]);
  });

  it('pins a record csv-parse refuses to that record, the others of the batch parsed', async () => {
    const records = ['"ok",1', '"bad"x,2', '"fine",3'].map((t) => Buffer.from(t));
    const rows = await parseCsvRecords(records, CSV);
    expect(rows[0]).toEqual(['ok', '1']);
    expect(rows[1]).toMatch(/Invalid Closing Quote/);
    expect(rows[2]).toEqual(['fine', '3']);
  });
});
