/**
 * Parquet files, read with hyparquet one row group at a time (a group of more than
 * MAX_ROWS_PER_READ rows in slices of that many, with the offset index so a slice reads
 * only its pages): never the whole file in memory, and a batch is handed out as soon as
 * its rows are read.
 *
 * - `where` is `row N`, N counting from 1; a row's raw bytes are its JSON (a Parquet row
 *   has no bytes of its own to cut out).
 * - A value that cannot be converted (parquet-values.ts) is an error record of its row.
 * - A row group that cannot be read (damaged pages) is one error record for its rows,
 *   and reading goes on with the next group.
 * - A file that is not Parquet, or is cut short (its footer, at the end, is gone), throws
 *   FD_CONFIG_INVALID naming the file before any record.
 */
import { type AsyncBuffer, type FileMetaData, asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { FastdataError, errorMessage } from '../../errors.js';
import type { SourceRecord } from '../source-record.js';
import { unreadable } from './file-access.js';
import { PARQUET_PARSERS, ParquetValues, rowJson } from './parquet-values.js';
import type { FileBatch, ParquetPosition } from './position.js';

export const MAX_ROWS_PER_READ = 100_000;

export interface ParquetReadOptions {
  path: string;
  batchSize: number;
  signal?: AbortSignal;
  onNotice: (message: string) => void;
  /** The target schema's JSON or text: the unit each timestamp field takes. */
  schema?: unknown;
  from?: ParquetPosition;
}

/** Rows [start, end) of the file read by one hyparquet call. */
interface RowRange {
  start: number;
  end: number;
}

export async function* readParquetFile(o: ParquetReadOptions): AsyncGenerator<FileBatch> {
  const file = await openParquet(o.path);
  const metadata = await metadataOf(file, o.path);
  const size = file.byteLength;
  const values = new ParquetValues(o.schema);
  let next = startRow(o, size, Number(metadata.num_rows));
  let batch: SourceRecord[] = [];
  const take = (): FileBatch => {
    const records = batch;
    batch = [];
    return { records, position: { kind: 'parquet', rows: next, size } };
  };
  for (const range of rowRanges(metadata, next)) {
    if (o.signal?.aborted) return;
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart: range.start, rowEnd: range.end, parsers: PARQUET_PARSERS, useOffsetIndex: true });
    } catch (error) {
      batch.push({
        error: `rows ${range.start + 1} to ${range.end} of ${o.path} cannot be read: ${errorMessage(error)}; they are skipped`,
        where: `rows ${range.start + 1}-${range.end}`,
        raw: Buffer.alloc(0),
      });
      next = range.end;
      if (batch.length >= o.batchSize) yield take();
      continue;
    }
    for (const row of rows) {
      const where = `row ${++next}`;
      const value = values.convertRow(row, where);
      // A converted row holds no BigInt: plain JSON.stringify, without rowJson's (slower) replacer.
      batch.push(typeof value === 'string' ? { error: value, where, raw: rowJson(row) } : { value, where, raw: Buffer.from(JSON.stringify(value)) });
      if (batch.length >= o.batchSize) {
        yield take();
        if (o.signal?.aborted) return;
      }
    }
    // A range that gave fewer rows than it spans would leave the position short: it spans what it spans.
    next = range.end;
  }
  if (batch.length > 0) yield take();
}

async function openParquet(path: string): Promise<AsyncBuffer> {
  try {
    return await asyncBufferFromFile(path);
  } catch (error) {
    throw unreadable(path, error);
  }
}

/** The footer's metadata; FD_CONFIG_INVALID when the file is not Parquet or is cut short. */
async function metadataOf(file: AsyncBuffer, path: string): Promise<FileMetaData> {
  const problem = (why: string, cause?: unknown) =>
    new FastdataError(
      'FD_CONFIG_INVALID',
      `${path} is not a readable Parquet file: ${why}. It may be cut short (a Parquet file ends with its footer; a copy or upload that stopped early loses it) or not be Parquet: check the source's \`format:\``,
      { context: { file: path }, cause },
    );
  // Magic "PAR1" at both ends, and a 4-byte footer length: 12 bytes at the least.
  if (file.byteLength < 12) throw problem(`it has only ${file.byteLength} bytes`);
  const head = new Uint8Array(await file.slice(0, 4));
  if (Buffer.from(head).toString('latin1') !== 'PAR1') throw problem('it does not start with PAR1');
  try {
    return await parquetMetadataAsync(file, { parsers: PARQUET_PARSERS });
  } catch (error) {
    throw problem(`its footer cannot be read (${errorMessage(error)})`, error);
  }
}

/** The row to start at: `from` when it is a position in this file, 0 otherwise (with a notice). */
function startRow(o: ParquetReadOptions, size: number, total: number): number {
  const from = o.from;
  if (from === undefined) return 0;
  if (from.size !== size) {
    o.onNotice(`${o.path}: the position was taken in another file (${from.size} bytes, now ${size}); reading it from the start`);
    return 0;
  }
  if (from.rows > total) {
    o.onNotice(`${o.path}: the position (row ${from.rows}) is past its ${total} rows; reading it from the start`);
    return 0;
  }
  return from.rows;
}

/** The row ranges from row `start` on: a row group each, or slices of a large one. */
function* rowRanges(metadata: FileMetaData, start: number): Generator<RowRange> {
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    for (let from = Math.max(start, groupStart); from < groupEnd; from += MAX_ROWS_PER_READ) {
      yield { start: from, end: Math.min(from + MAX_ROWS_PER_READ, groupEnd) };
    }
    groupStart = groupEnd;
  }
}
