import { describe, expect, it } from 'vitest';
import { canonicalText, parseAvroSchema } from '../../../src/schema/avro.js';
import { caught, readingV1, sensorReading } from './fixtures.js';

describe('parseAvroSchema', () => {
  it('parses JSON text and objects into the same schema', () => {
    const fromObject = parseAvroSchema(readingV1);
    const fromText = parseAvroSchema(JSON.stringify(readingV1, null, 2));
    expect(fromText.canonical).toBe(fromObject.canonical);
    expect(fromObject.name).toBe('demo.SensorReading');
  });

  it('reads and writes timestamp-millis, timestamp-micros and date as plain numbers, decimal as bytes', () => {
    const { type } = parseAvroSchema(
      sensorReading([
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'tsMicros', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      ]),
    );
    const now = Date.now();
    const record = { ts: now, tsMicros: now * 1000, day: 19_876, price: Buffer.from([0x30, 0x39]) };
    const decoded = type.fromBuffer(type.toBuffer(record)) as Record<string, unknown>;
    expect(decoded).toEqual(record);
    expect(typeof decoded.ts).toBe('number');
    // A plain object: it survives JSON as the model author wrote it.
    expect(JSON.parse(JSON.stringify({ ...decoded, price: undefined }))).toEqual({ ts: now, tsMicros: now * 1000, day: 19_876 });
  });

  it('refuses text that is not JSON, with a hint for primitives', async () => {
    const error = await caught(() => parseAvroSchema('string'), 'FD_SCHEMA_INVALID');
    expect(error.message).toContain('not valid JSON');
    expect(error.message).toContain('"\\"string\\""');
  });

  it('names what is wrong in an invalid schema', async () => {
    expect((await caught(() => parseAvroSchema(sensorReading([{ name: 'a', type: 'strin' }])), 'FD_SCHEMA_INVALID')).message).toContain(
      'at field SensorReading.a: undefined type name: demo.strin',
    );
    expect((await caught(() => parseAvroSchema(sensorReading([{ name: 'a', type: 'int', default: 'x' }])), 'FD_SCHEMA_INVALID')).message).toContain(
      'incompatible field default "x"',
    );
    expect((await caught(() => parseAvroSchema({ type: 'enum', name: 'E', symbols: ['A', 'A'] }), 'FD_SCHEMA_INVALID')).message).toContain('duplicate');
  });

  it('refuses anonymous records (Avro and Confluent clients need a name)', async () => {
    const error = await caught(() => parseAvroSchema({ type: 'record', fields: [] }), 'FD_SCHEMA_INVALID');
    expect(error.message).toContain('invalid Avro schema');
  });
});

describe('canonical text', () => {
  it('ignores whitespace, attribute order and primitive shorthands', () => {
    const a = canonicalText('{"type":"record","name":"X","fields":[{"name":"a","type":"string"}]}');
    const b = canonicalText('{ "fields": [ { "type": { "type": "string" }, "name": "a", "order": "ascending" } ],\n "name": "X", "type": "record" }');
    expect(b).toBe(a);
  });

  it('treats namespace + name and a full name as the same', () => {
    const a = canonicalText({ type: 'record', name: 'SensorReading', namespace: 'demo', fields: [{ name: 'loc', type: { type: 'record', name: 'Loc', fields: [] } }, { name: 'loc2', type: 'Loc' }] });
    const b = canonicalText({ type: 'record', name: 'demo.SensorReading', fields: [{ name: 'loc', type: { type: 'record', name: 'demo.Loc', fields: [] } }, { name: 'loc2', type: 'demo.Loc' }] });
    expect(b).toBe(a);
    expect(JSON.parse(a)).toMatchObject({ name: 'demo.SensorReading' });
  });

  it('keeps docs, defaults, logical types and custom attributes', () => {
    const text = canonicalText(
      sensorReading([{ name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'event time', default: 0 }], { doc: 'A reading', 'x-owner': 'team-a' }),
    );
    expect(JSON.parse(text)).toEqual({
      name: 'demo.SensorReading',
      type: 'record',
      fields: [{ name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' }, default: 0, doc: 'event time' }],
      doc: 'A reading',
      'x-owner': 'team-a',
    });
    // Docs are part of the text: another doc, another schema text.
    expect(canonicalText(sensorReading([{ name: 'ts', type: 'long', doc: 'x' }]))).not.toBe(canonicalText(sensorReading([{ name: 'ts', type: 'long', doc: 'y' }])));
  });

  it('is stable: the canonical text of a canonical text is itself', () => {
    const once = canonicalText(readingV1);
    expect(canonicalText(once)).toBe(once);
    expect(parseAvroSchema(once).type.equals(parseAvroSchema(readingV1).type)).toBe(true);
  });
});

describe('invalid schema messages', () => {
  it('name the field where the schema goes wrong', async () => {
    const nested = sensorReading([
      { name: 'sensorId', type: 'string' },
      {
        name: 'location',
        type: ['null', { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'dubble' }] }],
        default: null,
      },
    ]);
    const error = await caught(() => parseAvroSchema(nested), 'FD_SCHEMA_INVALID');
    expect(error.message).toBe('invalid Avro schema at field SensorReading.location.lon: undefined type name: demo.dubble');
    expect(error.context.field).toBe('SensorReading.location.lon');
  });

  it('say when the default is what is wrong', async () => {
    const error = await caught(() => parseAvroSchema(sensorReading([{ name: 'ok', type: 'int' }, { name: 'count', type: 'int', default: 'x' }])), 'FD_SCHEMA_INVALID');
    expect(error.message).toContain('at field SensorReading.count (its default)');
  });
});
