import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import { parseAvroSchema } from '../../../../src/schema/avro.js';
import { CsvRecordTyper, checkCsvHeader, csvHeaderProblems } from '../../../../src/sources/file/csv-values.js';
import { READING_SCHEMA, READING_TYPE } from './file-fixtures.js';

const target = { type: READING_TYPE, schema: READING_SCHEMA };
const header = ['sensor', 'ts', 'temperature', 'count', 'ok', 'status', 'note'];

describe('CSV cells typed by the target schema', () => {
  const typer = new CsvRecordTyper(header, target);

  it('types every kind of column, the header deciding the order', () => {
    expect(typer.typeRecord(['s-1', '1700000000000', '21.5', '7', 'true', 'WARN', 'hello'], 2)).toEqual({
      sensor: 's-1',
      ts: 1_700_000_000_000,
      temperature: 21.5,
      count: 7,
      ok: true,
      status: 'WARN',
      note: 'hello',
    });
    const reordered = new CsvRecordTyper(['note', 'status', 'ok', 'count', 'temperature', 'ts', 'sensor'], target);
    expect(reordered.typeRecord(['', 'OK', '0', '-3', '-1e3', '2024-03-01T12:00:00.250+01:00', ''], 9)).toEqual({
      note: null,
      status: 'OK',
      ok: false,
      count: -3,
      temperature: -1000,
      ts: Date.UTC(2024, 2, 1, 11, 0, 0, 250),
      sensor: '',
    });
  });

  it('reads ISO dates without a zone as UTC, a date alone as midnight UTC, and accepts booleans as 1/0 in any case', () => {
    const value = typer.typeRecord(['s', '2024-03-01', '1', '1', 'TRUE', 'OK', 'x'], 2) as Record<string, unknown>;
    expect(value.ts).toBe(Date.UTC(2024, 2, 1));
    expect(value.ok).toBe(true);
    expect((typer.typeRecord(['s', '2024-03-01 10:20:30', '1', '1', '1', 'OK', 'x'], 2) as Record<string, unknown>).ts).toBe(Date.UTC(2024, 2, 1, 10, 20, 30));
  });

  it('names the line, the column, the type expected and the text found, for every bad cell of the line', () => {
    expect(typer.typeRecord(['s-1', '1700000000000', 'abc', '7', 'true', 'OK', ''], 17)).toBe('line 17, column "temperature": expected a double, got "abc"');
    expect(typer.typeRecord(['s-1', 'yesterday', '1', '1.5', 'yes', 'BAD', ''], 3)).toBe(
      'line 3, column "ts": expected a timestamp (milliseconds since the epoch, or an ISO 8601 date such as 2024-03-01T12:00:00Z), got "yesterday"; ' +
        'column "count": expected an int (a whole number), got "1.5"; ' +
        'column "ok": expected a boolean (true, false, 1 or 0), got "yes"; ' +
        'column "status": expected one of OK, WARN, FAIL, got "BAD"',
    );
    expect(typer.typeRecord(['s-1', '1', '', '3000000000', '1', 'OK', ''], 4)).toBe(
      'line 4, column "temperature": expected a double, got an empty cell; column "count": expected an int (-2147483648 to 2147483647), got "3000000000"',
    );
    expect(typer.typeRecord(['s-1', '2024-02-30', '1', '1', '1', 'OK', ''], 5)).toMatch(/^line 5, column "ts": expected a timestamp/);
  });

  it('refuses a line whose cell count is not the header column count', () => {
    expect(typer.typeRecord(['s-1', '1', '2'], 8)).toBe('line 8: 3 cells where the header has 7 columns (sensor, ts, temperature, count, ok, status, note)');
  });

  it('without the schema JSON a timestamp column takes milliseconds only (avsc drops logicalType)', () => {
    const plain = new CsvRecordTyper(header, { type: READING_TYPE });
    expect(plain.typeRecord(['s', '2024-03-01', '1', '1', '1', 'OK', ''], 2)).toBe('line 2, column "ts": expected a long (a whole number), got "2024-03-01"');
  });

  it('fills fields without a column with their default or null, and types unions, arrays and maps', () => {
    const type = parseAvroSchema({
      type: 'record',
      name: 'Other',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'level', type: 'int', default: 3 },
        { name: 'maybe', type: ['null', 'double'] },
        { name: 'either', type: ['null', 'int', 'string'], default: null },
        { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
        { name: 'attrs', type: { type: 'map', values: 'long' }, default: {} },
      ],
    }).type;
    const t = new CsvRecordTyper(['id', 'either', 'tags'], { type });
    expect(t.typeRecord(['9007199254740991', '12', '["a","b"]'], 2)).toEqual({ id: 9007199254740991, either: 12, tags: ['a', 'b'], level: 3, maybe: null, attrs: {} });
    expect(t.typeRecord(['1', 'twelve', '[]'], 3)).toEqual({ id: 1, either: 'twelve', tags: [], level: 3, maybe: null, attrs: {} });
    expect(t.typeRecord(['1', '', '[1]'], 4)).toBe('line 4, column "tags": expected JSON for an array, got "[1]"');
    expect(t.typeRecord(['9007199254740993', '', '[]'], 5)).toBe(
      'line 5, column "id": expected a long within ±2^53 (the whole numbers JavaScript holds exactly), got "9007199254740993"',
    );
  });
});

describe('CSV header check', () => {
  it('accepts a header of fields in any order, leaving out optional ones', () => {
    expect(csvHeaderProblems(['status', 'ok', 'count', 'temperature', 'ts', 'sensor'], target)).toEqual([]);
    expect(() => checkCsvHeader(header, target, 'x.csv')).not.toThrow();
  });

  it('lists a column that is no field, a duplicate, and a required field without a column', () => {
    expect(csvHeaderProblems(['sensor', 'ts', 'temp', 'count', 'ok', 'ok', 'status'], target)).toEqual([
      'column "temp" is not a field of test.file.Reading (its fields: sensor, ts, temperature, count, ok, status, note)',
      'column "ok" appears twice',
      'field "temperature" has no column, and no default to fill it with',
    ]);
  });

  it('throws one FD_CONFIG_INVALID naming the file and every problem', () => {
    let error: unknown;
    try {
      checkCsvHeader(['sensor', 'temp'], target, '/data/in.csv');
    } catch (e) {
      error = e;
    }
    expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('/data/in.csv');
    expect(message).toContain('column "temp" is not a field');
    expect(message).toContain('field "ts" has no column');
  });

  it('without the header check, every record fails with the header problem and its line', () => {
    const typer = new CsvRecordTyper(['sensor', 'temp'], target);
    expect(typer.typeRecord(['a', 'b'], 12)).toMatch(/^line 12: column "temp" is not a field of test\.file\.Reading .*; field "ts" has no column/);
  });

  it('refuses bytes columns, which a cell cannot hold without a guess', () => {
    const type = parseAvroSchema({ type: 'record', name: 'B', fields: [{ name: 'payload', type: 'bytes' }] }).type;
    expect(csvHeaderProblems(['payload'], { type })).toEqual([
      'column "payload": a CSV cell cannot hold bytes (it is text; declare the field a string, or read the file as JSON lines)',
    ]);
  });
});
