/**
 * The formats a `file` source reads, and the format a path has by its extension. The
 * extension is only a default: a source sets `format:` when its files are named otherwise
 * (`readings.txt`, `export.log`), so an unknown extension is refused with that fix rather
 * than guessed from the content.
 */
import { FastdataError } from '../../errors.js';

export type FileFormat = 'csv' | 'jsonl' | 'avro' | 'parquet';

export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'jsonl', 'avro', 'parquet'];

/** Extensions (lower case, with the dot) and their formats. `.json` is JSON lines: one object a line. */
const BY_EXTENSION: Readonly<Record<string, FileFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.avro': 'avro',
  '.parquet': 'parquet',
};

/** The format of `path` by its extension (case-insensitive); FD_CONFIG_INVALID when it has none of ours. */
export function formatOfPath(path: string): FileFormat {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot).toLowerCase() : '';
  const format = BY_EXTENSION[extension];
  if (format !== undefined) return format;
  const known = Object.keys(BY_EXTENSION).join(', ');
  throw new FastdataError(
    'FD_CONFIG_INVALID',
    `cannot tell the format of ${path} from its ${extension === '' ? 'name (it has no extension)' : `extension ${extension}`}: ` +
      `add \`format:\` to the source (one of ${FILE_FORMATS.join(', ')}), or name the file with one of ${known}`,
    { context: { file: path, field: 'format' } },
  );
}
