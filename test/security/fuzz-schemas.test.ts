/**
 * Fuzzing the schemas a client POSTs to the registry (fast-check), through the real HTTP
 * server: generated Avro schemas, plausible and broken (unknown and duplicate names, odd
 * defaults, unions of unions, nesting far past the limit, huge texts, JSON that is not a
 * schema at all). Each is answered 200, 409 or 422 in Confluent's error shape, never 500 and
 * never an exception; and the server answers `/api/status` between them throughout.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { startServer } from '../../src/serve/server.js';
import { tempDir } from '../helpers/temp-dir.js';

const name = fc.oneof(fc.constantFrom('r', 'a', 'b', 'x.y', 'ns.r', '1bad', '', 'a-b', 'string', 'null'), fc.string({ maxLength: 8 }));
const primitive = fc.constantFrom('null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string', 'r', 'nope', 'ns.r');
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Avro-shaped JSON: records, enums, arrays, maps, fixed and unions, nested, with wrong values mixed in. */
const { schema } = fc.letrec<{ schema: unknown; field: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    primitive,
    fc.record({ type: fc.constant('record'), name, namespace: fc.option(name, { nil: undefined }), fields: fc.oneof(fc.array(tie('field'), { maxLength: 5 }), anyJson) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('enum'), name, symbols: fc.oneof(fc.array(name, { maxLength: 4 }), anyJson), default: fc.option(name, { nil: undefined }) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('array'), items: tie('schema') }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('map'), values: tie('schema') }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('fixed'), name, size: fc.oneof(fc.integer({ min: -5, max: 1_000_000 }), anyJson) }, { requiredKeys: ['type'] }),
    fc.array(tie('schema'), { maxLength: 4 }),
    anyJson,
  ),
  field: fc.record({ name, type: tie('schema'), default: fc.option(anyJson, { nil: undefined }), aliases: fc.option(fc.array(name, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: ['name'] }),
}));

/** Valid records (unique field names, known types), so that the registry's accepting side is exercised as much as its refusals. */
const valid = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), { minLength: 1, maxLength: 6 })
  .chain((names) =>
    fc.record({
      name: fc.stringMatching(/^[A-Z][a-zA-Z0-9]{0,6}$/),
      types: fc.array(fc.constantFrom('int', 'long', 'double', 'string', 'boolean', '["null","string"]', '{"type":"array","items":"int"}'), { minLength: names.length, maxLength: names.length }),
    }).map(({ name, types }) => `{"type":"record","name":"${name}","fields":[${names.map((n, i) => `{"name":"${n}","type":${types[i]!.startsWith('[') || types[i]!.startsWith('{') ? types[i] : `"${types[i]}"`}}`).join(',')}]}`),
  );

/** Schemas past the limits, as text (fast-check would overflow printing a 5,000-deep value): deep nesting, many fields, a huge text. */
const oversized = fc.oneof(
  // Built as text: JSON.stringify itself overflows the stack on a value this deep.
  fc.integer({ min: 101, max: 5_000 }).map((depth) => `${'{"type":"array","items":'.repeat(depth)}"string"${'}'.repeat(depth)}`),
  fc.integer({ min: 4_097, max: 6_000 }).map((n) => JSON.stringify({ type: 'record', name: 'wide', fields: Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: 'int' })) })),
  fc.integer({ min: 300_000, max: 400_000 }).map((n) => JSON.stringify({ type: 'record', name: 'long', doc: 'x'.repeat(n), fields: [] })),
  fc.string({ maxLength: 40 }),
);

describe('fuzzing schemas posted to the registry', () => {
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const dir = await tempDir();
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const { app, url: at } = await startServer({ registry, status: async () => ({ ok: true }), host: '127.0.0.1', port: 0 });
    url = at;
    close = async () => {
      await app.close();
      await registry.close();
      await dir.remove();
    };
  });
  afterAll(async () => close?.());

  it('answers every generated schema with 200, 409 or 422, never 500, and /api/status answers between them', async () => {
    const statuses = new Map<number, number>();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 6, arbitrary: schema.map((v) => JSON.stringify(v) ?? 'null') }, { weight: 3, arbitrary: valid }, { weight: 1, arbitrary: oversized }), fc.integer({ min: 1, max: 400 }).map((n) => `s${n}`), async (text, subject) => {
        const body = JSON.stringify({ schema: text });
        const response = await fetch(`${url}/registry/subjects/${subject}-value/versions`, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body });
        const answer = (await response.json()) as { id?: number; error_code?: number; message?: string };
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect([200, 409, 413, 422], `${response.status} ${answer.message} for ${body.slice(0, 200)}`).toContain(response.status);
        if (response.status === 200) expect(answer.id).toBeGreaterThan(0);
        else expect(typeof answer.error_code === 'number' || response.status === 413).toBe(true);
        if (++n % 50 === 0) expect((await fetch(`${url}/api/status`)).status).toBe(200);
      }),
      { numRuns: 1_500 },
    );
    // The generator reached both sides: schemas taken and schemas refused.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(10);
  }, 120_000);

  it('answers random bodies that are not a schema request with 4xx, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), anyJson.map((v) => JSON.stringify(v))), fc.constantFrom('versions', '', 'versions/latest'), async (body, path) => {
        const response = await fetch(`${url}/registry/subjects/s4-value/${path}`, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body });
        await response.arrayBuffer();
        expect(response.status, body.slice(0, 200)).toBeGreaterThanOrEqual(400);
        expect(response.status, body.slice(0, 200)).toBeLessThan(500);
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});
