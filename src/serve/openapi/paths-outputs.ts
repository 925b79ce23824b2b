/**
 * The outputs' REST routes (access/output-routes.ts, access/export-route.ts), in their
 * general form: `{topic}` is any output. The document adds each running output's own paths
 * with its record type beside these (output-paths.ts).
 */
import { EXPORT_FORMATS } from '../export-formats.js';
import { cursorParam, errors, json, keyParam, limitParam, pathParam, query, recordSchema, timeParam, topicParam, type Operation } from './common.js';

const tags = ['outputs'];
const outputInfo = {
  type: 'object',
  required: ['topic', 'module', 'doc', 'inputs', 'partitions', 'subject'],
  properties: {
    topic: { type: 'string' },
    module: { type: 'string', description: 'the module that writes it' },
    doc: { type: 'string', description: "the module's documentation (markdown)" },
    inputs: { type: 'array', items: { type: 'string' }, description: 'the topics it is computed from' },
    partitions: { type: 'integer' },
    subject: { type: 'string', description: 'its value subject in the schema registry' },
  },
};
const record = recordSchema({ description: "the record's value as JSON (bytes and decimals as base64); the output's own path in this document gives its type" });

/** Ranges of the outputs' query parameters, as output-routes.ts checks them. */
export const OUTPUT_LIMITS = { latest: { fallback: 1_000, max: 100_000 }, records: { fallback: 500, max: 10_000 } };

export const rangeParams = () => [timeParam('from', 'the first time (inclusive); default -1h'), timeParam('to', 'the end (exclusive); default now'), keyParam('key', 'only this key')];

export const outputOperations: Record<string, Operation> = {
  'GET /api/outputs': { tags, summary: 'Every output, with its lineage (module, inputs, doc)', responses: { '200': json('the outputs', { type: 'object', properties: { outputs: { type: 'array', items: outputInfo } } }) } },
  'GET /api/outputs/{topic}': {
    tags,
    summary: 'One output with its registered schema',
    parameters: [topicParam('an output topic')],
    responses: {
      '200': json('the output and the latest version of its value schema', { ...outputInfo, properties: { ...outputInfo.properties, schema: { type: 'object', properties: { subject: { type: 'string' }, id: { type: 'integer' }, version: { type: 'integer' }, avro: { type: 'object', description: 'the Avro schema' } } } } }),
      ...errors(400, 404),
    },
  },
  'GET /api/outputs/{topic}/latest': {
    tags,
    summary: 'The latest record of every key',
    parameters: [topicParam('an output topic'), keyParam('prefix', 'only keys that start with this'), limitParam(OUTPUT_LIMITS.latest.fallback, OUTPUT_LIMITS.latest.max, 'keys')],
    responses: { '200': json('records sorted by key, and how many keys match', { type: 'object', properties: { total: { type: 'integer' }, records: { type: 'array', items: record } } }), ...errors(400, 404) },
  },
  'GET /api/outputs/{topic}/latest/{key}': {
    tags,
    summary: "One key's latest record (from the result store when a sink has one, else the log)",
    parameters: [topicParam('an output topic'), pathParam('key', '1 to 1024 characters, no control characters', { type: 'string', minLength: 1, maxLength: 1024 })],
    responses: { '200': json('the record', record), ...errors(400, [404, 'unknown topic, or no record with that key']) },
  },
  'GET /api/outputs/{topic}/records': {
    tags,
    summary: 'A time range from the log, in time order, paged',
    parameters: [topicParam('an output topic'), ...rangeParams(), limitParam(OUTPUT_LIMITS.records.fallback, OUTPUT_LIMITS.records.max), cursorParam],
    responses: {
      '200': json('one page; `next` is the cursor of the following page, null at the end', { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' }, records: { type: 'array', items: record }, next: { type: ['string', 'null'] } } }),
      ...errors(400, 404),
    },
  },
  'GET /api/outputs/{topic}/export': {
    tags,
    summary: 'A time range as a file: JSON lines, CSV (a column per field) or an Avro object container',
    description: 'Streamed page by page; at most 1,000,000 records. With server.rateLimit.exports, exports have a budget of their own.',
    parameters: [topicParam('an output topic'), ...rangeParams(), query('format', { type: 'string', enum: [...EXPORT_FORMATS], default: 'jsonl' })],
    responses: {
      '200': { description: 'the file (Content-Disposition: attachment)', content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } }, 'application/avro': { schema: { type: 'string', contentEncoding: 'binary' } } } },
      ...errors(400, 404),
    },
  },
};
