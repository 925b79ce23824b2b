/**
 * Shared pieces of the file-reader tests: a target schema with every kind of column, and
 * helpers that read a whole file into records and positions.
 */
import { parseAvroSchema } from '../../../../src/schema/avro.js';
import type { SourceRecord } from '../../../../src/sources/source-record.js';
import type { FileBatch, FilePosition } from '../../../../src/sources/file/position.js';
import { type ReadFileOptions, readFileRecords } from '../../../../src/sources/file/read-file.js';

/** The target topic's schema of the CSV tests. */
export const READING_SCHEMA = {
  type: 'record',
  name: 'Reading',
  namespace: 'test.file',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'temperature', type: 'double' },
    { name: 'count', type: 'int' },
    { name: 'ok', type: 'boolean' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OK', 'WARN', 'FAIL'] } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

export const READING_TYPE = parseAvroSchema(READING_SCHEMA).type;

export interface Reading {
  sensor: string;
  ts: number;
  temperature: number;
  count: number;
  ok: boolean;
  status: 'OK' | 'WARN' | 'FAIL';
  note: string | null;
}

/** The i-th reading of the generated fixtures (i from 0). */
export function reading(i: number): Reading {
  return {
    sensor: `s-${i % 3}`,
    ts: 1_700_000_000_000 + i * 60_000,
    temperature: 20 + i / 4,
    count: i,
    ok: i % 2 === 0,
    status: (['OK', 'WARN', 'FAIL'] as const)[i % 3]!,
    note: i % 4 === 0 ? null : `note ${i}`,
  };
}

export const CSV_HEADER = 'sensor,ts,temperature,count,ok,status,note';

export function csvLine(r: Reading): string {
  return [r.sensor, r.ts, r.temperature, r.count, r.ok, r.status, r.note ?? ''].join(',');
}

export async function collect(iterable: AsyncIterable<FileBatch>): Promise<{ records: SourceRecord[]; batches: FileBatch[]; positions: FilePosition[] }> {
  const batches: FileBatch[] = [];
  for await (const batch of iterable) batches.push(batch);
  return { records: batches.flatMap((b) => b.records), batches, positions: batches.map((b) => b.position) };
}

export function readAll(path: string, options: ReadFileOptions): ReturnType<typeof collect> {
  return collect(readFileRecords(path, options));
}

/** A record's shape without its raw bytes, for comparisons. */
export function shape(record: SourceRecord): { where: string; value?: unknown; error?: string } {
  return record.error === undefined ? { where: record.where, value: record.value } : { where: record.where, error: record.error };
}
