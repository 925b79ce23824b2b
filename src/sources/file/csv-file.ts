/**
 * CSV files: the first line is the header, each other record becomes a value typed by the
 * topic's schema (csv-values.ts). A header that does not fit the schema fails the read
 * with one FD_CONFIG_INVALID; a bad record (quotes, cell count, a cell of the wrong type)
 * is one error record, and reading goes on with the next.
 */
import { FastdataError } from '../../errors.js';
import type { SourceRecord } from '../source-record.js';
import { parseCsvRecords, splitCells } from './csv-rows.js';
import { type CsvTarget, CsvRecordTyper, checkCsvHeader } from './csv-values.js';
import { type LineReadOptions, readLineEvents } from './line-file.js';
import type { CsvQuoting, LineUnit } from './line-splitter.js';
import type { FileBatch } from './position.js';

export interface CsvReadOptions extends Omit<LineReadOptions, 'csv' | 'header'> {
  csv: CsvQuoting;
  target: CsvTarget;
}

export async function* readCsvFile(options: CsvReadOptions): AsyncGenerator<FileBatch> {
  let typer: CsvRecordTyper | undefined;
  for await (const event of readLineEvents({ ...options, header: true })) {
    if (event.kind === 'restart') {
      // A new file (or the same one rewritten) starts with its own header.
      typer = undefined;
    } else if (event.kind === 'header') {
      typer = await headerTyper(event.unit, options);
    } else {
      if (typer === undefined) throw new FastdataError('FD_INTERNAL', `CSV records of ${options.path} came before its header`);
      yield { records: await csvRecords(event.units, typer, options.csv), position: event.position };
    }
  }
}

/** The typer of the header's columns; FD_CONFIG_INVALID when the header is unreadable or does not fit the schema. */
async function headerTyper(unit: LineUnit, options: CsvReadOptions): Promise<CsvRecordTyper> {
  const [row] = unit.problem !== undefined ? [unit.problem] : unit.quoted ? await parseCsvRecords([unit.bytes], options.csv) : [splitCells(unit.bytes, options.csv.delimiter)];
  if (typeof row !== 'object') {
    throw new FastdataError('FD_CONFIG_INVALID', `the header of ${options.path} (line ${unit.line}) cannot be read: ${row ?? 'empty'}`, {
      context: { file: options.path },
    });
  }
  // Hand-written headers often put a space after each comma: " name" means name.
  const header = row.map((cell) => cell.trim());
  checkCsvHeader(header, options.target, options.path);
  return new CsvRecordTyper(header, options.target);
}

/** One record per unit, in order: the typed value, or why not. */
async function csvRecords(units: readonly LineUnit[], typer: CsvRecordTyper, quoting: CsvQuoting): Promise<SourceRecord[]> {
  const quoted: Buffer[] = [];
  for (const unit of units) if (unit.quoted) quoted.push(unit.bytes);
  const rows = await parseCsvRecords(quoted, quoting);
  const records = new Array<SourceRecord>(units.length);
  let next = 0;
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    const where = `line ${unit.line}`;
    if (unit.problem !== undefined) {
      records[i] = { error: unit.problem, where, raw: unit.bytes };
      continue;
    }
    const row = unit.quoted ? rows[next++]! : splitCells(unit.bytes, quoting.delimiter);
    const value = typeof row === 'string' ? `${where}: ${row}` : typer.typeRecord(row, unit.line);
    records[i] = typeof value === 'string' ? { error: value, where, raw: unit.bytes } : { value, where, raw: unit.bytes };
  }
  return records;
}
