/**
 * The cells of CSV records, by csv-parse's streaming parser (unquoting, doubled quotes,
 * line breaks inside quotes). The records come already cut (`line-splitter.ts`), whole and
 * with valid quotes, so a batch of them is one parser run: written in one piece, ended,
 * read back in order, one row per record.
 *
 * A record without a quote character is split at the delimiter directly (`splitCells`):
 * with the options used here (no trimming, no comments, a one-character delimiter)
 * csv-parse gives exactly those cells for it, at three to four times the cost, and most
 * lines of most files have no quote. A test checks that the two agree.
 *
 * Should csv-parse still refuse a record (its checks and ours could differ on some input),
 * the rows of that batch could no longer be matched to their records with certainty: the
 * batch is parsed again one record per run, which pins the error to its record. Rare, and
 * only for that batch.
 */
import { type CsvError, Parser } from 'csv-parse';
import type { CsvQuoting } from './line-splitter.js';

const NEWLINE = Buffer.from('\n');

interface Run {
  rows: string[][];
  errors: string[];
}

/** The cells of each record (text without its line break), or csv-parse's reason for one it cannot read. */
export async function parseCsvRecords(records: readonly Buffer[], quoting: CsvQuoting): Promise<(string[] | string)[]> {
  if (records.length === 0) return [];
  const pieces: Buffer[] = [];
  for (const record of records) pieces.push(record, NEWLINE);
  const whole = await run(Buffer.concat(pieces), quoting);
  if (whole.errors.length === 0 && whole.rows.length === records.length) return whole.rows;
  return Promise.all(
    records.map(async (record) => {
      const one = await run(Buffer.concat([record, NEWLINE]), quoting);
      if (one.errors.length === 0 && one.rows.length === 1) return one.rows[0]!;
      return one.errors[0] ?? `csv-parse read ${one.rows.length} records in one line`;
    }),
  );
}

function run(input: Buffer, quoting: CsvQuoting): Promise<Run> {
  return new Promise((resolve, reject) => {
    const result: Run = { rows: [], errors: [] };
    const parser = new Parser({
      delimiter: quoting.delimiter,
      quote: quoting.quote,
      // A quote inside a quoted cell is written twice, whatever the quote character is.
      escape: quoting.quote,
      record_delimiter: '\n',
      // Column counts are the header's business (csv-values.ts), with a message that names the header.
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        result.errors.push(error?.message ?? 'unreadable CSV');
      },
    });
    parser.on('readable', () => {
      for (let row = parser.read() as string[] | null; row !== null; row = parser.read() as string[] | null) result.rows.push(row);
    });
    parser.on('end', () => resolve(result));
    parser.on('error', reject);
    parser.end(input);
  });
}

/** The cells of a record that holds no quote character: the text between delimiters. */
export function splitCells(record: Buffer, delimiter: string): string[] {
  return record.toString('utf8').split(delimiter);
}
