import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { frame, readSchemaId } from '../../../src/schema/wire.js';
import { caught, readingV1, readingV2, sensorReading, tempDirs } from './fixtures.js';

const dirs = tempDirs();
let registry: EmbeddedSchemaRegistry;

beforeEach(async () => {
  registry = await EmbeddedSchemaRegistry.open(await dirs.make());
});

afterEach(async () => {
  await registry.close();
  await dirs.cleanup();
});

const reading = { sensorId: 'sensor-1', ts: 1_700_000_000_123, temperature: 21.5 };

const withLocation = sensorReading([
  { name: 'sensorId', type: 'string' },
  { name: 'temperature', type: 'double' },
  { name: 'location', type: ['null', { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] }], default: null },
  { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
]);

describe('AvroSerde encode and decode', () => {
  it('registers the schema and round-trips a record in the Confluent wire format', async () => {
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor('sensor.readings-value', readingV1);
    expect(encoder).toMatchObject({ subject: 'sensor.readings-value', id: 1, version: 1 });
    expect(encoder.type.name).toBe('demo.SensorReading');
    const buf = encoder.encode(reading);
    expect(buf[0]).toBe(0);
    expect(readSchemaId(buf)).toBe(encoder.id);
    // timestamp-millis stays a number of milliseconds.
    expect(serde.decodeSync(buf)).toEqual(reading);
    expect(await serde.decode(buf)).toEqual(reading);
  });

  it('returns the same encoder for the same subject and schema, without registering twice', async () => {
    const serde = new AvroSerde(registry);
    const first = await serde.encoderFor('sensor.readings-value', readingV1);
    const second = await serde.encoderFor('sensor.readings-value', JSON.stringify(readingV1, null, 2));
    expect(second).toBe(first);
    expect(await registry.listVersions('sensor.readings-value')).toEqual([1]);
  });

  it('keeps every encoded record intact across slabs, including records larger than a slab', async () => {
    const serde = new AvroSerde(registry, { slabSize: 256 });
    const encoder = await serde.encoderFor('sensor.readings-value', withLocation);
    const values = Array.from({ length: 200 }, (_, index) => ({
      sensorId: `sensor-${index}`,
      temperature: index / 4,
      location: index % 2 === 0 ? null : { lat: index, lon: -index },
      tags: Array.from({ length: index % 7 === 0 ? 40 : 1 }, (_unused, tag) => `tag-${tag}`),
    }));
    const buffers = values.map((value) => encoder.encode(value));
    expect(buffers.map((buf) => serde.decodeSync(buf))).toEqual(values);
  });

  it('decodes records of one schema into the shape of a newer one (reader schema)', async () => {
    const serde = new AvroSerde(registry);
    const old = (await serde.encoderFor('sensor.readings-value', readingV1)).encode(reading);
    const reader = parseAvroSchema(readingV2);
    expect(serde.decodeSync(old, reader)).toEqual({ ...reading, humidity: null });
    // Records written with the reader's own schema decode as they are.
    const current = (await serde.encoderFor('sensor.readings-value', readingV2)).encode({ ...reading, humidity: 0.4 });
    expect(serde.decodeSync(current, reader)).toEqual({ ...reading, humidity: 0.4 });
  });

  it('refuses a reader schema that cannot read the writer schema, naming the field', async () => {
    const serde = new AvroSerde(registry);
    const old = (await serde.encoderFor('sensor.readings-value', readingV1)).encode(reading);
    const reader = parseAvroSchema(sensorReading([{ name: 'sensorId', type: 'string' }, { name: 'pressure', type: 'double' }]));
    const error = await caught(() => serde.decodeSync(old, reader), 'FD_SCHEMA_INCOMPATIBLE');
    expect(error.message).toContain('records written with schema id 1 cannot be read as demo.SensorReading');
    expect(error.message).toContain('field SensorReading.pressure is added without a default');
  });
});

describe('AvroSerde encode errors', () => {
  it('name the path and the value of every bad field', async () => {
    const encoder = await new AvroSerde(registry).encoderFor('sensor.readings-value', withLocation);
    const error = await caught(() => encoder.encode({ sensorId: 7, temperature: 'hot', location: { lat: 'north', lon: 1 }, tags: ['a', 3] }), 'FD_AVRO_ENCODE_FAILED');
    expect(error.message).toBe(
      'cannot encode a record for subject "sensor.readings-value" (schema id 1, demo.SensorReading): ' +
        'sensorId: expected "string", found 7; temperature: expected "double", found "hot"; ' +
        'location.lat: expected "double", found "north"; tags.1: expected "string", found 3',
    );
    expect(error.context.fields).toHaveLength(4);
  });

  it('name a missing field and a value that is not a record', async () => {
    const encoder = await new AvroSerde(registry).encoderFor('sensor.readings-value', readingV1);
    expect((await caught(() => encoder.encode({ sensorId: 'a', temperature: 1 }), 'FD_AVRO_ENCODE_FAILED')).message).toContain(
      'ts: expected "long", found undefined (missing)',
    );
    expect((await caught(() => encoder.encode(null), 'FD_AVRO_ENCODE_FAILED')).message).toContain('(the value): expected demo.SensorReading, found null');
  });

  it('leave the encoder usable', async () => {
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor('sensor.readings-value', readingV1);
    await caught(() => encoder.encode({}), 'FD_AVRO_ENCODE_FAILED');
    expect(serde.decodeSync(encoder.encode(reading))).toEqual(reading);
  });
});

