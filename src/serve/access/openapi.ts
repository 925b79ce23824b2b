/**
 * The OpenAPI 3.1 document of the access layer, generated from the outputs and their
 * registered Avro schemas (Avro to JSON Schema), so every output's REST API is described
 * with its record type; and a docs page (Swagger UI from swagger-ui-dist, served locally).
 *
 * One odd output never takes the document down: an output whose subject was deleted, or
 * whose latest schema cannot be described, keeps its paths, with its value described as
 * any JSON value and a note saying why (the document answered 500 until a restart before).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../errors.js';
import { avroToJsonSchema, type JsonSchema } from '../../schema/avro-json-schema.js';
import type { AccessLayer, OutputInfo } from './access-layer.js';

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, required: ['code', 'message'] } },
};

function recordOf(valueRef: string) {
  return {
    type: 'object',
    properties: {
      topic: { type: 'string' },
      partition: { type: 'integer' },
      offset: { type: 'integer' },
      timestamp: { type: 'integer', description: 'milliseconds since the epoch' },
      key: { type: ['string', 'null'] },
      value: { $ref: valueRef },
    },
    required: ['topic', 'partition', 'offset', 'timestamp', 'key', 'value'],
  };
}

const timeParam = (name: string, description: string) => ({ name, in: 'query', schema: { type: 'string' }, description });
const errors = { '400': { description: 'bad input; the message names the parameter', content: { 'application/json': { schema: errorSchema } } }, '404': { description: 'unknown topic or key', content: { 'application/json': { schema: errorSchema } } } };

/** An output's value as JSON Schema, with its definitions and schema version; a note instead when its schema cannot be described. */
async function valueSchemaOf(access: AccessLayer, output: OutputInfo): Promise<{ value: JsonSchema | object; defs: Record<string, JsonSchema>; version: string }> {
  try {
    const { avro, version } = await access.schema(output.topic);
    // A primitive schema ("string") comes back as a JSON string, which avroToJsonSchema would read as schema text.
    const input = typeof avro === 'string' ? JSON.stringify(avro) : avro;
    const json = avroToJsonSchema(input, { refPrefix: '#/components/schemas/' });
    const { $defs, ...value } = json as JsonSchema & { $defs?: Record<string, JsonSchema> };
    return { value, defs: $defs ?? {}, version: `schema version ${version}` };
  } catch (error) {
    const note = `the schema of ${output.topic} (subject ${output.subject}) cannot be read or described: ${errorMessage(error)}; its records are shown as any JSON value`;
    return { value: { description: note }, defs: {}, version: note };
  }
}

export async function openApiDocument(access: AccessLayer): Promise<Record<string, unknown>> {
  const schemas: Record<string, JsonSchema | object> = {};
  const paths: Record<string, unknown> = {};
  for (const output of await access.outputs()) {
    const name = output.topic.replace(/[^A-Za-z0-9_.-]/g, '_');
    const { value, defs, version } = await valueSchemaOf(access, output);
    Object.assign(schemas, defs);
    schemas[name] = value;
    const ref = `#/components/schemas/${name}`;
    const base = `/api/outputs/${output.topic}`;
    const tag = output.topic;
    const record = recordOf(ref);
    paths[`${base}/latest`] = {
      get: {
        tags: [tag],
        summary: `Latest record of every key of ${output.topic}`,
        description: `Written by module ${output.module} from ${output.inputs.join(', ')} (${version}).\n\n${output.doc}`,
        parameters: [{ name: 'prefix', in: 'query', schema: { type: 'string' } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 } }],
        responses: { '200': { description: 'records sorted by key', content: { 'application/json': { schema: { type: 'object', properties: { total: { type: 'integer' }, records: { type: 'array', items: record } } } } } }, ...errors },
      },
    };
    paths[`${base}/latest/{key}`] = {
      get: { tags: [tag], summary: `One key's latest record`, parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the record', content: { 'application/json': { schema: record } } }, ...errors } },
    };
    paths[`${base}/records`] = {
      get: {
        tags: [tag],
        summary: 'A time range from the log, paged',
        parameters: [
          timeParam('from', 'epoch ms, ISO time, or -15m (back from now); default -1h'),
          timeParam('to', 'exclusive; default now'),
          { name: 'key', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 500 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'the `next` of the previous page' },
        ],
        responses: { '200': { description: 'records in time order', content: { 'application/json': { schema: { type: 'object', properties: { records: { type: 'array', items: record }, next: { type: ['string', 'null'] } } } } } }, ...errors },
      },
    };
    paths[`${base}/export`] = {
      get: {
        tags: [tag],
        summary: 'A time range as a file: JSON lines, CSV or an Avro object container',
        parameters: [timeParam('from', 'as for /records'), timeParam('to', 'as for /records'), { name: 'key', in: 'query', schema: { type: 'string' } }, { name: 'format', in: 'query', schema: { type: 'string', enum: ['jsonl', 'csv', 'avro'], default: 'jsonl' } }],
        responses: { '200': { description: 'the file', content: { 'application/x-ndjson': {}, 'text/csv': {}, 'application/avro': {} } }, ...errors },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'fastdata outputs', version: '1', description: 'REST access to every output topic. Live updates: WebSocket at /ws (docs/websocket.md).' },
    paths: { '/api/outputs': { get: { summary: 'Outputs with their lineage', responses: { '200': { description: 'the outputs' } } } }, ...paths },
    components: { schemas },
  };
}

/** Where swagger-ui-dist is installed, found as Node finds the package. */
const swaggerDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

export function openApiRoutes(app: FastifyInstance, access: AccessLayer): void {
  app.get('/api/openapi.json', async () => openApiDocument(access));
  const dir = swaggerDir();
  for (const [file, type] of [
    ['swagger-ui-bundle.js', 'application/javascript'],
    ['swagger-ui.css', 'text/css'],
  ] as const) {
    app.get(`/api/docs/${file}`, async (_request, reply) => reply.type(type).header('cache-control', 'max-age=3600').send(readFileSync(join(dir, file))));
  }
  app.get('/api/docs', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html><head><meta charset="utf-8"><title>fastdata outputs: API</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script nonce="${reply.cspNonce.script}">SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui' });</script></body></html>`),
  );
}
