import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import type { LinePosition } from '../../../../src/sources/file/position.js';
import { readFileRecords } from '../../../../src/sources/file/read-file.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { CSV_HEADER, READING_SCHEMA, READING_TYPE, csvLine, readAll, reading, shape } from './file-fixtures.js';

const csv = { format: 'csv', type: READING_TYPE, schema: READING_SCHEMA } as const;

describe('reading CSV files', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('fastdata-csv-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('reads every line as a record typed by the schema, in batches, with line numbers, raw bytes and positions', async () => {
    const path = join(dir.path, 'readings.csv');
    const readings = Array.from({ length: 25 }, (_, i) => reading(i));
    const text = `${CSV_HEADER}\n${readings.map(csvLine).join('\n')}\n`;
    await writeFile(path, text);
    const { records, batches, positions } = await readAll(path, { ...csv, batchSize: 10 });
    expect(batches.map((b) => b.records.length)).toEqual([10, 10, 5]);
    expect(records.map(shape)).toEqual(readings.map((r, i) => ({ where: `line ${i + 2}`, value: r })));
    expect(records.map((r) => r.raw.toString())).toEqual(readings.map(csvLine));
    expect(positions.map((p) => (p as LinePosition).line)).toEqual([11, 21, 26]);
    expect(positions[2]).toMatchObject({ kind: 'lines', bytes: Buffer.byteLength(text), line: 26, records: 25 });
  });

  it('makes one error record of each malformed line (bad quotes, wrong cell count) and reads all the others', async () => {
    const path = join(dir.path, 'malformed.csv');
    const lines = [CSV_HEADER, csvLine(reading(0)), 's-1,1700000060000,"21.5,1,true,OK,', csvLine(reading(2)), 's-3,1700000180000,22,3,true', csvLine(reading(4)), 's-5,1,2,5,true,"OK"x,', 's-6,1,2,6,false,WARN,a"b', csvLine(reading(8))];
    await writeFile(path, `${lines.join('\n')}\n`);
    const { records } = await readAll(path, csv);
    expect(records.map(shape)).toEqual([
      { where: 'line 2', value: reading(0) },
      { where: 'line 3', error: expect.stringMatching(/^line 3: a quote opens a cell and does not close/) as unknown as string },
      { where: 'line 4', value: reading(2) },
      { where: 'line 5', error: 'line 5: 5 cells where the header has 7 columns (sensor, ts, temperature, count, ok, status, note)' },
      { where: 'line 6', value: reading(4) },
      { where: 'line 7', error: expect.stringMatching(/^line 7: text after the closing quote of cell 6/) as unknown as string },
      { where: 'line 8', error: expect.stringMatching(/^line 8: a quote inside an unquoted cell \(cell 7\)/) as unknown as string },
      { where: 'line 9', value: reading(8) },
    ]);
    expect(records[1]!.raw.toString()).toBe(lines[2]);
  });

  it('makes an error record of a cell of the wrong type, naming line, column, type and text', async () => {
    const path = join(dir.path, 'bad-cell.csv');
    await writeFile(path, `${CSV_HEADER}\n${csvLine(reading(0))}\ns-1,1700000060000,abc,1,true,OK,\n${csvLine(reading(2))}\n`);
    const { records } = await readAll(path, csv);
    expect(records.map(shape)).toEqual([
      { where: 'line 2', value: reading(0) },
      { where: 'line 3', error: 'line 3, column "temperature": expected a double, got "abc"' },
      { where: 'line 4', value: reading(2) },
    ]);
  });

  it('fails with one FD_CONFIG_INVALID for a header that does not fit the schema, before any record', async () => {
    const path = join(dir.path, 'bad-header.csv');
    await writeFile(path, `sensor,ts,temp,count,ok,status\n${'s-1,1,2,3,true,OK\n'.repeat(100)}`);
    const seen: number[] = [];
    const read = async () => {
      for await (const batch of readFileRecords(path, csv)) seen.push(batch.records.length);
    };
    const error = await read().catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('column "temp" is not a field of test.file.Reading');
    expect((error as Error).message).toContain('field "temperature" has no column');
    expect(seen).toEqual([]);
  });

  it('handles a byte order mark, CRLF, blank lines, quoted line breaks (line N is the first line), other delimiters and quotes', async () => {
    const path = join(dir.path, 'excel.csv');
    const text = `\ufeffsensor;ts;temperature;count;ok;status;note\r\n\r\ns-1;2024-03-01T00:00:00Z;1,5;1;1;OK;'two\r\nlines; and ''quotes'''\r\n   \r\ns-2;1000;2;2;0;FAIL;\r\n`;
    await writeFile(path, text);
    const { records, positions } = await readAll(path, { ...csv, csv: { delimiter: ';', quote: "'" } });
    expect(records.map(shape)).toEqual([
      { where: 'line 3', error: 'line 3, column "temperature": expected a double, got "1,5"' },
      { where: 'line 6', value: { sensor: 's-2', ts: 1000, temperature: 2, count: 2, ok: false, status: 'FAIL', note: null } },
    ]);
    expect(records[0]!.raw.toString()).toBe("s-1;2024-03-01T00:00:00Z;1,5;1;1;OK;'two\r\nlines; and ''quotes'''");
    expect(positions.at(-1)).toMatchObject({ bytes: Buffer.byteLength(text), line: 6 });

    await writeFile(path, `\ufeffsensor;ts;temperature;count;ok;status;note\r\ns-1;2024-03-01T00:00:00Z;1.5;1;1;OK;'two\r\nlines; and ''quotes'''\r\n`);
    const again = await readAll(path, { ...csv, csv: { delimiter: ';', quote: "'" } });
    expect(again.records.map(shape)).toEqual([
      { where: 'line 2', value: { sensor: 's-1', ts: Date.UTC(2024, 2, 1), temperature: 1.5, count: 1, ok: true, status: 'OK', note: "two\r\nlines; and 'quotes'" } },
    ]);
  });

  it('emits the last line without a line break at the end of a file read once', async () => {
    const path = join(dir.path, 'no-newline.csv');
    await writeFile(path, `${CSV_HEADER}\n${csvLine(reading(0))}\n${csvLine(reading(1))}`);
    const { records } = await readAll(path, csv);
    expect(records.map((r) => r.value)).toEqual([reading(0), reading(1)]);
  });

  it('resumes from the position of any batch with exactly the records after it (header read again)', async () => {
    const path = join(dir.path, 'resume.csv');
    const lines = Array.from({ length: 40 }, (_, i) => (i === 17 ? 's,1,"bad' : csvLine(reading(i))));
    await writeFile(path, `${CSV_HEADER}\n${lines.slice(0, 10).join('\n')}\n\n${lines.slice(10).join('\n')}\n`);
    const whole = await readAll(path, { ...csv, batchSize: 7 });
    expect(whole.records).toHaveLength(40);
    let before = 0;
    for (const [i, batch] of whole.batches.entries()) {
      before += batch.records.length;
      const rest = await readAll(path, { ...csv, batchSize: 7, from: batch.position });
      expect(rest.records.map(shape), `after batch ${i}`).toEqual(whole.records.slice(before).map(shape));
    }
  });

  it('reads a file again from the start, with a notice, when the position is of another file', async () => {
    const path = join(dir.path, 'replaced.csv');
    await writeFile(path, `${CSV_HEADER}\n${csvLine(reading(0))}\n${csvLine(reading(1))}\n`);
    const first = await readAll(path, { ...csv, batchSize: 1 });
    const other = join(dir.path, 'other.csv');
    await writeFile(other, `${CSV_HEADER}\n${csvLine(reading(5))}\n${csvLine(reading(6))}\n${csvLine(reading(7))}\n`);
    const notices: string[] = [];
    const { records } = await readAll(other, { ...csv, from: first.positions[0], onNotice: (m) => notices.push(m) });
    expect(records.map((r) => r.value)).toEqual([reading(5), reading(6), reading(7)]);
    expect(notices).toEqual([expect.stringMatching(/other\.csv: the position was taken in another file \(inode \d+, now \d+\); reading it from the start/)]);
  });

  it('refuses at the call, before any I/O, CSV without a target type and a bad dialect', () => {
    const path = join(dir.path, 'none.csv');
    expect(() => readFileRecords(path, { format: 'csv' })).toThrow(/type: reading CSV .* needs the Avro record type/);
    expect(() => readFileRecords(path, { ...csv, csv: { delimiter: '||' } })).toThrow(/csv.delimiter: one ASCII character/);
    expect(() => readFileRecords(path, { ...csv, csv: { quote: ',' } })).toThrow(/the quote and the delimiter must differ/);
    expect(() => readFileRecords(path, { ...csv, batchSize: 0 })).toThrow(/batchSize/);
  });
});
