/**
 * JSON lines files as record sources for `schema infer` and `diff`: one JSON value per
 * line, blank lines skipped. A line as `fastdata tail` prints it (topic, partition,
 * offset, key, value...) counts as its `value` with its `key`, so
 * `fastdata tail t -b -n 1000 > t.jsonl` makes a file both commands read.
 */
import { readFile } from 'node:fs/promises';
import { FastdataError, errorMessage } from '../../errors.js';
import { isJsonObject } from './avro-json.js';

export interface SourceRecord {
  /** The record key: the log key (or a tail line's `key`); null when it has none. */
  key: string | null;
  value: unknown;
  /** Where it came from, for messages: `a.jsonl:4`, `sensor.stats partition 1 offset 17`. */
  where: string;
}

const TAIL_FIELDS = ['topic', 'partition', 'offset', 'key', 'value'];

/** Whether a line is one `fastdata tail` printed: exactly its fields (headers optional). */
export function isTailLine(value: unknown): value is { key: string | null; value: unknown } {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value).filter((k) => k !== 'timestamp' && k !== 'headers');
  return keys.length === TAIL_FIELDS.length && TAIL_FIELDS.every((field) => field in value);
}

/** Whether a source argument names a file rather than a topic: by its extension, since topic names may hold dots and slashes never. */
export function isFileSource(source: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(source);
}

/** The records of a JSON lines file, up to `limit`. FD_RECORD_INVALID names the line that is not JSON. */
export async function readJsonLines(path: string, shown: string, limit = Number.POSITIVE_INFINITY): Promise<SourceRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `cannot read ${shown}: ${errorMessage(error)}; give a JSON lines file (one JSON value per line, .jsonl) or a topic name`, {
      context: { file: shown },
      cause: error,
    });
  }
  const records: SourceRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && records.length < limit; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${shown}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch (error) {
      throw new FastdataError('FD_RECORD_INVALID', `${where} is not JSON (${errorMessage(error)}); a .jsonl file holds one JSON value per line`, {
        context: { file: shown, line: i + 1 },
        cause: error,
      });
    }
    if (isTailLine(value)) records.push({ key: value.key === null ? null : String(value.key), value: value.value, where });
    else records.push({ key: null, value, where });
  }
  return records;
}
