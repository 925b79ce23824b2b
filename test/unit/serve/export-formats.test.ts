/**
 * The export encoders: every format read back (JSON.parse per line, a small RFC 4180
 * parser, avsc's BlockDecoder) gives the records that went in; empty input is a valid file.
 */
import { readFileSync } from 'node:fs';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { avroFieldPaths } from '../../../src/schema/avro-json-schema.js';
import { avroContainer, contentTypeOf, csv, fileExtensionOf, jsonLines, type ExportRecord } from '../../../src/serve/export-formats.js';

/** Runs `records` through `encoder` and returns all the bytes it wrote. */
async function encode(encoder: Duplex, records: ExportRecord[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from(records), encoder, async (source: AsyncIterable<Buffer | string>) => {
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
  });
  return Buffer.concat(chunks);
}

/** RFC 4180: fields split on commas, records on CRLF, quoted fields may hold both and "" for a quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      // A bare CR, LF or quote in an unquoted field is not RFC 4180: the encoder must have quoted it.
      if (c === '\r' || c === '\n' || c === '"') throw new Error(`unquoted ${JSON.stringify(c)} at ${i}`);
      field += c;
      i += 1;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('last record without CRLF');
  return rows;
}

/** Decodes an Avro container file: the writer schema of its header and its values. */
async function decodeContainer(bytes: Buffer): Promise<{ schema: unknown; codec: string; values: unknown[] }> {
  const decoder = new avro.streams.BlockDecoder();
  let schema: unknown;
  let codec = '';
  decoder.on('metadata', (_type: unknown, headerCodec: string, header: { meta: Record<string, Buffer> }) => {
    schema = JSON.parse(String(header.meta['avro.schema']));
    codec = headerCodec;
  });
  const values: unknown[] = [];
  await pipeline(Readable.from([bytes]), decoder, async (source: AsyncIterable<unknown>) => {
    for await (const value of source) values.push(value);
  });
  return { schema, codec, values };
}

const location = { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] };
const schema = {
  type: 'record',
  name: 'Event',
  namespace: 'test',
  doc: 'An event with every kind of field.',
  fields: [
    { name: 'name', type: 'string', doc: 'Free text, tricky on purpose.' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'delta', type: 'double' },
    { name: 'count', type: 'int' },
    { name: 'ok', type: 'boolean' },
    { name: 'location', type: ['null', location], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'long' } },
    { name: 'raw', type: 'bytes' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

const event = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ts: 1_767_225_600_000,
  delta: -3.5,
  count: 2,
  ok: true,
  location: { lat: 48.137, lon: -11.5 },
  tags: ['a', 'b,c'],
  attrs: { x: 1 },
  raw: Buffer.from([0xfb, 0xff]),
  note: null,
  ...extra,
});

const record = (offset: number, value: unknown, key: string | null = `k${offset}`): ExportRecord => ({
  topic: 'test.events',
  partition: 1,
  offset,
  timestamp: 1_767_225_600_000 + offset,
  key,
  value,
});

const tricky = ['plain', 'with, comma', 'with "quotes"', 'two\r\nlines', 'line\nfeed', 'ünïcödé ✓', '', ' padded '];
const formulas = ['=1+1', '+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', "=HYPERLINK(\"http://x\",\"y\")"];
const records = [...tricky, ...formulas].map((name, i) => record(i, event(name, i === 1 ? { location: null, note: 'n' } : {})));

describe('contentTypeOf / fileExtensionOf', () => {
  it('names each format', () => {
    expect([contentTypeOf('jsonl'), contentTypeOf('csv'), contentTypeOf('avro')]).toEqual(['application/x-ndjson', 'text/csv; charset=utf-8', 'application/avro']);
    expect([fileExtensionOf('jsonl'), fileExtensionOf('csv'), fileExtensionOf('avro')]).toEqual(['.jsonl', '.csv', '.avro']);
  });
});

describe('jsonLines', () => {
  it('writes one JSON object per line that parses back to the record, bytes as base64', async () => {
    const text = (await encode(jsonLines(), records)).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(records.length);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    parsed.forEach((line, i) => {
      const { value, ...meta } = records[i] as ExportRecord & { value: ReturnType<typeof event> };
      expect(line).toEqual({ ...meta, value: { ...value, raw: value.raw.toString('base64') } });
    });
    expect(Object.keys(parsed[0] ?? {})).toEqual(['topic', 'partition', 'offset', 'timestamp', 'key', 'value']);
  });

  it('keeps a null key and a null value', async () => {
    const text = (await encode(jsonLines(), [record(0, null, null)])).toString('utf8');
    expect(JSON.parse(text)).toMatchObject({ key: null, value: null });
  });

  it('writes nothing for no records (an empty NDJSON file)', async () => {
    expect((await encode(jsonLines(), [])).length).toBe(0);
  });
});

