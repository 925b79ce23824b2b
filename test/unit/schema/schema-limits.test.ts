/**
 * Hostile schemas through the registry API, from the reproduction: a deeply nested
 * Avro schema POSTed to /registry/subjects/x/versions answered 500 "Maximum call stack size
 * exceeded" after 2.3 s, with the process stalled meanwhile. Every schema beyond a limit is
 * now refused with 422 (Confluent's 42201) naming the limit, before avsc parses it: the test
 * checks that avsc is never called for them (the deterministic side of "fast").
 */
import avro from 'avsc';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { SCHEMA_LIMITS } from '../../../src/schema/schema-limits.js';
import { CONFLUENT_CONTENT_TYPE, registryRoutes } from '../../../src/serve/registry-routes.js';
import { tempDirs } from './fixtures.js';

const dirs = tempDirs();
let registry: EmbeddedSchemaRegistry;
let app: FastifyInstance;

beforeEach(async () => {
  registry = await EmbeddedSchemaRegistry.open(await dirs.make());
  app = Fastify({ bodyLimit: 1024 * 1024 });
  await app.register(registryRoutes, { registry, prefix: '/registry' });
  await app.ready();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await app.close();
  await registry.close();
  await dirs.cleanup();
});

/** Records nested `depth` deep, built as text (JSON.stringify of the object would itself overflow). */
function nestedRecords(depth: number): string {
  const open: string[] = [];
  for (let i = 1; i < depth; i++) open.push(`{"type":"record","name":"R${i}","fields":[{"name":"f","type":`);
  return `${open.join('')}{"type":"record","name":"R0","fields":[{"name":"x","type":"int"}]}${'}]}'.repeat(depth - 1)}`;
}
const nestedArrays = (depth: number) => `{"type":"record","name":"A","fields":[{"name":"a","type":${'{"type":"array","items":'.repeat(depth)}"int"${'}'.repeat(depth)}}]}`;
const nestedUnions = (depth: number) => `${'['.repeat(depth)}"int"${']'.repeat(depth)}`;
/** A record of n - 1 enums: n named types. */
const namedTypes = (n: number) => JSON.stringify({ type: 'record', name: 'W', fields: Array.from({ length: n - 1 }, (_, i) => ({ name: `f${i}`, type: { type: 'enum', name: `E${i}`, symbols: ['A'] } })) });
const fields = (n: number) => JSON.stringify({ type: 'record', name: 'W', fields: Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: 'int' })) });

async function post(schema: string) {
  const response = await app.inject({ method: 'POST', url: '/registry/subjects/x/versions', payload: JSON.stringify({ schema }), headers: { 'content-type': CONFLUENT_CONTENT_TYPE } });
  return { status: response.statusCode, body: response.json() as { error_code?: number; message?: string; id?: number } };
}

describe('schema limits on the registry API', () => {
  const cases: [string, () => string, RegExp][] = [
    ['records nested 3000 deep (the reproduction)', () => nestedRecords(3000), /nested more than 100 levels deep/],
    ['arrays nested 8000 deep', () => nestedArrays(8000), /nested more than 100 levels deep/],
    ['unions nested 5000 deep', () => nestedUnions(5000), /nested more than 100 levels deep/],
    ['a schema over 256 KiB', () => fields(20_000), /over the limit of 262144 \(256 KiB\)/],
    ['257 named types', () => namedTypes(SCHEMA_LIMITS.maxNamedTypes + 1), /more than 256 named types/],
    ['4097 fields', () => fields(SCHEMA_LIMITS.maxFields + 1), /more than 4096 fields/],
  ];

  for (const [what, schema, message] of cases) {
    it(`refuses ${what} with 422 naming the limit, without parsing it`, async () => {
      const forSchema = vi.spyOn(avro.Type, 'forSchema');
      const { status, body } = await post(schema());
      expect(status).toBe(422);
      expect(body).toEqual({ error_code: 42201, message: expect.stringMatching(message) });
      expect(forSchema).not.toHaveBeenCalled();
      // The registry kept nothing, and still works.
      expect(await registry.listSubjects()).toEqual([]);
      expect((await post(fields(3))).status).toBe(200);
    });
  }

  it('accepts schemas at the limits', async () => {
    expect((await post(nestedRecords(20))).status).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/registry/subjects/y/versions', payload: JSON.stringify({ schema: namedTypes(SCHEMA_LIMITS.maxNamedTypes) }), headers: { 'content-type': CONFLUENT_CONTENT_TYPE } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/registry/subjects/z/versions', payload: JSON.stringify({ schema: fields(SCHEMA_LIMITS.maxFields) }), headers: { 'content-type': CONFLUENT_CONTENT_TYPE } })).statusCode).toBe(200);
  });

  it('refuses the same on the lookup and compatibility routes', async () => {
    await post(fields(3));
    for (const url of ['/registry/subjects/x', '/registry/compatibility/subjects/x/versions/latest']) {
      const response = await app.inject({ method: 'POST', url, payload: JSON.stringify({ schema: nestedRecords(3000) }), headers: { 'content-type': CONFLUENT_CONTENT_TYPE } });
      expect({ url, status: response.statusCode, code: response.json().error_code }).toEqual({ url, status: 422, code: 42201 });
    }
  });

  it('holds schemas given as objects (a module, a schema file) to the same limits', () => {
    let deep: unknown = 'int';
    for (let i = 0; i < 200; i++) deep = { type: 'array', items: deep };
    expect(() => parseAvroSchema({ type: 'record', name: 'D', fields: [{ name: 'd', type: deep }] })).toThrow(/nested more than 100 levels deep/);
    expect(() => parseAvroSchema(JSON.parse(namedTypes(300)) as object)).toThrow(/more than 256 named types/);
  });

  it('bounds the search for where a large invalid schema goes wrong', () => {
    // The last of 4000 fields is bad: the search for it parsed every prefix in turn, 4000 parses (minutes); now a budget.
    const big = JSON.parse(fields(4000)) as { fields: unknown[] };
    big.fields.push({ name: 'bad', type: 'nope' });
    const forSchema = vi.spyOn(avro.Type, 'forSchema');
    // avsc calls itself for every nested type: count the parses of the whole record.
    const parses = () => forSchema.mock.calls.filter(([schema]) => (schema as { name?: string }).name === 'W').length;
    expect(() => parseAvroSchema(big)).toThrow(/undefined type name: nope/);
    expect(parses()).toBeLessThanOrEqual(1 + 32);
    // A schema of ordinary size is searched by bisection and the field named.
    const small = JSON.parse(fields(200)) as { fields: unknown[] };
    small.fields.splice(150, 0, { name: 'bad', type: 'nope' });
    forSchema.mockClear();
    expect(() => parseAvroSchema(small)).toThrow(/at field W\.bad: undefined type name: nope/);
    expect(parses()).toBeLessThanOrEqual(1 + 9);
  });
});
