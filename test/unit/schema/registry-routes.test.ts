import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalText } from '../../../src/schema/avro.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import type { AdminSchemaRegistry } from '../../../src/schema/types.js';
import { CONFLUENT_CONTENT_TYPE, registryRoutes } from '../../../src/serve/registry-routes.js';
import { readingV1, readingV2, sensorReading, tempDirs } from './fixtures.js';

const dirs = tempDirs();
let registry: EmbeddedSchemaRegistry;
let app: FastifyInstance;

async function serve(over: AdminSchemaRegistry): Promise<FastifyInstance> {
  const server = Fastify();
  await server.register(registryRoutes, { registry: over, prefix: '/registry' });
  await server.ready();
  return server;
}

beforeEach(async () => {
  registry = await EmbeddedSchemaRegistry.open(await dirs.make());
  app = await serve(registry);
});

afterEach(async () => {
  await app.close();
  await registry.close();
  await dirs.cleanup();
});

interface Answer {
  status: number;
  body: unknown;
  contentType: string | undefined;
}

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, contentType = CONFLUENT_CONTENT_TYPE): Promise<Answer> {
  const response = await app.inject({
    method,
    url: `/registry${url}`,
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': contentType } }),
  });
  const header = response.headers['content-type'];
  return { status: response.statusCode, body: response.body === '' ? undefined : (JSON.parse(response.body) as unknown), contentType: typeof header === 'string' ? header : undefined };
}

const subject = 'sensor.readings-value';
const schemaBody = (schema: unknown) => ({ schema: JSON.stringify(schema) });
const breaking = sensorReading([{ name: 'sensorId', type: 'string' }, { name: 'temperature', type: 'string' }]);
/** A Confluent error body with the code, and a message containing `text`. */
const confluentError = (code: number, text = '') => ({ error_code: code, message: expect.stringContaining(text) });

