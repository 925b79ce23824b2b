/**
 * Export encoders for a range of one topic's records: JSON lines, CSV and an Avro object
 * container file. Each is a Duplex stream, records (objects) in and bytes out, so the
 * REST layer writes `reply.send(pipeline(records, csv(paths), () => {}))` or pipes a
 * Readable of records into it. Each writes a valid file for empty input.
 */
import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import avro from 'avsc';
import { FastdataError } from '../errors.js';
import { parseAvroSchema } from '../schema/avro.js';
import { invalidFields } from '../schema/serde.js';
import type { SchemaInput } from '../schema/types.js';
import type { ViewRecord } from './access/view-record.js';
import { toJsonValue, type AvroFieldPath } from '../schema/avro-json-schema.js';

/** One record to export; `value` is the value as the serde decoded it. */
export type ExportRecord = ViewRecord;

export type ExportFormat = 'jsonl' | 'csv' | 'avro';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv', 'avro'];

const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
  // The Avro specification's registered type (1.12); older tools say avro/binary.
  avro: 'application/avro',
};

const EXTENSIONS: Record<ExportFormat, string> = { jsonl: '.jsonl', csv: '.csv', avro: '.avro' };

export function contentTypeOf(format: ExportFormat): string {
  return CONTENT_TYPES[format];
}

/** With the dot: `.jsonl`, `.csv`, `.avro`. */
export function fileExtensionOf(format: ExportFormat): string {
  return EXTENSIONS[format];
}

/** A Transform from records to text, with `head` written first (so even for no records). */
function textEncoder(encode: (record: ExportRecord) => string, head = ''): Transform {
  const stream = new Transform({
    writableObjectMode: true,
    transform(record: ExportRecord, _encoding: BufferEncoding, callback: TransformCallback) {
      let text: string;
      try {
        text = encode(record);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, text);
    },
  });
  if (head !== '') stream.push(head);
  return stream;
}

// ---- JSON lines ----

/** One JSON object per line, `{ topic, partition, offset, timestamp, key, value }`, value as `toJsonValue` gives it. */
export function jsonLines(): Transform {
  return textEncoder(
    (record) =>
      `${JSON.stringify({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key,
        value: toJsonValue(record.value),
      })}\n`,
  );
}

// ---- CSV ----

/**
 * Cells a spreadsheet would run as a formula (OWASP's list: = + - @, tab, carriage
 * return) get a leading single quote, which spreadsheets show as text. Only text cells:
 * a number cell (`-3.5`, a JS number) is data, and quoting it would turn every negative
 * reading into text. A string field that holds "-3" is still prefixed: from its text
 * alone we cannot tell it from "-3+cmd|' /C calc'!A0". Bytes are not guarded either:
 * base64 (A-Z a-z 0-9 + / =) cannot spell a function call, and a quote would corrupt it.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180: a cell with a quote, comma, CR or LF is quoted, quotes doubled. */
function quoted(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function textCell(text: string): string {
  return quoted(FORMULA_START.test(text) ? `'${text}` : text);
}

/** One cell: null empty, numbers and booleans as JS prints them, Buffers base64, arrays, maps and records JSON. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return textCell(value);
  if (Buffer.isBuffer(value)) return quoted(value.toString('base64'));
  return textCell(JSON.stringify(toJsonValue(value)));
}

/** The value at a dotted path; null when a record on the way is null (a nullable parent). */
function at(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * CSV (RFC 4180, CRLF line ends) with the columns `topic,partition,offset,timestamp,key`
 * and one per field path (from `avroFieldPaths`; a path `''` is the whole value, headed
 * `value`). See FORMULA_START for the guard against formula injection.
 */
export function csv(fieldPaths: ReadonlyArray<string | Pick<AvroFieldPath, 'path'>>): Transform {
  const paths = fieldPaths.map((entry) => (typeof entry === 'string' ? entry : entry.path));
  const segments = paths.map((path) => (path === '' ? [] : path.split('.')));
  const header = ['topic', 'partition', 'offset', 'timestamp', 'key', ...paths.map((path) => (path === '' ? 'value' : path))];
  const line = (cells: string[]) => `${cells.join(',')}\r\n`;
  return textEncoder(
    (record) =>
      line([
        cell(record.topic),
        cell(record.partition),
        cell(record.offset),
        cell(record.timestamp),
        cell(record.key),
        ...segments.map((path) => cell(at(record.value, path))),
      ]),
    line(header.map(textCell)),
  );
}

// ---- Avro object container ----

export type AvroCodec = 'null' | 'deflate';

export interface AvroContainerOptions {
  /** `null` (default: the export is usually compressed by HTTP already) or `deflate`. */
  codec?: AvroCodec;
}

/** The Avro specification's deflate is raw RFC 1951 (no zlib header), i.e. deflateRaw. */
const CODECS = {
  null: (buffer: Buffer, callback: (error: Error | null, result: Buffer) => void) => callback(null, buffer),
  deflate: (buffer: Buffer, callback: (error: Error | null, result: Buffer) => void) => zlib.deflateRaw(buffer, callback),
};

/**
 * avsc's BlockEncoder fed with the records' values. The values must fit `schema` (the
 * schema they were decoded with, or read into): a range that spans schema versions is
 * read with one reader schema first. A value that does not fit fails the stream with
 * FD_AVRO_ENCODE_FAILED naming the offset and the fields (avsc alone would skip it).
 */
class AvroContainerEncoder extends avro.streams.BlockEncoder {
  constructor(
    private readonly type: avro.Type,
    canonical: object,
    codec: AvroCodec,
  ) {
    // The canonical JSON, not the avsc type, so the header keeps docs and logical types.
    // writeHeader: true writes it at once, so no records still make a valid file.
    super(canonical as avro.Schema, { codec, codecs: CODECS, writeHeader: true });
  }

  override _write(record: ExportRecord, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // isValid first: invalidFields' error hook is only worth its cost for a bad value.
    if (!this.type.isValid(record.value)) {
      const fields = invalidFields(this.type, record.value);
      const detail = fields.map((field) => `${field.path}: expected ${field.expected}, found ${field.found}`).join('; ');
      const { topic, partition, offset } = record;
      callback(
        new FastdataError('FD_AVRO_ENCODE_FAILED', `cannot export ${topic}/${partition}@${offset} as Avro: ${detail}`, {
          context: { topic, partition, offset, fields },
        }),
      );
      return;
    }
    super._write(record.value, encoding, callback);
  }
}

/** An Avro object container file of the records' values, with `schema` (canonical) in the header. */
export function avroContainer(schema: SchemaInput, options: AvroContainerOptions = {}): Duplex {
  const parsed = parseAvroSchema(schema);
  return new AvroContainerEncoder(parsed.type, JSON.parse(parsed.canonical) as object, options.codec ?? 'null');
}
