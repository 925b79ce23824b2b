/**
 * avroToJsonSchema and avroFieldPaths. The contract checked with Ajv: a value avsc
 * accepts, decoded and made JSON as the REST layer does (`toJsonValue`), validates
 * against the JSON Schema; a value avsc refuses (missing field, wrong type) does not.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { avroFieldPaths, avroToJsonSchema, toJsonValue, type JsonSchema } from '../../../src/schema/avro-json-schema.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
// OpenAPI's numeric formats are annotations; uuid is checked.
for (const format of ['int32', 'int64', 'float', 'double']) ajv.addFormat(format, true);
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

const avsc = (file: string) => JSON.parse(readFileSync(`schemas/${file}`, 'utf8')) as object;

const record = (fields: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'record', name: 'R', namespace: 'test', fields, ...extra });

/** Whether `value` validates once avsc accepted it: encoded, decoded, made JSON. */
function acceptedAndValid(avro: object, value: unknown): boolean {
  const { type } = parseAvroSchema(avro);
  expect(type.isValid(value), `avsc should accept ${JSON.stringify(value)}`).toBe(true);
  const json = toJsonValue(type.fromBuffer(type.toBuffer(value)));
  const validate = ajv.compile(avroToJsonSchema(avro));
  const ok = validate(json);
  if (!ok) console.error(JSON.stringify(json), validate.errors);
  return ok;
}

/** Whether `value` validates although avsc refuses it (expected: false). */
function refusedButValid(avro: object, value: unknown): boolean {
  const { type } = parseAvroSchema(avro);
  expect(type.isValid(value), `avsc should refuse ${JSON.stringify(value)}`).toBe(false);
  return ajv.validate(avroToJsonSchema(avro), toJsonValue(value));
}

const props = (schema: JsonSchema) => schema.properties ?? {};

describe('avroToJsonSchema: the demo schemas', () => {
  const reading = { sensorId: 'sensor-07', site: 'plant-a', ts: 1_767_225_600_000, temperature: 21.5, humidity: 40, battery: 90 };
  const stats = {
    sensorId: 'sensor-07',
    windowStart: 1_767_225_600_000,
    windowEnd: 1_767_225_660_000,
    count: 120,
    meanTemperature: 21.5,
    minTemperature: 20,
    maxTemperature: 23,
    stddevTemperature: 0.4,
    meanHumidity: 40,
  };
  const anomaly = {
    sensorId: 'sensor-07',
    windowStart: 1_767_225_600_000,
    windowEnd: 1_767_225_660_000,
    meanTemperature: 29,
    expected: 21,
    stddev: 0.5,
    zscore: 16,
    anomalous: true,
    stuck: false,
    observations: 42,
  };
  const cases = [
    ['sensor-reading.avsc', reading, 'temperature'],
    ['sensor-stats.avsc', stats, 'meanTemperature'],
    ['sensor-anomaly.avsc', anomaly, 'zscore'],
  ] as const;

  it.each(cases)('%s: record with title, doc, every field required, no extra properties', (file) => {
    const avro = avsc(file) as { name: string; namespace: string; doc: string; fields: { name: string; doc: string }[] };
    const schema = avroToJsonSchema(avro);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.title).toBe(`${avro.namespace}.${avro.name}`);
    expect(schema.description).toBe(avro.doc);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(avro.fields.map((f) => f.name));
    for (const field of avro.fields) expect(props(schema)[field.name]?.description).toContain(field.doc);
    expect(schema.$defs).toBeUndefined();
  });

  it.each(cases)('%s: a real value validates; missing, mistyped and extra fields do not', (file, value, numberField) => {
    const avro = avsc(file);
    expect(acceptedAndValid(avro, value)).toBe(true);
    const { sensorId: _, ...missing } = value;
    expect(refusedButValid(avro, missing)).toBe(false);
    expect(refusedButValid(avro, { ...value, [numberField]: 'hot' })).toBe(false);
    expect(refusedButValid(avro, { ...value, sensorId: 7 })).toBe(false);
    // avsc ignores undeclared fields when it encodes, and never decodes one: the JSON has none.
    expect(ajv.validate(avroToJsonSchema(avro), { ...value, extra: 1 })).toBe(false);
  });

  it('describes timestamp-millis fields as integers of milliseconds since the epoch', () => {
    const schema = avroToJsonSchema(avsc('sensor-stats.avsc'));
    expect(props(schema).windowStart).toMatchObject({ type: 'integer', format: 'int64' });
    expect(props(schema).windowStart?.description).toMatch(/milliseconds since the epoch/);
    expect(refusedButValid(avsc('sensor-stats.avsc'), { ...stats, windowStart: 1.5 })).toBe(false);
  });

  it('accepts JSON text as well as parsed JSON, and refuses an invalid schema with FD_SCHEMA_INVALID', () => {
    const text = readFileSync('schemas/sensor-reading.avsc', 'utf8');
    expect(avroToJsonSchema(text)).toEqual(avroToJsonSchema(avsc('sensor-reading.avsc')));
    let error: unknown;
    try {
      avroToJsonSchema({ type: 'record', name: 'R', fields: [{ name: 'x', type: 'nope' }] });
    } catch (caught) {
      error = caught;
    }
    expect(isFastdataError(error, 'FD_SCHEMA_INVALID')).toBe(true);
  });
});

