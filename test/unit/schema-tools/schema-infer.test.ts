import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { inferSchema, nameFromSource } from '../../../src/schema/tools/infer-schema.js';
import { readJsonLines } from '../../../src/schema/tools/json-lines.js';

const INFER = fileURLToPath(new URL('../../fixtures/schema-tools/infer/', import.meta.url));

type Field = { name: string; type: unknown; default?: unknown; doc?: string };
const fieldsOf = (schema: Record<string, unknown>) => new Map((schema.fields as Field[]).map((f) => [f.name, f]));

describe('fastdata schema infer', () => {
  it('proposes types, nullability, nested records and arrays from JSON samples', async () => {
    const samples = (await readJsonLines(join(INFER, 'readings.jsonl'), 'readings.jsonl')).map((r) => r.value);
    expect(samples).toHaveLength(3); // the blank line is skipped
    const { schema, notes } = inferSchema(samples, { name: 'Reading', namespace: 'demo', source: 'readings.jsonl' });
    const fields = fieldsOf(schema);
    expect(schema).toMatchObject({ type: 'record', name: 'Reading', namespace: 'demo' });
    // Field order is the order first seen.
    expect([...fields.keys()]).toEqual(['sensorId', 'ts', 'temperature', 'ok', 'count', 'location', 'samples', 'tags', 'code', 'firmware', 'battery']);
    expect(fields.get('sensorId')!.type).toBe('string');
    expect(fields.get('ts')!.type).toBe('long'); // beyond 32 bits
    expect(fields.get('temperature')!.type).toBe('double'); // 22 and 21.5: one fraction makes it double
    expect(fields.get('ok')!.type).toBe('boolean');
    expect(fields.get('count')!.type).toBe('int');
    // Nested record named from the path; a field absent from some nested objects is nullable.
    expect(fields.get('location')!.type).toEqual({
      type: 'record',
      name: 'ReadingLocation',
      fields: [
        { name: 'site', type: 'string' },
        { name: 'floor', type: 'int' },
        { name: 'room', type: ['null', 'string'], default: null, doc: 'Inferred: absent from 2 of 3 records.' },
      ],
    });
    // Array items merged over every element of every sample (ints and a double → double; an empty array adds nothing).
    expect(fields.get('samples')!.type).toEqual({ type: 'array', items: 'double' });
    expect(fields.get('tags')!.type).toEqual({
      type: 'array',
      items: { type: 'record', name: 'ReadingTagsItem', fields: [{ name: 'k', type: 'string' }, { name: 'v', type: 'double' }] },
    });
    // Conflicting types: a union, with a note.
    expect(fields.get('code')!.type).toEqual(['int', 'string']);
    expect(fields.get('code')!.doc).toMatch(/mixed types \(number ×2, string ×1\)/);
    // Null in one sample, absent in another: nullable with a default.
    expect(fields.get('firmware')).toMatchObject({ type: ['null', 'string'], default: null });
    expect(fields.get('battery')).toMatchObject({ type: ['null', 'int'], default: null });
    expect(notes).toContain('code: mixed types (number ×2, string ×1): a union; consider one type');

    // A schema avsc accepts, and every sample encodes with it (absent fields take their default).
    const { type } = parseAvroSchema(schema);
    for (const sample of samples) expect(() => type.toBuffer(sample)).not.toThrow();
  });

  it('reads the value of lines that fastdata tail printed', async () => {
    const records = await readJsonLines(join(INFER, 'tail-output.jsonl'), 'tail-output.jsonl');
    expect(records.map((r) => r.key)).toEqual(['s-01', 's-02']);
    const { schema } = inferSchema(records.map((r) => r.value), { name: 'Stats' });
    expect([...fieldsOf(schema).keys()]).toEqual(['sensorId', 'windowStart', 'count', 'meanTemperature']);
    expect(fieldsOf(schema).get('meanTemperature')!.type).toBe('double');
  });

  it('renames JSON keys that are not Avro names, types always-null fields as null, and notes both', () => {
    const { schema, notes } = inferSchema([{ 'temp-c': 1, '2x': 'a', gone: null }, { 'temp-c': 2, '2x': 'b', gone: null }], { name: 'R' });
    const fields = fieldsOf(schema);
    expect([...fields.keys()]).toEqual(['temp_c', '_2x', 'gone']);
    expect(fields.get('gone')).toMatchObject({ type: 'null', default: null });
    expect(notes.join('\n')).toMatch(/temp-c: JSON key "temp-c" is not an Avro name; renamed/);
    expect(notes.join('\n')).toMatch(/gone: always null/);
    expect(() => parseAvroSchema(schema)).not.toThrow();
  });

  it('refuses samples that are not objects, bad names and no samples, naming what to fix', () => {
    const notObject = (() => {
      try {
        return inferSchema([{ a: 1 }, [1, 2]], { name: 'R' });
      } catch (error) {
        return error;
      }
    })();
    expect(isFastdataError(notObject, 'FD_RECORD_INVALID')).toBe(true);
    expect((notObject as Error).message).toMatch(/sample 2 is an array, not a JSON object/);
    expect(() => inferSchema([{ a: 1 }], { name: 'my-record' })).toThrow(/--name "my-record" is not an Avro name/);
    expect(() => inferSchema([{ a: 1 }], { name: 'R', namespace: 'com.1bad' })).toThrow(/--namespace "1bad" is not an Avro name/);
    expect(() => inferSchema([], { name: 'R', source: 'x.jsonl' })).toThrow(/no samples to infer from in x\.jsonl/);
  });

  it('names a record after its source', () => {
    expect(nameFromSource('sensor.readings')).toBe('SensorReadings');
    expect(nameFromSource('test/fixtures/raw-events.jsonl')).toBe('RawEvents');
    expect(nameFromSource('2024.jsonl')).toBe('Record2024');
  });
});
