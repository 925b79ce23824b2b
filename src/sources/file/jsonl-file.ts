/**
 * JSON lines: one JSON object a line. A line that is not JSON, or JSON that is not an
 * object (an array, a number, null), is one error record, and reading goes on with the
 * next line. Values are what JSON.parse gives; the source writer checks them against the
 * topic's schema.
 */
import type { SourceRecord } from '../source-record.js';
import { type LineReadOptions, readLineEvents } from './line-file.js';
import type { LineUnit } from './line-splitter.js';
import type { FileBatch } from './position.js';

export type JsonlReadOptions = Omit<LineReadOptions, 'csv' | 'header'>;

export async function* readJsonlFile(options: JsonlReadOptions): AsyncGenerator<FileBatch> {
  for await (const event of readLineEvents({ ...options, header: false })) {
    if (event.kind !== 'units') continue;
    const records: SourceRecord[] = new Array<SourceRecord>(event.units.length);
    for (let i = 0; i < records.length; i++) records[i] = jsonlRecord(event.units[i]!);
    yield { records, position: event.position };
  }
}

/** The record of one line. */
export function jsonlRecord(unit: LineUnit): SourceRecord {
  const where = `line ${unit.line}`;
  if (unit.problem !== undefined) return { error: unit.problem, where, raw: unit.bytes };
  let value: unknown;
  try {
    value = JSON.parse(unit.bytes.toString('utf8'));
  } catch (error) {
    return { error: `${where}: not JSON (${(error as Error).message})`, where, raw: unit.bytes };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { error: `${where}: a line must hold a JSON object ({"field": value, ...}), got ${got}`, where, raw: unit.bytes };
  }
  return { value, where, raw: unit.bytes };
}
