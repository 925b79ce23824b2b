/**
 * The records of a file for a `file` source, in batches, each with the position that
 * resumes reading right after it: a source writes a batch, stores its position, and on a
 * restart passes the last stored one back as `from`, so nothing is read twice or skipped.
 *
 * A record that cannot be read (a malformed line, a cell of the wrong type, a damaged
 * Avro block, a Parquet value out of range) is one record with `error`, and reading goes
 * on; what makes the whole file unreadable (a CSV header that does not fit the schema, a
 * file that is not Parquet, a missing file) is thrown, as a FastdataError naming the file.
 *
 * Options are checked when this is called, before any I/O, so a misconfigured source
 * fails at once instead of on its first read.
 */
import type { Type } from 'avsc';
import { FastdataError, invalidArgument } from '../../errors.js';
import { readAvroFile } from './avro-file.js';
import { readCsvFile } from './csv-file.js';
import { FILE_FORMATS, type FileFormat } from './formats.js';
import { readJsonlFile } from './jsonl-file.js';
import type { CsvQuoting } from './line-splitter.js';
import { readParquetFile } from './parquet-file.js';
import type { AvroPosition, FileBatch, FilePosition, LinePosition, ParquetPosition } from './position.js';

export interface ReadFileOptions {
  format: FileFormat;
  /** The avsc type of the target topic's record: types CSV cells (required for CSV); Avro files are resolved to it. */
  type?: Type;
  /** The target schema's JSON or text, for the logical types avsc drops: CSV timestamps then take ISO dates, Parquet timestamps go in the field's unit. */
  schema?: unknown;
  /** Where to resume: the `position` of the last batch handled. Default: the beginning. */
  from?: FilePosition;
  /** CSV and JSON lines only: at the end, wait for appended lines until `signal` aborts. */
  follow?: boolean;
  /** How often a followed file is looked at, in ms. Default 250. */
  pollMs?: number;
  /** Records per batch, at most. Default 1000. */
  batchSize?: number;
  /** Ends reading (the iterable ends; nothing is thrown). */
  signal?: AbortSignal;
  csv?: { delimiter?: string; quote?: string };
  /** What a source should log: a followed file truncated or replaced, a position that does not fit the file. */
  onNotice?: (message: string) => void;
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_BATCH_SIZE = 1000;

/** The records of the file at `path`, in batches (see the file comment). */
export function readFileRecords(path: string, options: ReadFileOptions): AsyncIterable<FileBatch> {
  const { format, follow = false, pollMs = DEFAULT_POLL_MS, batchSize = DEFAULT_BATCH_SIZE, signal } = options;
  const onNotice = options.onNotice ?? (() => {});
  if (!FILE_FORMATS.includes(format)) throw invalidArgument('format', `${JSON.stringify(format)} is not a file format; use one of ${FILE_FORMATS.join(', ')}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArgument('batchSize', `a whole number of records of at least 1, got ${String(batchSize)}`);
  if (!(pollMs > 0 && Number.isFinite(pollMs))) throw invalidArgument('pollMs', `a number of milliseconds above 0, got ${String(pollMs)}`);
  if (follow && (format === 'avro' || format === 'parquet')) {
    throw new FastdataError(
      'FD_CONFIG_INVALID',
      `follow: ${path} is ${format === 'avro' ? 'an Avro' : 'a Parquet'} file, which cannot be followed (it is complete only once its writer closes it); ` +
        'follow works for CSV and JSON lines files, which grow by whole lines. Remove `follow:`, or read the file once it is written',
      { context: { file: path, field: 'follow' } },
    );
  }
  const common = { path, follow, pollMs, batchSize, signal, onNotice };
  const from = options.from === undefined ? undefined : fitPosition(path, format, options.from, onNotice);
  switch (format) {
    case 'csv': {
      if (options.type === undefined) throw invalidArgument('type', `reading CSV (${path}) needs the Avro record type of the target topic, to type the cells`);
      const target = options.schema === undefined ? { type: options.type } : { type: options.type, schema: options.schema };
      return readCsvFile({ ...common, from: from as LinePosition | undefined, csv: csvQuoting(options.csv), target });
    }
    case 'jsonl':
      return readJsonlFile({ ...common, from: from as LinePosition | undefined });
    case 'avro':
      return readAvroFile({ path, batchSize, signal, onNotice, type: options.type, from: from as AvroPosition | undefined });
    case 'parquet':
      return readParquetFile({ path, batchSize, signal, onNotice, schema: options.schema, from: from as ParquetPosition | undefined });
  }
}

const POSITION_KINDS: Record<FileFormat, FilePosition['kind']> = { csv: 'lines', jsonl: 'lines', avro: 'avro', parquet: 'parquet' };
const POSITION_FIELDS: Record<FilePosition['kind'], Record<string, 'number' | 'string'>> = {
  lines: { bytes: 'number', line: 'number', records: 'number', ino: 'number', head: 'string' },
  avro: { block: 'number', skip: 'number', records: 'number', sync: 'string' },
  parquet: { rows: 'number', size: 'number' },
};

/**
 * `from` when it is a position of this format; otherwise undefined (read from the
 * start), with a notice. A stored position that no longer fits (the source's format was
 * changed, the store was edited) is no reason for a source never to start again.
 */
function fitPosition(path: string, format: FileFormat, from: FilePosition, onNotice: (message: string) => void): FilePosition | undefined {
  const kind = POSITION_KINDS[format];
  const fields = POSITION_FIELDS[kind];
  const record = from as unknown as Record<string, unknown>;
  const fits =
    typeof from === 'object' && from !== null && from.kind === kind && Object.entries(fields).every(([name, type]) => typeof record[name] === type && (type === 'string' || Number(record[name]) >= 0));
  if (fits) return from;
  onNotice(`${path}: the position to resume from (${JSON.stringify(from)}) is not one of a ${format} file; reading it from the start`);
  return undefined;
}

/** CSV dialect: one ASCII character each, not a line break, not the same. */
function csvQuoting(csv: ReadFileOptions['csv']): CsvQuoting {
  const delimiter = csv?.delimiter ?? ',';
  const quote = csv?.quote ?? '"';
  for (const [name, value] of [
    ['csv.delimiter', delimiter],
    ['csv.quote', quote],
  ] as const) {
    if (value.length !== 1 || value.charCodeAt(0) > 0x7f || value === '\n' || value === '\r') {
      throw invalidArgument(name, `one ASCII character other than a line break, got ${JSON.stringify(value)}`);
    }
  }
  if (delimiter === quote) throw invalidArgument('csv.quote', `the quote and the delimiter must differ, both are ${JSON.stringify(quote)}`);
  return { delimiter, quote };
}