describe('avroToJsonSchema: primitives', () => {
  const avro = record([
    { name: 'n', type: 'null' },
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'y', type: 'bytes' },
  ]);
  const value = { n: null, b: true, i: -5, l: 2 ** 40, f: 1.5, d: -0.25, s: 'x', y: Buffer.from([0, 255, 7]) };

  it('maps each primitive', () => {
    const p = props(avroToJsonSchema(avro));
    expect(p.n).toEqual({ type: 'null' });
    expect(p.b).toEqual({ type: 'boolean' });
    expect(p.i).toEqual({ type: 'integer', format: 'int32', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });
    expect(p.l).toEqual({ type: 'integer', format: 'int64' });
    expect(p.f).toEqual({ type: 'number', format: 'float' });
    expect(p.d).toEqual({ type: 'number', format: 'double' });
    expect(p.s).toEqual({ type: 'string' });
    expect(p.y).toEqual({ type: 'string', contentEncoding: 'base64' });
    // A null-typed field holds null: not required, like any field that admits null.
    expect(avroToJsonSchema(avro).required).toEqual(['b', 'i', 'l', 'f', 'd', 's', 'y']);
  });

  it('validates accepted values (bytes as base64) and refuses wrong types and ranges', () => {
    expect(acceptedAndValid(avro, value)).toBe(true);
    expect(refusedButValid(avro, { ...value, i: 2 ** 31 })).toBe(false);
    expect(refusedButValid(avro, { ...value, i: 1.5 })).toBe(false);
    expect(refusedButValid(avro, { ...value, l: 0.5 })).toBe(false);
    expect(refusedButValid(avro, { ...value, b: 'true' })).toBe(false);
    expect(refusedButValid(avro, { ...value, s: null })).toBe(false);
    expect(refusedButValid(avro, { ...value, y: 12 })).toBe(false);
  });

  it('converts a schema that is a bare primitive', () => {
    expect(avroToJsonSchema('"string"')).toEqual({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' });
    expect(acceptedAndValid(JSON.parse('{"type": "long"}') as object, 12)).toBe(true);
  });
});

describe('avroToJsonSchema: enums, arrays, maps, fixed', () => {
  const status = { type: 'enum', name: 'Status', doc: 'Sensor state.', symbols: ['OK', 'STUCK', 'DEAD'] };
  const avro = record([
    { name: 'status', type: status },
    { name: 'previous', type: ['null', 'Status'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'limits', type: { type: 'map', values: 'double' } },
    { name: 'grid', type: { type: 'array', items: { type: 'array', items: 'int' } } },
    { name: 'mac', type: { type: 'fixed', name: 'Mac', size: 6 } },
  ]);
  const value = { status: 'OK', previous: null, tags: ['a', 'b'], limits: { low: -5, high: 40.5 }, grid: [[1], [2, 3]], mac: Buffer.alloc(6, 1) };

  it('maps enums to string enums, arrays to items, maps to additionalProperties, fixed to base64 of its size', () => {
    const schema = avroToJsonSchema(avro);
    const p = props(schema);
    expect(schema.$defs?.['test.Status']).toEqual({ type: 'string', title: 'test.Status', description: 'Sensor state.', enum: ['OK', 'STUCK', 'DEAD'] });
    expect(p.status).toEqual({ $ref: '#/$defs/test.Status' });
    expect(p.previous).toEqual({ anyOf: [{ $ref: '#/$defs/test.Status' }, { type: 'null' }] });
    expect(p.tags).toEqual({ type: 'array', items: { type: 'string' } });
    expect(p.limits).toEqual({ type: 'object', additionalProperties: { type: 'number', format: 'double' } });
    expect(p.mac).toEqual({ type: 'string', title: 'test.Mac', description: '6 bytes, base64', contentEncoding: 'base64', minLength: 8, maxLength: 8 });
  });

  it('validates accepted values and refuses wrong symbols, items, map values and fixed sizes', () => {
    expect(acceptedAndValid(avro, value)).toBe(true);
    expect(acceptedAndValid(avro, { ...value, previous: 'DEAD', tags: [], limits: {} })).toBe(true);
    expect(refusedButValid(avro, { ...value, status: 'BROKEN' })).toBe(false);
    expect(refusedButValid(avro, { ...value, previous: 'BROKEN' })).toBe(false);
    expect(refusedButValid(avro, { ...value, tags: ['a', 1] })).toBe(false);
    expect(refusedButValid(avro, { ...value, limits: { low: 'cold' } })).toBe(false);
    expect(refusedButValid(avro, { ...value, grid: [[1.5]] })).toBe(false);
    expect(refusedButValid(avro, { ...value, mac: Buffer.alloc(7) })).toBe(false);
  });

  it('widens an inline nullable enum with null in both type and enum', () => {
    const schema = avroToJsonSchema(record([{ name: 'e', type: ['null', { type: 'enum', name: 'E', symbols: ['A'] }] }]));
    expect(props(schema).e).toEqual({ type: ['string', 'null'], title: 'test.E', enum: ['A', null] });
  });
});

describe('avroToJsonSchema: unions', () => {
  const location = { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] };
  const avro = record([
    { name: 'a', type: ['null', 'string'], default: null },
    { name: 'b', type: ['long', 'null'] },
    { name: 'loc', type: ['null', location], default: null },
    { name: 'mixed', type: ['null', 'string', 'int', { type: 'array', items: 'string' }] },
    // Ambiguous for unwrapped unions (two numbers, two records): avsc wraps them.
    { name: 'num', type: ['null', 'int', 'long'] },
    {
      name: 'shape',
      type: [
        { type: 'record', name: 'Circle', fields: [{ name: 'r', type: 'double' }] },
        { type: 'record', name: 'Square', fields: [{ name: 'side', type: 'double' }] },
      ],
    },
  ]);
  const value = { a: null, b: 5, loc: { lat: 48.1, lon: 11.6 }, mixed: 3, num: { long: 7 }, shape: { 'test.Square': { side: 2 } } };

  it('makes ["null", T] T with null added to its type, in either order, and leaves it out of required', () => {
    const schema = avroToJsonSchema(avro);
    const p = props(schema);
    expect(p.a).toEqual({ type: ['string', 'null'] });
    expect(p.b).toEqual({ type: ['integer', 'null'], format: 'int64' });
    expect(p.loc).toMatchObject({ type: ['object', 'null'], title: 'test.Location', required: ['lat', 'lon'] });
    expect(schema.required).toEqual(['shape']);
  });

  it('makes other unions anyOf, and wrapped ones anyOf of { "<branch>": value } objects', () => {
    const p = props(avroToJsonSchema(avro));
    expect(p.mixed?.anyOf).toEqual([{ type: 'null' }, { type: 'string' }, { type: 'integer', format: 'int32', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 }, { type: 'array', items: { type: 'string' } }]);
    expect(p.num?.anyOf?.map((s) => s.required ?? s.type)).toEqual(['null', ['int'], ['long']]);
    expect(p.shape?.anyOf?.map((s) => s.required)).toEqual([['test.Circle'], ['test.Square']]);
  });

  it('validates the values avsc decodes for each branch and refuses others', () => {
    expect(acceptedAndValid(avro, value)).toBe(true);
    expect(acceptedAndValid(avro, { ...value, a: 'x', b: null, loc: null, mixed: ['p'], num: null, shape: { 'test.Circle': { r: 1 } } })).toBe(true);
    expect(acceptedAndValid(avro, { ...value, mixed: null, num: { int: -1 } })).toBe(true);
    expect(acceptedAndValid(avro, { ...value, mixed: 'text' })).toBe(true);
    expect(refusedButValid(avro, { ...value, mixed: true })).toBe(false);
    expect(refusedButValid(avro, { ...value, loc: { lat: 1 } })).toBe(false);
    expect(refusedButValid(avro, { ...value, num: 7 })).toBe(false);
    expect(refusedButValid(avro, { ...value, shape: { side: 2 } })).toBe(false);
    expect(refusedButValid(avro, { ...value, shape: { 'test.Square': { r: 2 } } })).toBe(false);
  });

  it('keeps a single-branch union as its branch', () => {
    expect(props(avroToJsonSchema(record([{ name: 'x', type: ['string'] }]))).x).toEqual({ type: 'string' });
  });
});

describe('avroToJsonSchema: logical types', () => {
  const decimalFixed = { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 2 };
  const avro = record([
    { name: 'tsMillis', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsMicros', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'localMillis', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'localMicros', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' }, doc: 'The day.' },
    { name: 'timeMillis', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'timeMicros', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'total', type: ['null', decimalFixed], default: null },
    // Not a valid logical type for a string: avsc (and the schema) ignore it.
    { name: 'ignored', type: { type: 'string', logicalType: 'timestamp-millis' } },
  ]);
  const now = 1_767_225_600_123;
  const value = {
    tsMillis: now,
    tsMicros: now * 1000,
    localMillis: now,
    localMicros: now * 1000,
    day: 20_454,
    timeMillis: 3_600_000,
    timeMicros: 3_600_000_000,
    id: '0b8e6a52-3d43-4c55-9d0a-1f7e6f3ad2c1',
    price: Buffer.from([0x30, 0x39]),
    total: Buffer.alloc(8),
    ignored: 'yesterday',
  };

  it('describes what the numbers and bytes mean', () => {
    const p = props(avroToJsonSchema(avro));
    expect(p.tsMillis).toEqual({ type: 'integer', format: 'int64', description: 'milliseconds since the epoch' });
    expect(p.tsMicros?.description).toBe('microseconds since the epoch');
    expect(p.localMillis?.description).toMatch(/^milliseconds since 1970-01-01T00:00 in local time/);
    expect(p.localMicros?.description).toMatch(/^microseconds since/);
    expect(p.day).toMatchObject({ type: 'integer', format: 'int32', description: 'The day. (days since the epoch (1970-01-01))' });
    expect(p.timeMillis).toMatchObject({ type: 'integer', description: 'milliseconds after midnight' });
    expect(p.timeMicros).toMatchObject({ type: 'integer', description: 'microseconds after midnight' });
    expect(p.id).toEqual({ type: 'string', format: 'uuid', description: 'a UUID' });
    // The serde returns a decimal as the Buffer of its unscaled value (no logical-type hook).
    expect(p.price).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    expect(p.price?.description).toMatch(/^decimal\(9, 2\): the unscaled value as big-endian two's-complement bytes, base64/);
    expect(p.total).toMatchObject({ type: ['string', 'null'], title: 'test.Money', contentEncoding: 'base64', minLength: 12, maxLength: 12 });
    expect(p.total?.description).toMatch(/^decimal\(18, 2\)/);
    expect(p.ignored).toEqual({ type: 'string' });
  });

  it('validates decoded values and refuses a wrong base type or a malformed uuid', () => {
    expect(acceptedAndValid(avro, value)).toBe(true);
    expect(refusedButValid(avro, { ...value, tsMillis: new Date(now).toISOString() })).toBe(false);
    expect(refusedButValid(avro, { ...value, day: 2 ** 31 })).toBe(false);
    expect(refusedButValid(avro, { ...value, price: 12.34 })).toBe(false);
    // avsc stores any string in a uuid field (no logical-type hook); the JSON Schema's format is the stricter contract.
    expect(ajv.validate(avroToJsonSchema(avro), { ...toJsonValue(value) as object, id: 'not-a-uuid' })).toBe(false);
  });
});

describe('avroToJsonSchema: named types and $defs', () => {
  const point = { type: 'record', name: 'Point', namespace: 'geo', doc: 'A point.', fields: [{ name: 'x', type: 'double' }, { name: 'y', type: 'double' }] };
  const avro = {
    type: 'record',
    name: 'Segment',
    namespace: 'geo',
    fields: [
      { name: 'from', type: point, doc: 'Start.' },
      // A short name resolves in the enclosing namespace: geo.Point.
      { name: 'to', type: 'Point' },
      { name: 'via', type: { type: 'array', items: 'geo.Point' } },
    ],
  };

  it('puts a type referenced again by name in $defs and refers to it everywhere', () => {
    const schema = avroToJsonSchema(avro);
    expect(Object.keys(schema.$defs ?? {})).toEqual(['geo.Point']);
    expect(schema.$defs?.['geo.Point']).toMatchObject({ type: 'object', title: 'geo.Point', description: 'A point.', required: ['x', 'y'] });
    expect(props(schema).from).toEqual({ $ref: '#/$defs/geo.Point', description: 'Start.' });
    expect(props(schema).to).toEqual({ $ref: '#/$defs/geo.Point' });
    expect(props(schema).via).toEqual({ type: 'array', items: { $ref: '#/$defs/geo.Point' } });
    expect(acceptedAndValid(avro, { from: { x: 0, y: 0 }, to: { x: 1, y: 1 }, via: [{ x: 0.5, y: 0.5 }] })).toBe(true);
    expect(refusedButValid(avro, { from: { x: 0, y: 0 }, to: { x: 1 }, via: [] })).toBe(false);
  });

  it('handles recursive records, the root included', () => {
    const list = {
      type: 'record',
      name: 'Cell',
      namespace: 'test',
      fields: [
        { name: 'value', type: 'int' },
        { name: 'next', type: ['null', 'Cell'], default: null },
        { name: 'children', type: { type: 'array', items: 'Cell' } },
      ],
    };
    const schema = avroToJsonSchema(list);
    expect(schema.$ref).toBe('#/$defs/test.Cell');
    expect(props(schema.$defs?.['test.Cell'] ?? {}).next).toEqual({ anyOf: [{ $ref: '#/$defs/test.Cell' }, { type: 'null' }] });
    const deep = { value: 1, children: [], next: { value: 2, children: [{ value: 3, next: null, children: [] }], next: null } };
    expect(acceptedAndValid(list, deep)).toBe(true);
    expect(refusedButValid(list, { value: 1, children: [], next: { value: 'two', next: null, children: [] } })).toBe(false);
  });

  it('points $refs where the caller hoists $defs (an OpenAPI document)', () => {
    const schema = avroToJsonSchema(avro, { refPrefix: '#/components/schemas/' });
    expect(props(schema).to).toEqual({ $ref: '#/components/schemas/geo.Point' });
    expect(schema.$defs?.['geo.Point']).toBeDefined();
  });
});

describe('avroFieldPaths', () => {
  it('lists the demo reading fields with their types', () => {
    expect(avroFieldPaths(avsc('sensor-reading.avsc')).map(({ path, type, logicalType, nullable }) => ({ path, type, logicalType, nullable }))).toEqual([
      { path: 'sensorId', type: 'string', logicalType: undefined, nullable: false },
      { path: 'site', type: 'string', logicalType: undefined, nullable: false },
      { path: 'ts', type: 'long', logicalType: 'timestamp-millis', nullable: false },
      { path: 'temperature', type: 'double', logicalType: undefined, nullable: false },
      { path: 'humidity', type: 'double', logicalType: undefined, nullable: false },
      { path: 'battery', type: 'double', logicalType: undefined, nullable: false },
    ]);
    expect(avroFieldPaths(avsc('sensor-reading.avsc'))[0]?.doc).toBe('The sensor, e.g. sensor-07; also the record key.');
  });

  it('flattens nested records with dots, nullability inherited from a nullable parent', () => {
    const location = { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'alt', type: ['null', 'double'] }] };
    const paths = avroFieldPaths(
      record([
        { name: 'id', type: 'string' },
        { name: 'location', type: location },
        { name: 'previous', type: ['null', 'Location'], default: null },
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OK'] } },
        { name: 'mac', type: { type: 'fixed', name: 'Mac', size: 6 } },
        { name: 'tags', type: { type: 'array', items: 'string' } },
        { name: 'attrs', type: { type: 'map', values: 'string' } },
        { name: 'either', type: ['null', 'string', 'long'] },
        { name: 'nothing', type: 'null' },
      ]),
    );
    expect(paths).toEqual([
      { path: 'id', type: 'string', nullable: false },
      { path: 'location.lat', type: 'double', nullable: false },
      { path: 'location.alt', type: 'double', nullable: true },
      { path: 'previous.lat', type: 'double', nullable: true },
      { path: 'previous.alt', type: 'double', nullable: true },
      { path: 'status', type: 'enum', name: 'test.Status', nullable: false },
      { path: 'mac', type: 'fixed', name: 'test.Mac', nullable: false },
      { path: 'tags', type: 'array', nullable: false },
      { path: 'attrs', type: 'map', nullable: false },
      { path: 'either', type: 'union', nullable: true },
      { path: 'nothing', type: 'null', nullable: true },
    ]);
  });

  it('stops at a recursive record, and gives a non-record value the path ""', () => {
    const cell = { type: 'record', name: 'Cell', fields: [{ name: 'value', type: 'int' }, { name: 'next', type: ['null', 'Cell'] }] };
    expect(avroFieldPaths(cell)).toEqual([
      { path: 'value', type: 'int', nullable: false },
      { path: 'next', type: 'record', name: 'Cell', nullable: true },
    ]);
    expect(avroFieldPaths('"double"')).toEqual([{ path: '', type: 'double', nullable: false }]);
  });
});
