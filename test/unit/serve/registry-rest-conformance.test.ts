/**
 * The Confluent REST API of the embedded registry, served by fastdata's HTTP server: the
 * shared REST conformance suite (also run against Apicurio, test/integration/registry-conformance.test.ts),
 * then what only the embedded registry promises: a clear 422 for a query boolean that is
 * neither true nor false, the listings Apicurio lacks, and the mode routes.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalText } from '../../../src/schema/avro.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { startServer } from '../../../src/serve/server.js';
import { describeRegistryRestConformance } from '../../conformance/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { readingV1, readingV2 } from '../schema/fixtures.js';

async function serveEmbedded(): Promise<{ registry: EmbeddedSchemaRegistry; app: FastifyInstance; url: string; close: () => Promise<void> }> {
  const dir = await tempDir();
  const registry = await EmbeddedSchemaRegistry.open(dir.path);
  const { app, url } = await startServer({ registry, status: async () => ({}), host: '127.0.0.1', port: 0 });
  return { registry, app, url: `${url}/registry`, close: async () => (await app.close(), await registry.close(), await dir.remove()) };
}

describeRegistryRestConformance('embedded', serveEmbedded);

describe('registry REST (embedded only)', () => {
  let server: Awaited<ReturnType<typeof serveEmbedded>>;
  beforeAll(async () => {
    server = await serveEmbedded();
  });
  afterAll(async () => server?.close());

  async function rest(method: string, path: string, options: { body?: unknown; contentType?: string } = {}): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (options.contentType !== undefined || options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/vnd.schemaregistry.v1+json';
    const response = await fetch(`${server.url}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }
  const error = (code: number, text: string) => ({ error_code: code, message: expect.stringContaining(text) });

  /** Subject `name` with versions 1 and 2, version 2 soft-deleted. */
  async function withDeletedVersion(name: string): Promise<void> {
    await server.registry.register(name, readingV1);
    await server.registry.register(name, readingV2);
    await server.registry.deleteVersion(name, 2);
  }

  it('refuses a query boolean that is neither true nor false with 422 naming the parameter, and changes nothing', async () => {
    await withDeletedVersion('odd-flags-value');
    expect(await rest('GET', '/subjects/odd-flags-value/versions?deleted=yes')).toEqual({ status: 422, body: error(422, 'query parameter deleted=yes is not a boolean: use true or false') });
    expect(await rest('DELETE', '/subjects/odd-flags-value/versions/2?permanent=1')).toEqual({ status: 422, body: error(422, 'permanent=1') });
    expect(await rest('POST', '/compatibility/subjects/odd-flags-value/versions?verbose=ja', { body: { schema: JSON.stringify(readingV1) } })).toMatchObject({ status: 422, body: error(422, 'verbose=ja') });
    expect(await server.registry.listVersions('odd-flags-value', { deleted: true })).toEqual([1, 2]);
    // As JAX-RS reads them: an empty value is false, and of a repeated parameter the first counts.
    expect(await rest('GET', '/subjects/odd-flags-value/versions?deleted=')).toEqual({ status: 200, body: [1] });
    expect(await rest('GET', '/subjects/odd-flags-value/versions?deleted=TrUe&deleted=false')).toEqual({ status: 200, body: [1, 2] });
    // A parameter the route does not take is ignored, as Confluent ignores it.
    expect(await rest('GET', '/subjects/odd-flags-value/versions?permanent=yes')).toEqual({ status: 200, body: [1] });
  });

  it('lists only deleted versions and subjects, deleted versions as negative numbers, by prefix and by page', async () => {
    await withDeletedVersion('paged.a-value');
    await server.registry.register('paged.b-value', readingV1);
    await server.registry.register('paged.c-value', readingV1);
    await server.registry.deleteSubject('paged.c-value');
    expect(await rest('GET', '/subjects/paged.a-value/versions?deletedOnly=true')).toEqual({ status: 200, body: [2] });
    expect(await rest('GET', '/subjects/paged.a-value/versions?deletedAsNegative=true')).toEqual({ status: 200, body: [1, -2] });
    expect(await rest('GET', '/subjects?subjectPrefix=paged.')).toEqual({ status: 200, body: ['paged.a-value', 'paged.b-value'] });
    expect(await rest('GET', '/subjects?subjectPrefix=paged.&deleted=true')).toEqual({ status: 200, body: ['paged.a-value', 'paged.b-value', 'paged.c-value'] });
    expect(await rest('GET', '/subjects?subjectPrefix=paged.&deletedOnly=true')).toEqual({ status: 200, body: ['paged.c-value'] });
    expect(await rest('GET', '/subjects?subjectPrefix=paged.&deleted=true&offset=1&limit=1')).toEqual({ status: 200, body: ['paged.b-value'] });
    expect(await rest('GET', '/subjects?subjectPrefix=paged.&offset=1&limit=-1')).toEqual({ status: 200, body: ['paged.b-value'] });
    expect(await rest('GET', '/subjects?offset=-1')).toMatchObject({ status: 422, body: error(422, 'querystring/offset must be >= 0') });
  });

  it('serves the subjects and the bare schema of an id, and refers to a missing version with 40402', async () => {
    await withDeletedVersion('ids.a-value');
    await server.registry.register('ids.b-value', readingV2);
    const id2 = (await server.registry.getLatest('ids.b-value')).id;
    const ours = (body: unknown) => (body as string[]).filter((subject) => subject.startsWith('ids.'));
    expect(ours((await rest('GET', `/schemas/ids/${id2}/subjects`)).body)).toEqual(['ids.b-value']);
    expect(ours((await rest('GET', `/schemas/ids/${id2}/subjects?deleted=true`)).body)).toEqual(['ids.a-value', 'ids.b-value']);
    expect(await rest('GET', `/schemas/ids/${id2}/schema`)).toEqual({ status: 200, body: JSON.parse(canonicalText(readingV2)) });
    expect(await rest('GET', '/subjects/ids.a-value/versions/9/referencedby')).toMatchObject({ status: 404, body: error(40402, 'has no version 9') });
  });

  it('has one mode, READWRITE, and no subject modes; setting another is refused', async () => {
    expect(await rest('GET', '/mode')).toEqual({ status: 200, body: { mode: 'READWRITE' } });
    expect(await rest('GET', '/mode/any-value')).toEqual({ status: 404, body: error(40409, "Subject 'any-value' does not have subject-level mode configured") });
    expect(await rest('GET', '/mode/any-value?defaultToGlobal=True')).toEqual({ status: 200, body: { mode: 'READWRITE' } });
    expect(await rest('PUT', '/mode?force=False', { body: { mode: 'readwrite' } })).toEqual({ status: 200, body: { mode: 'READWRITE' } });
    expect(await rest('PUT', '/mode', { body: { mode: 'IMPORT' } })).toEqual({ status: 422, body: error(42205, 'cannot be changed to IMPORT') });
    expect(await rest('PUT', '/mode', { body: { mode: 'SIDEWAYS' } })).toEqual({ status: 422, body: error(42204, "Invalid mode 'SIDEWAYS'") });
  });

  it('takes an empty body under a JSON content type as no body: 422 where a body is needed, not 400', async () => {
    expect(await rest('POST', '/subjects/empty-value/versions', { contentType: 'application/json' })).toMatchObject({ status: 422, body: error(422, 'body must be object') });
    expect(await rest('PUT', '/config', { contentType: 'application/vnd.schemaregistry.v1+json' })).toMatchObject({ status: 422, body: error(422, 'body must be object') });
  });
});
