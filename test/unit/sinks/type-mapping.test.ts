import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { cqlTypeText, mapRecordSchema, readField, writeField } from '../../../src/sinks/cassandra/type-mapping.js';

const schema = {
  type: 'record',
  name: 'Everything',
  namespace: 'test',
  fields: [
    { name: 'flag', type: 'boolean' },
    { name: 'n', type: 'int' },
    { name: 'big', type: 'long' },
    { name: 'ratio', type: 'float' },
    { name: 'x', type: 'double' },
    { name: 'label', type: 'string' },
    { name: 'raw', type: 'bytes' },
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'atMicros', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'clock', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'fixedPrice', type: { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 3 } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'limits', type: { type: 'map', values: 'double' } },
    { name: 'where', type: { type: 'record', name: 'Place', fields: [{ name: 'lat', type: 'double' }, { name: 'siteName', type: ['null', 'string'] }] } },
    { name: 'trail', type: { type: 'array', items: 'Place' } },
  ],
};

const mapped = () => mapRecordSchema(JSON.parse(parseAvroSchema(schema).canonical), 'things');

describe('Avro -> CQL types', () => {
  it('maps every primitive, logical and complex type as docs/cassandra.md says', () => {
    const types = Object.fromEntries(mapped().fields.map((f) => [f.name, cqlTypeText(f.codec.cql)]));
    expect(types).toEqual({
      flag: 'boolean',
      n: 'int',
      big: 'bigint',
      ratio: 'float',
      x: 'double',
      label: 'text',
      raw: 'blob',
      color: 'text',
      hash: 'blob',
      at: 'timestamp',
      atMicros: 'timestamp',
      day: 'date',
      clock: 'time',
      price: 'decimal',
      fixedPrice: 'decimal',
      id: 'uuid',
      note: 'text',
      tags: 'list<text>',
      limits: 'map<text, double>',
      where: 'frozen<things_place>',
      trail: 'list<frozen<things_place>>',
    });
    const { fields, udts } = mapped();
    expect(fields.find((f) => f.name === 'note')!.codec.nullable).toBe(true);
    expect(fields.find((f) => f.name === 'label')!.codec.nullable).toBe(false);
    // A record used twice is one user-defined type.
    expect(udts.map((u) => u.name)).toEqual(['things_place']);
    expect(udts[0]!.fields.map((f) => [f.name, cqlTypeText(f.codec.cql, true), f.codec.nullable])).toEqual([
      ['lat', 'double', false],
      ['siteName', 'text', true],
    ]);
  });

  it('refuses unions of several types, nullable list items and non-record schemas, naming the field', () => {
    const withUnion = { type: 'record', name: 'R', fields: [{ name: 'v', type: ['int', 'string'] }] };
    expect(() => mapRecordSchema(withUnion, 't')).toThrow(/field v: a union of int, string has no Cassandra column type.*\[null, T\]/);
    const nullableItems = { type: 'record', name: 'R', fields: [{ name: 'xs', type: { type: 'array', items: ['null', 'int'] } }] };
    expect(() => mapRecordSchema(nullableItems, 't')).toThrow(/field xs: an array of a nullable type/);
    expect(() => mapRecordSchema('string', 't')).toThrow(/must be a record/);
  });

  it('refuses a record that contains itself', () => {
    const node = { type: 'record', name: 'Node', fields: [{ name: 'next', type: { type: 'record', name: 'Link', fields: [{ name: 'to', type: { type: 'array', items: 'Link' } }] } }] };
    expect(() => mapRecordSchema(node, 't')).toThrow(/contains itself/);
  });
});

describe('values both ways', () => {
  const record = {
    flag: true,
    n: -5,
    big: 2 ** 40 + 3,
    ratio: 0.5,
    x: 21.25,
    label: 'hello',
    raw: Buffer.from([1, 2, 3]),
    color: 'GREEN',
    hash: Buffer.from([9, 8, 7, 6]),
    at: 1_764_000_000_123,
    atMicros: 1_764_000_000_123_000,
    day: 20_416,
    clock: 3_723_004,
    price: Buffer.from([0xfb, 0x2e]), // -1234 unscaled, scale 2: -12.34
    fixedPrice: Buffer.from([0, 0, 0, 0, 0, 0, 0x30, 0x39]), // 12345, scale 3: 12.345
    id: '8d5a5b68-9d6e-4a0e-9b43-0e5b4a3c2d1f',
    note: null,
    tags: ['a', 'b'],
    limits: { low: 1.5, high: 30 },
    where: { lat: 45.5, siteName: 'plant-a' },
    trail: [{ lat: 1, siteName: null }],
  };

  it('writes what the driver binds and reads back the record the log holds', () => {
    const { fields } = mapped();
    const written = Object.fromEntries(fields.map((f) => [f.name, writeField(f, record[f.name as keyof typeof record], f.name)]));
    expect(written.at).toEqual(new Date(1_764_000_000_123));
    expect(written.atMicros).toEqual(new Date(1_764_000_000_123));
    expect(String(written.price)).toBe('-12.34');
    expect(String(written.fixedPrice)).toBe('12.345');
    expect(cassandra.types.Long.isLong(written.big)).toBe(true);
    expect(String(written.day)).toBe('2025-11-24');
    expect(String(written.clock)).toBe('01:02:03.004');
    expect(written.id).toBeInstanceOf(cassandra.types.Uuid);
    const back = Object.fromEntries(fields.map((f) => [f.name, readField(f, written[f.name])]));
    expect(back).toEqual(record);
  });

  it('reads an empty collection, which Cassandra stores as null, as empty', () => {
    const tags = mapped().fields.find((f) => f.name === 'tags')!;
    const limits = mapped().fields.find((f) => f.name === 'limits')!;
    expect(readField(tags, null)).toEqual([]);
    expect(readField(limits, null)).toEqual({});
  });

  it('refuses, naming the field, a value Cassandra cannot hold', () => {
    const { fields } = mapped();
    const id = fields.find((f) => f.name === 'id')!;
    expect(() => writeField(id, 'not-a-uuid', 'id')).toThrow(/^id: /);
    const label = fields.find((f) => f.name === 'label')!;
    expect(() => writeField(label, null, 'label')).toThrow(/label: null in a non-null string field/);
    const where = fields.find((f) => f.name === 'where')!;
    expect(() => writeField(where, { lat: null, siteName: 'x' }, 'where')).toThrow(/where\.lat: null/);
  });
});
