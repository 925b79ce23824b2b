/**
 * /api/openapi.json when the registry holds something odd for one output, from the
 * issue's reproduction: an unauthenticated client deleted `<output>-value` for good, or
 * registered the version `"string"` under it. The document used to answer 500 until a
 * restart; it now describes that output with a note (its records as any JSON value) and
 * every other output as before. Deletes of a subject an output uses are refused (42206).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineStream } from '../../../src/stream/define.js';
import { openApiDocument } from '../../../src/serve/access/openapi.js';
import { outputSubjectsInUse, registryRoutes } from '../../../src/serve/registry-routes.js';
import { type AccessServer, startAccessServer } from '../../helpers/access-server.js';
import Fastify from 'fastify';

const schema = (name: string) => ({ type: 'record', name, namespace: 'odd', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }] });
const moduleFor = (topic: string, name: string) =>
  defineStream<{ in: { id: string } }, { id: string }>({
    name,
    inputs: { in: 'odd.in' },
    output: { topic, schema: schema(name.replace(/-/g, '_')), key: (v) => v.id },
    pipeline: ({ in: input }) => input,
  });

describe('OpenAPI document with an odd subject', () => {
  let server: AccessServer;
  beforeEach(async () => {
    server = await startAccessServer({
      modules: [moduleFor('odd.stats', 'odd-stats'), moduleFor('odd.good', 'odd-good')],
      topics: [
        { name: 'odd.stats', partitions: 1, schema: schema('odd_stats') },
        { name: 'odd.good', partitions: 1, schema: schema('odd_good') },
      ],
    });
  });
  afterEach(async () => server?.close());

  const openapi = async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('still answers 200 after the subject of an output is deleted for good, describing that output with a note', async () => {
    await server.registry.deleteSubject('odd.stats-value');
    await server.registry.deleteSubject('odd.stats-value', { permanent: true });
    const { status, body } = await openapi();
    expect(status).toBe(200);
    expect(body.components.schemas['odd.good'].required).toEqual(['id', 'n']);
    expect(body.paths['/api/outputs/odd.good/latest']).toBeDefined();
    // The odd output is still listed, its value described as unknown, and the reason given.
    expect(body.paths['/api/outputs/odd.stats/latest'].get.description).toMatch(/schema.*odd\.stats-value.*cannot be (read|described)/i);
    expect(body.components.schemas['odd.stats']).toMatchObject({ description: expect.stringMatching(/odd\.stats-value/) });
  });

  it('still answers 200 when the latest version of an output subject is "string"', async () => {
    await server.registry.setCompatibility('NONE', 'odd.stats-value');
    await server.registry.register('odd.stats-value', '"string"');
    const { status, body } = await openapi();
    expect(status).toBe(200);
    expect(body.components.schemas['odd.good'].required).toEqual(['id', 'n']);
    expect(body.paths['/api/outputs/odd.stats/latest']).toBeDefined();
  });

  it('never throws for any single output: the document is built output by output', async () => {
    await server.registry.deleteSubject('odd.good-value');
    const document = await openApiDocument(server.access);
    expect(Object.keys(document.paths as object)).toEqual(expect.arrayContaining(['/api/outputs/odd.stats/latest', '/api/outputs/odd.good/latest']));
  });

  it('refuses deletes of a subject a running output uses (422, 42206), soft or permanent, and of its versions', async () => {
    const app = Fastify();
    await app.register(registryRoutes, { registry: server.registry, prefix: '/registry', inUse: outputSubjectsInUse(server.access) });
    for (const url of ['/registry/subjects/odd.stats-value', '/registry/subjects/odd.stats-value?permanent=true', '/registry/subjects/odd.stats-value/versions/1', '/registry/subjects/odd.stats-value/versions/latest']) {
      const response = await app.inject({ method: 'DELETE', url });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 422 });
      expect(response.json()).toEqual({ error_code: 42206, message: expect.stringContaining('in use by the output odd.stats of module odd-stats') });
    }
    expect(await server.registry.listVersions('odd.stats-value')).toEqual([1]);
    // A subject no output uses is deleted as before.
    await server.registry.register('scratch-value', schema('scratch'));
    expect((await app.inject({ method: 'DELETE', url: '/registry/subjects/scratch-value' })).statusCode).toBe(200);
    await app.close();
  });
});