describe('csv', () => {
  const paths = avroFieldPaths(schema);

  it('writes the header from the field paths, nested records flattened', async () => {
    const rows = parseCsv((await encode(csv(paths), [])).toString('utf8'));
    expect(rows).toEqual([['topic', 'partition', 'offset', 'timestamp', 'key', 'name', 'ts', 'delta', 'count', 'ok', 'location.lat', 'location.lon', 'tags', 'attrs', 'raw', 'note']]);
  });

  it('parses back (RFC 4180): quotes, commas, newlines, unicode; null empty; arrays and maps as JSON; numbers as JS prints them', async () => {
    const text = (await encode(csv(paths), records.slice(0, tricky.length))).toString('utf8');
    const [header, ...rows] = parseCsv(text);
    expect(header).toHaveLength(16);
    expect(rows.map((row) => row[5])).toEqual(tricky);
    expect(rows[0]).toEqual(['test.events', '1', '0', '1767225600000', 'k0', 'plain', '1767225600000', '-3.5', '2', 'true', '48.137', '-11.5', '["a","b,c"]', '{"x":1}', '+/8=', '']);
    // A null parent record and a null string: empty cells.
    expect(rows[1]?.slice(10, 12)).toEqual(['', '']);
    expect(rows[1]?.[15]).toBe('n');
  });

  it('neutralises formula cells with a leading quote, but not number cells', async () => {
    const text = (await encode(csv(paths), records.slice(tricky.length))).toString('utf8');
    const rows = parseCsv(text).slice(1);
    expect(rows.map((row) => row[5])).toEqual(formulas.map((f) => `'${f}`));
    // Negative numbers stay numbers; base64 that starts with + cannot call a function and stays intact.
    expect(rows[0]?.[7]).toBe('-3.5');
    expect(rows[0]?.[11]).toBe('-11.5');
    expect(rows[0]?.[14]).toBe('+/8=');
    // Keys and topics are text cells too.
    const [, keyRow] = parseCsv((await encode(csv(paths), [record(0, event('x'), '=cmd')])).toString('utf8'));
    expect(keyRow?.[4]).toBe("'=cmd");
  });

  it('takes plain path strings, a whole non-record value as the column "value", and a null key as an empty cell', async () => {
    const rows = parseCsv((await encode(csv(['']), [record(0, 'hello, world', null), record(1, 42)])).toString('utf8'));
    expect(rows).toEqual([
      ['topic', 'partition', 'offset', 'timestamp', 'key', 'value'],
      ['test.events', '1', '0', '1767225600000', '', 'hello, world'],
      ['test.events', '1', '1', '1767225600001', 'k1', '42'],
    ]);
    const byName = parseCsv((await encode(csv(['location.lat', 'missing']), [record(0, event('x'))])).toString('utf8'));
    expect(byName[1]?.slice(5)).toEqual(['48.137', '']);
  });
});

describe('avroContainer', () => {
  const { canonical } = parseAvroSchema(schema);
  const values = records.map((r) => r.value);

  it.each(['null', 'deflate'] as const)('decodes back with avsc to the same values, the schema in the header (codec %s)', async (codec) => {
    const bytes = await encode(avroContainer(schema, codec === 'null' ? {} : { codec }), records);
    const decoded = await decodeContainer(bytes);
    expect(decoded.codec).toBe(codec);
    // The canonical schema: docs and logical types kept.
    expect(decoded.schema).toEqual(JSON.parse(canonical));
    expect(JSON.stringify(decoded.schema)).toContain('"logicalType":"timestamp-millis"');
    expect(JSON.stringify(decoded.schema)).toContain('tricky on purpose');
    expect(decoded.values).toEqual(values);
  });

  it('compresses with deflate', async () => {
    const many = Array.from({ length: 500 }, (_, i) => record(i, event('the same text again and again')));
    const plain = await encode(avroContainer(schema), many);
    const deflated = await encode(avroContainer(schema, { codec: 'deflate' }), many);
    expect(deflated.length).toBeLessThan(plain.length / 4);
    expect((await decodeContainer(deflated)).values).toHaveLength(500);
  });

  it('writes a header-only file for no records', async () => {
    const bytes = await encode(avroContainer(readFileSync('schemas/sensor-stats.avsc', 'utf8')), []);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from('Obj\x01', 'latin1'));
    const decoded = await decodeContainer(bytes);
    expect(decoded.values).toEqual([]);
    expect(decoded.schema).toMatchObject({ name: 'fastdata.demo.SensorStats' });
  });

  it('fails with FD_AVRO_ENCODE_FAILED naming the offset and the field when a value does not fit', async () => {
    const bad = [record(0, event('ok')), record(7, event('bad', { delta: 'hot' }))];
    const error = await encode(avroContainer(schema), bad).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isFastdataError(error, 'FD_AVRO_ENCODE_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/test\.events\/1@7.*delta: expected "double", found "hot"/);
  });
});