describe('registry REST: subjects and versions', () => {
  it('registers schemas and answers in the Confluent content type', async () => {
    const first = await call('POST', `/subjects/${subject}/versions`, schemaBody(readingV1));
    expect(first).toEqual({ status: 200, body: { id: 1 }, contentType: CONFLUENT_CONTENT_TYPE });
    // Plain application/json requests are accepted too.
    expect(await call('POST', `/subjects/${subject}/versions`, schemaBody(readingV2), 'application/json')).toMatchObject({ status: 200, body: { id: 2 } });
    expect(await call('POST', `/subjects/${subject}/versions`, { ...schemaBody(readingV1), schemaType: 'AVRO' })).toMatchObject({ body: { id: 1 } });
  });

  it('lists subjects and versions, and serves a version by number, latest or -1', async () => {
    await registry.register(subject, readingV1);
    await registry.register(subject, readingV2);
    expect((await call('GET', '/subjects')).body).toEqual([subject]);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
    const v1 = { subject, version: 1, id: 1, schema: canonicalText(readingV1) };
    expect(await call('GET', `/subjects/${subject}/versions/1`)).toMatchObject({ status: 200, body: v1 });
    expect((await call('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({ version: 2, id: 2 });
    expect((await call('GET', `/subjects/${subject}/versions/-1`)).body).toMatchObject({ version: 2 });
    expect((await call('GET', `/subjects/${subject}/versions/1/schema`)).body).toEqual(JSON.parse(canonicalText(readingV1)));
  });

  it('looks a schema up under a subject', async () => {
    await registry.register(subject, readingV1);
    expect(await call('POST', `/subjects/${subject}`, schemaBody(readingV1))).toMatchObject({
      status: 200,
      body: { subject, id: 1, version: 1, schema: canonicalText(readingV1) },
    });
    expect(await call('POST', `/subjects/${subject}`, schemaBody(readingV2))).toMatchObject({ status: 404, body: confluentError(40403, 'Schema not found') });
    expect(await call('POST', '/subjects/nope-value', schemaBody(readingV1))).toMatchObject({ status: 404, body: confluentError(40401, 'nope-value') });
  });

  it('serves schemas by id and the supported types', async () => {
    await registry.register(subject, readingV1);
    expect(await call('GET', '/schemas/ids/1')).toMatchObject({ status: 200, body: { schema: canonicalText(readingV1) } });
    expect(await call('GET', '/schemas/ids/99')).toMatchObject({ status: 404, body: confluentError(40403, 'no schema with id 99') });
    expect((await call('GET', '/schemas/types')).body).toEqual(['AVRO']);
    expect((await call('GET', '/')).body).toEqual({});
  });

  it('answers 40401 and 40402 for an unknown subject or version, 42202 for a bad version', async () => {
    await registry.register(subject, readingV1);
    expect(await call('GET', '/subjects/nope-value/versions')).toMatchObject({ status: 404, body: confluentError(40401, 'subject "nope-value" not found') });
    expect(await call('GET', '/subjects/nope-value/versions/latest')).toMatchObject({ status: 404, body: confluentError(40401) });
    expect(await call('GET', `/subjects/${subject}/versions/7`)).toMatchObject({ status: 404, body: confluentError(40402, 'has no version 7') });
    for (const bad of ['abc', '0', '1.5', '99999999999']) {
      expect(await call('GET', `/subjects/${subject}/versions/${bad}`)).toMatchObject({ status: 422, body: confluentError(42202, `'${bad}' is not a valid version`) });
    }
  });
});

describe('registry REST: refusals', () => {
  it('answers 409 for an incompatible schema, naming the field', async () => {
    await registry.register(subject, readingV1);
    const answer = await call('POST', `/subjects/${subject}/versions`, schemaBody(breaking));
    expect(answer).toMatchObject({ status: 409, body: confluentError(409, 'field SensorReading.temperature: writer type "double" cannot be read as "string"') });
  });

  it('answers 42201 for an invalid schema, another schema type, or references', async () => {
    expect(await call('POST', `/subjects/${subject}/versions`, { schema: '{"type":"record"' })).toMatchObject({ status: 422, body: confluentError(42201, 'not valid JSON') });
    expect(await call('POST', `/subjects/${subject}/versions`, schemaBody(sensorReading([{ name: 'a', type: 'strin' }])))).toMatchObject({
      status: 422,
      body: confluentError(42201, 'at field SensorReading.a'),
    });
    expect(await call('POST', `/subjects/${subject}/versions`, { ...schemaBody(readingV1), schemaType: 'PROTOBUF' })).toMatchObject({
      status: 422,
      body: confluentError(42201, 'schemaType PROTOBUF is not supported'),
    });
    expect(await call('POST', `/subjects/${subject}/versions`, { ...schemaBody(readingV1), references: [{ name: 'a', subject: 'b', version: 1 }] })).toMatchObject({
      status: 422,
      body: confluentError(42201, 'references are not supported'),
    });
  });

  it('validates bodies, naming the field; malformed JSON and other content types are 4xx', async () => {
    expect(await call('POST', `/subjects/${subject}/versions`, {})).toMatchObject({ status: 422, body: confluentError(422, "must have required property 'schema'") });
    expect(await call('POST', `/subjects/${subject}/versions`, { schema: { type: 'record' } })).toMatchObject({ status: 422, body: confluentError(422, 'body/schema must be string') });
    expect(await call('PUT', '/config', { compatibility: { level: 'FULL' } })).toMatchObject({ status: 422, body: confluentError(422, 'body/compatibility must be string') });
    // A number is a valid JSON text but not a schema.
    expect(await call('POST', `/subjects/${subject}/versions`, { schema: '42' })).toMatchObject({ status: 422, body: confluentError(42201, '42 is not a schema') });
    expect(await call('POST', `/subjects/${subject}/versions`, '{"schema": ')).toMatchObject({ status: 400, body: confluentError(400) });
    expect(await call('POST', `/subjects/${subject}/versions`, 'schema', 'text/plain')).toMatchObject({ status: 422, body: confluentError(422, 'body must be object') });
    expect(await call('POST', `/subjects/${subject}/versions`, '<schema/>', 'application/xml')).toMatchObject({ status: 415, body: confluentError(415) });
    expect(await call('GET', '/schemas/ids/abc')).toMatchObject({ status: 422, body: confluentError(422, 'params/id must be integer') });
  });

  it('answers 42205 when the registry is read-only', async () => {
    const reader = await EmbeddedSchemaRegistry.open(registry.dir, { readOnly: true });
    const readOnlyApp = await serve(reader);
    try {
      const response = await readOnlyApp.inject({ method: 'POST', url: `/registry/subjects/${subject}/versions`, payload: schemaBody(readingV1) });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual(confluentError(42205, 'open read-only'));
    } finally {
      await readOnlyApp.close();
      await reader.close();
    }
  });

  it('answers 50001 when the registry fails, and keeps serving', async () => {
    const failing = Object.create(registry) as AdminSchemaRegistry;
    failing.listSubjects = () => Promise.reject(new Error('disk on fire'));
    const failingApp = await serve(failing);
    try {
      const response = await failingApp.inject({ method: 'GET', url: '/registry/subjects' });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual(confluentError(50001, 'internal error: disk on fire'));
      expect((await failingApp.inject({ method: 'GET', url: '/registry/schemas/types' })).statusCode).toBe(200);
    } finally {
      await failingApp.close();
    }
  });
});

describe('registry REST: compatibility checks', () => {
  it('answers is_compatible, with messages when verbose', async () => {
    await registry.register(subject, readingV1);
    const url = `/compatibility/subjects/${subject}/versions/latest`;
    expect(await call('POST', url, schemaBody(readingV2))).toMatchObject({ status: 200, body: { is_compatible: true } });
    expect((await call('POST', url, schemaBody(breaking))).body).toEqual({ is_compatible: false });
    const verbose = await call('POST', `${url}?verbose=true`, schemaBody(breaking));
    expect(verbose.body).toEqual({ is_compatible: false, messages: [expect.stringContaining('field SensorReading.temperature')] });
    expect((await call('POST', `/compatibility/subjects/${subject}/versions/1`, schemaBody(readingV2))).body).toEqual({ is_compatible: true });
    expect((await call('POST', `/compatibility/subjects/${subject}/versions`, schemaBody(breaking))).body).toEqual({ is_compatible: false });
  });

  it('answers 40401, 40402 and 42202 for what it cannot check against', async () => {
    await registry.register(subject, readingV1);
    expect(await call('POST', '/compatibility/subjects/nope-value/versions/latest', schemaBody(readingV1))).toMatchObject({ status: 404, body: confluentError(40401) });
    expect(await call('POST', `/compatibility/subjects/${subject}/versions/3`, schemaBody(readingV1))).toMatchObject({ status: 404, body: confluentError(40402) });
    expect(await call('POST', `/compatibility/subjects/${subject}/versions/x`, schemaBody(readingV1))).toMatchObject({ status: 422, body: confluentError(42202) });
    // Nothing registered yet: any schema is compatible with "all versions".
    expect((await call('POST', '/compatibility/subjects/new-value/versions', schemaBody(readingV1))).body).toEqual({ is_compatible: true });
  });
});

describe('registry REST: config', () => {
  it('reads and sets the global level; 42203 for an unknown level', async () => {
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect(await call('PUT', '/config', { compatibility: 'full_transitive' })).toMatchObject({ status: 200, body: { compatibility: 'FULL_TRANSITIVE' } });
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
    expect(await call('PUT', '/config', { compatibility: 'SIDEWAYS' })).toMatchObject({ status: 422, body: confluentError(42203, "Invalid compatibility level 'SIDEWAYS'") });
    expect(await call('PUT', '/config', {})).toMatchObject({ status: 422, body: confluentError(422, 'compatibility') });
  });

  it('answers 40408 for a subject without its own level unless defaultToGlobal=true', async () => {
    await registry.register(subject, readingV1);
    expect(await call('GET', `/config/${subject}`)).toMatchObject({ status: 404, body: confluentError(40408, `Subject '${subject}' does not have subject-level compatibility configured`) });
    expect((await call('GET', `/config/${subject}?defaultToGlobal=true`)).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call('PUT', `/config/${subject}`, { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
    expect((await call('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });
    expect(await call('POST', `/subjects/${subject}/versions`, schemaBody(breaking))).toMatchObject({ status: 200, body: { id: 2 } });
    expect((await call('DELETE', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });
    expect(await call('DELETE', `/config/${subject}`)).toMatchObject({ status: 404, body: confluentError(40408) });
    expect(await call('PUT', `/config/${subject}`, { compatibility: 'LOOSE' })).toMatchObject({ status: 422, body: confluentError(42203) });
  });
});

describe('registry REST: deletes', () => {
  it('soft-deletes and then permanently deletes versions and subjects, with Confluent codes 40404-40407', async () => {
    await registry.register(subject, readingV1);
    await registry.register(subject, readingV2);
    expect(await call('DELETE', `/subjects/${subject}/versions/1?permanent=true`)).toMatchObject({ status: 404, body: confluentError(40407, 'not soft deleted first') });
    expect(await call('DELETE', `/subjects/${subject}/versions/2`)).toMatchObject({ status: 200, body: 2 });
    expect(await call('DELETE', `/subjects/${subject}/versions/2`)).toMatchObject({ status: 404, body: confluentError(40406, 'soft deleted already') });
    expect((await call('DELETE', `/subjects/${subject}/versions/2?permanent=true`)).body).toBe(2);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
    expect(await call('DELETE', `/subjects/${subject}?permanent=true`)).toMatchObject({ status: 404, body: confluentError(40405) });
    expect((await call('DELETE', `/subjects/${subject}`)).body).toEqual([1]);
    expect(await call('DELETE', `/subjects/${subject}`)).toMatchObject({ status: 404, body: confluentError(40404) });
    expect((await call('GET', '/subjects')).body).toEqual([]);
    // The schema of a deleted version still resolves by id: old records stay readable.
    expect((await call('GET', '/schemas/ids/1')).status).toBe(200);
    expect(await call('DELETE', '/subjects/nope-value')).toMatchObject({ status: 404, body: confluentError(40401) });
  });
});
