/** POST /api/ingest/{topic} (ingest/ingest-routes.ts): records from outside into a topic. */
import { MAX_BODY_BYTES } from '../ingest/ingest-routes.js';
import { errors, json, query, topicParam, type Operation } from './common.js';

const FIELD = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' };
const records = { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] };

export const ingestOperations: Record<string, Operation> = {
  'POST /api/ingest/{topic}': {
    tags: ['ingest'],
    summary: 'Write records into a topic, checked against its registered schema',
    description: `All or nothing unless partial=true. The body is at most ${MAX_BODY_BYTES} bytes.`,
    parameters: [
      topicParam('a topic with a registered value schema'),
      query('key', FIELD, 'the record field that keys each record'),
      query('time', FIELD, "the record field that holds its event time (ms or an ISO date); default: now"),
      query('partial', { type: 'string', enum: ['true', 'false'], default: 'false' }, 'write the good records of a request that has bad ones'),
    ],
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: records, example: { sensorId: 's-1', ts: 1796549530000, temperature: 21.5 } },
        'application/x-ndjson': { schema: { type: 'string', description: 'one JSON object per line; blank lines skipped' } },
        'application/jsonl': { schema: { type: 'string' } },
      },
    },
    responses: {
      '202': json('every record is durable in the log', { type: 'object', properties: { accepted: { type: 'integer' } } }),
      '400': {
        description: 'bad records (or a bad parameter): each rejected record with its index, field and message; `accepted` is what partial=true wrote',
        content: { 'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } } } }, accepted: { type: 'integer' } } }] } } },
      },
      ...errors([404, 'the topic has no registered schema'], 413, [429, 'the log does not keep up (FD_INGEST_BUSY), or too many requests from this client'], 503),
    },
  },
};