describe('AvroSerde decode errors', () => {
  it('decodeSync says the id is not cached (FD_SCHEMA_NOT_FOUND with context.id); prepare makes it sync', async () => {
    const buf = (await new AvroSerde(registry).encoderFor('sensor.readings-value', readingV1)).encode(reading);
    const fresh = new AvroSerde(registry);
    const error = await caught(() => fresh.decodeSync(buf), 'FD_SCHEMA_NOT_FOUND');
    expect(error.context.id).toBe(1);
    expect(error.message).toContain('await prepare([1])');
    await fresh.prepare([1]);
    expect(fresh.isCached(1)).toBe(true);
    expect(fresh.decodeSync(buf)).toEqual(reading);
  });

  it('decode fetches an unknown id from the registry once, and reports an id the registry does not have', async () => {
    const buf = (await new AvroSerde(registry).encoderFor('sensor.readings-value', readingV1)).encode(reading);
    let fetches = 0;
    const counting = new Proxy(registry, {
      get(target, property) {
        if (property === 'getSchemaById') {
          return (id: number) => {
            fetches++;
            return target.getSchemaById(id);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const fresh = new AvroSerde(counting);
    expect(await Promise.all([fresh.decode(buf), fresh.decode(buf), fresh.decode(buf)])).toEqual([reading, reading, reading]);
    expect(fetches).toBe(1);
    const unknown = Buffer.from(buf);
    unknown.writeUInt32BE(4242, 1);
    const error = await caught(() => fresh.decode(unknown), 'FD_AVRO_DECODE_FAILED');
    expect(error.message).toContain('unknown schema id 4242: the registry has no schema with this id');
  });

  it('reports a truncated body and trailing bytes', async () => {
    const serde = new AvroSerde(registry);
    const buf = (await serde.encoderFor('sensor.readings-value', readingV1)).encode(reading);
    expect((await caught(() => serde.decodeSync(buf.subarray(0, buf.length - 3)), 'FD_AVRO_DECODE_FAILED')).message).toContain(
      'truncated: the 20-byte body ends before the record does',
    );
    expect((await caught(() => serde.decodeSync(Buffer.concat([buf, Buffer.from([1, 2])])), 'FD_AVRO_DECODE_FAILED')).message).toContain(
      '2 trailing bytes after the record',
    );
  });

  it('reports a bad header as FD_WIRE_FORMAT_INVALID', async () => {
    const serde = new AvroSerde(registry);
    await caught(() => serde.decodeSync(Buffer.from('{"a":1}')), 'FD_WIRE_FORMAT_INVALID');
    await caught(() => serde.decode(Buffer.from([0, 0])), 'FD_WIRE_FORMAT_INVALID');
  });

  it('refuses a hostile array count instead of running out of memory', async () => {
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor('sensor.readings-value', withLocation);
    const valid = encoder.encode({ sensorId: 'a', temperature: 1, location: null, tags: [] });
    // Replace the empty array's terminating 0 with a count of 2^40 items.
    const hostile = Buffer.concat([valid.subarray(0, valid.length - 1), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x40])]);
    const error = await caught(() => serde.decodeSync(hostile), 'FD_AVRO_DECODE_FAILED');
    expect(error.message).toContain('array block of 1099511627776 items with only 0 bytes left');
  });

  it('never throws anything but a FastdataError on random bodies', async () => {
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor('sensor.readings-value', withLocation);
    let decoded = 0;
    for (let round = 0; round < 3000; round++) {
      const garbage = frame(encoder.id, randomBytes(1 + (round % 40)));
      try {
        serde.decodeSync(garbage);
        decoded++;
      } catch (error) {
        if (!isFastdataError(error, 'FD_AVRO_DECODE_FAILED')) throw error;
      }
    }
    expect(decoded).toBeLessThan(3000);
  });
});

describe('AvroSerde with autoRegister off', () => {
  it('finds a registered schema and refuses one that is not registered', async () => {
    await registry.register('sensor.readings-value', readingV1);
    const serde = new AvroSerde(registry);
    expect((await serde.encoderFor('sensor.readings-value', readingV1, { autoRegister: false })).id).toBe(1);
    const error = await caught(() => serde.encoderFor('sensor.readings-value', readingV2, { autoRegister: false }), 'FD_SCHEMA_NOT_FOUND');
    expect(error.message).toContain('registration is off');
  });

  it('rejects (does not throw synchronously) for an invalid schema', async () => {
    const pending = new AvroSerde(registry).encoderFor('x-value', '{not json');
    await expect(pending).rejects.toMatchObject({ code: 'FD_SCHEMA_INVALID' });
  });
});
