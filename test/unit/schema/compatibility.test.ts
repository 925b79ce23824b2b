import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { checkCompatibility, type SchemaVersion } from '../../../src/schema/compatibility.js';
import type { CompatibilityLevel } from '../../../src/schema/types.js';
import { sensorReading } from './fixtures.js';

type Field = Parameters<typeof sensorReading>[0][number];

const type = (schema: unknown) => parseAvroSchema(schema as object).type;
const record = (...fields: Field[]) => sensorReading(fields);
/** Versions 1, 2, … of a subject, oldest first. */
const history = (...schemas: unknown[]): SchemaVersion[] => schemas.map((schema, index) => ({ version: index + 1, type: type(schema) }));
const check = (level: CompatibilityLevel, candidate: unknown, ...existing: unknown[]) => checkCompatibility(type(candidate), history(...existing), level);

const id: Field = { name: 'sensorId', type: 'string' };
const temperature: Field = { name: 'temperature', type: 'double' };
const humidity: Field = { name: 'humidity', type: 'double' };
const humidityWithDefault: Field = { name: 'humidity', type: ['null', 'double'], default: null };
const status = (...symbols: string[]): Field => ({ name: 'status', type: { type: 'enum', name: 'Status', symbols } });

describe('BACKWARD (the new schema reads data of the latest version)', () => {
  it('accepts a new field with a default, a removed field and the int → long promotion', () => {
    expect(check('BACKWARD', record(id, temperature, humidityWithDefault), record(id, temperature))).toEqual({ compatible: true, messages: [] });
    expect(check('BACKWARD', record(id), record(id, temperature)).compatible).toBe(true);
    expect(check('BACKWARD', record({ name: 'count', type: 'long' }), record({ name: 'count', type: 'int' })).compatible).toBe(true);
    expect(check('BACKWARD', record(id, status('OK', 'BAD', 'UNKNOWN')), record(id, status('OK', 'BAD'))).compatible).toBe(true);
  });

  it('refuses a new field without a default, naming the field, the version and the fix', () => {
    const result = check('BACKWARD', record(id, temperature, humidity), record(id, temperature));
    expect(result.compatible).toBe(false);
    expect(result.messages).toEqual([
      'version 1 (BACKWARD: the new schema must read data written with version 1): field SensorReading.humidity is added without a default, ' +
        'so data of version 1 has no value for it; fix: give it a default, e.g. "type": ["null", "double"], "default": null',
    ]);
  });

  it('refuses a type change, naming the field and the two types', () => {
    const [message] = check('BACKWARD', record(id, temperature), record(id, { name: 'temperature', type: 'string' })).messages;
    expect(message).toContain('field SensorReading.temperature: writer type "string" cannot be read as "double"');
    expect(message).toContain('add a new field with a default');
    expect(check('BACKWARD', record({ name: 'count', type: 'int' }), record({ name: 'count', type: 'long' })).messages[0]).toContain(
      'field SensorReading.count: writer type "long" cannot be read as "int"',
    );
  });

  it('refuses an enum that loses a symbol, unless the enum has a default', () => {
    const [message] = check('BACKWARD', record(id, status('OK')), record(id, status('OK', 'BAD'))).messages;
    expect(message).toContain('field SensorReading.status: enum demo.Status no longer has "BAD"');
    const withDefault: Field = { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OK', 'UNKNOWN'], default: 'UNKNOWN' } };
    expect(check('BACKWARD', record(id, withDefault), record(id, status('OK', 'BAD'))).compatible).toBe(true);
  });

  it('names the path inside nested records and arrays', () => {
    const location = (lat: string): Field => ({ name: 'location', type: { type: 'record', name: 'Location', fields: [{ name: 'lat', type: lat }] } });
    expect(check('BACKWARD', record(location('double')), record(location('string'))).messages[0]).toContain(
      'field SensorReading.location.lat: writer type "string" cannot be read as "double"',
    );
    const tags = (items: string): Field => ({ name: 'tags', type: { type: 'array', items } });
    expect(check('BACKWARD', record(tags('int')), record(tags('string'))).messages[0]).toContain('field SensorReading.tags[]: writer type "string" cannot be read as "int"');
  });

  it('accepts a renamed record that lists the old name in its aliases, and refuses it without', () => {
    const renamed = (aliases?: string[]) => ({ type: 'record', name: 'Reading', namespace: 'demo', ...(aliases ? { aliases } : {}), fields: [id] });
    expect(check('BACKWARD', renamed(['SensorReading']), record(id)).compatible).toBe(true);
    expect(check('BACKWARD', renamed(), record(id)).messages[0]).toContain('the names differ; fix: keep the name, or list "demo.SensorReading" in the new type\'s "aliases"');
  });

  it('only checks the latest version', () => {
    // v1 lacks humidity, v2 has it with a default, the candidate requires it: v2 data has it.
    expect(check('BACKWARD', record(id, humidity), record(id), record(id, humidityWithDefault)).compatible).toBe(false);
    expect(check('BACKWARD', record(id, { name: 'humidity', type: ['null', 'double'] }), record(id), record(id, humidityWithDefault)).compatible).toBe(true);
  });
});

describe('BACKWARD_TRANSITIVE (the new schema reads data of every version)', () => {
  it('refuses what BACKWARD accepts when an older version breaks, naming that version', () => {
    const candidate = record(id, { name: 'humidity', type: ['null', 'double'] });
    const versions = [record(id), record(id, humidityWithDefault)];
    expect(check('BACKWARD', candidate, ...versions).compatible).toBe(true);
    const result = check('BACKWARD_TRANSITIVE', candidate, ...versions);
    expect(result.compatible).toBe(false);
    expect(result.messages).toHaveLength(1);
    expect(result.messages[0]).toContain('version 1 (BACKWARD');
    expect(result.messages[0]).toContain('field SensorReading.humidity is added without a default');
  });

  it('accepts an evolution compatible with all versions', () => {
    const note: Field = { name: 'note', type: 'string', default: '' };
    expect(check('BACKWARD_TRANSITIVE', record(id, humidityWithDefault, note), record(id), record(id, humidityWithDefault)).compatible).toBe(true);
  });
});

describe('FORWARD (the latest version reads data of the new schema)', () => {
  it('accepts a new field (old readers skip it) and removing a field that has a default', () => {
    expect(check('FORWARD', record(id, temperature, humidity), record(id, temperature)).compatible).toBe(true);
    expect(check('FORWARD', record(id), record(id, humidityWithDefault)).compatible).toBe(true);
  });

  it('refuses removing a field the old version needs, naming it', () => {
    const [message] = check('FORWARD', record(id), record(id, temperature)).messages;
    expect(message).toBe(
      'version 1 (FORWARD: version 1 must read data written with the new schema): field SensorReading.temperature is removed (or renamed), ' +
        'but version 1 reads it and has no default for it; fix: keep the field (a field can be dropped only once every version that reads it gives it a default)',
    );
  });

  it('refuses a new enum symbol and the int → long promotion (old readers cannot read them)', () => {
    expect(check('FORWARD', record(id, status('OK', 'BAD')), record(id, status('OK'))).messages[0]).toContain(
      'field SensorReading.status: the new schema adds "BAD" to enum demo.Status, which version 1 does not know',
    );
    expect(check('FORWARD', record({ name: 'count', type: 'long' }), record({ name: 'count', type: 'int' })).messages[0]).toContain(
      'writer type "long" cannot be read as "int"',
    );
  });

  it('refuses making a field nullable (old readers cannot read null)', () => {
    const [message] = check('FORWARD', record({ name: 'sensorId', type: ['null', 'string'], default: null }), record(id)).messages;
    expect(message).toContain('field SensorReading.sensorId: the new schema writes ["null", "string"] where version 1 reads "string"');
    expect(check('BACKWARD', record({ name: 'sensorId', type: ['null', 'string'], default: null }), record(id)).compatible).toBe(true);
  });
});

describe('FORWARD_TRANSITIVE (every version reads data of the new schema)', () => {
  // v1 requires humidity, v2 gave it a default, the candidate drops it.
  const versions = [record(id, humidity), record(id, { name: 'humidity', type: 'double', default: 0 })];

  it('refuses what FORWARD accepts when an older version breaks', () => {
    expect(check('FORWARD', record(id), ...versions).compatible).toBe(true);
    const result = check('FORWARD_TRANSITIVE', record(id), ...versions);
    expect(result.compatible).toBe(false);
    expect(result.messages[0]).toContain('version 1 (FORWARD: version 1 must read data written with the new schema): field SensorReading.humidity is removed');
  });

  it('accepts adding fields', () => {
    expect(check('FORWARD_TRANSITIVE', record(id, humidity, temperature), ...versions).compatible).toBe(true);
  });
});

describe('FULL (both ways, latest version)', () => {
  it('accepts adding or removing a field that has a default', () => {
    expect(check('FULL', record(id, humidityWithDefault), record(id)).compatible).toBe(true);
    expect(check('FULL', record(id), record(id, humidityWithDefault)).compatible).toBe(true);
  });

  it('refuses a field added without a default (backward) and one removed without a default (forward)', () => {
    expect(check('FULL', record(id, humidity), record(id)).messages[0]).toContain('(BACKWARD: the new schema must read data written with version 1): field SensorReading.humidity');
    expect(check('FULL', record(id), record(id, humidity)).messages[0]).toContain('(FORWARD: version 1 must read data written with the new schema): field SensorReading.humidity');
  });

  it('reports both directions when both break', () => {
    const result = check('FULL', record(id, { name: 'temperature', type: 'string' }), record(id, temperature));
    expect(result.messages.map((message) => message.slice(0, message.indexOf(':')))).toEqual(['version 1 (BACKWARD', 'version 1 (FORWARD']);
  });
});

describe('FULL_TRANSITIVE (both ways, every version)', () => {
  const versions = [record(id, humidity), record(id, { name: 'humidity', type: 'double', default: 0 })];

  it('refuses what FULL accepts when an older version breaks', () => {
    expect(check('FULL', record(id), ...versions).compatible).toBe(true);
    expect(check('FULL_TRANSITIVE', record(id), ...versions).messages).toEqual([expect.stringContaining('version 1 (FORWARD')]);
  });

  it('accepts a field with a default added to every version', () => {
    expect(check('FULL_TRANSITIVE', record(id, humidity, { name: 'note', type: 'string', default: '' }), ...versions).compatible).toBe(true);
  });
});

describe('NONE', () => {
  it('accepts any change, and every level accepts a first version', () => {
    expect(check('NONE', record({ name: 'temperature', type: 'string' }), record(temperature)).compatible).toBe(true);
    expect(check('FULL_TRANSITIVE', record(temperature)).compatible).toBe(true);
  });
});
