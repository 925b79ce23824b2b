/**
 * REST for every output topic, under /api/outputs:
 *
 *   GET /api/outputs                         outputs with lineage (module, inputs, doc)
 *   GET /api/outputs/:topic                  one output with its registered schema
 *   GET /api/outputs/:topic/latest           latest record of every key (?prefix, ?limit)
 *   GET /api/outputs/:topic/latest/:key      one key's latest record
 *   GET /api/outputs/:topic/records          a time range from the log, paged (?from, ?to, ?key, ?limit, ?cursor)
 *   GET /api/outputs/:topic/export           the same range as a file: ?format=jsonl|csv|avro (export-route.ts)
 *
 * Errors are JSON `{ error: { code, message, field } }`: 400 for bad input (the message
 * names the parameter and the fix), 404 for an unknown topic or key. Every query parameter
 * is range-checked (query-params.ts): given once, not empty, times within the years 0000 to
 * 9999, limits from 1 to a stated maximum.
 */
import type { FastifyPluginAsync } from 'fastify';
import { FastdataError } from '../../errors.js';
import { apiErrorHandler } from '../api-errors.js';
import type { AccessLayer } from './access-layer.js';
import { exportRoute } from './export-route.js';
import { encodeCursor, parseCursor, parseKey, parseLimit, parseTime } from './query-params.js';
import { toJsonValue } from '../../schema/avro-json-schema.js';
import type { ViewRecord } from './view-record.js';

/** A record as JSON: bytes and decimals as base64 (what the OpenAPI schema says). */
const json = (record: ViewRecord) => ({ ...record, value: toJsonValue(record.value) });

export interface OutputRoutesOptions {
  access: AccessLayer;
  now?: () => number;
}

type TopicParams = { topic: string };
/** As fastify parses a query string: a parameter given twice is an array (query-params.ts refuses it). */
type Query = Record<string, string | string[] | undefined>;

export const outputRoutes: FastifyPluginAsync<OutputRoutesOptions> = async (app, options) => {
  const { access } = options;
  const now = options.now ?? Date.now;

  app.setErrorHandler(apiErrorHandler);

  app.get('/', async () => ({ outputs: await access.outputs() }));

  app.get<{ Params: TopicParams }>('/:topic', async (request) => {
    const output = await access.output(request.params.topic);
    return { ...output, schema: await access.schema(output.topic) };
  });

  app.get<{ Params: TopicParams; Querystring: Query }>('/:topic/latest', async (request) => {
    const limit = parseLimit('limit', request.query.limit, 1_000, 100_000);
    const prefix = parseKey('prefix', request.query.prefix);
    const view = await access.view(request.params.topic);
    const { records, total } = view.latest({ limit, ...(prefix ? { prefix } : {}) });
    return { total, records: records.map(json) };
  });

  app.get<{ Params: TopicParams & { key: string } }>('/:topic/latest/:key', async (request) => {
    const key = parseKey('key', request.params.key)!;
    // The result store (a Cassandra sink's table) first, then the live view of the log.
    const record = await access.latestOf(request.params.topic, key);
    if (!record) {
      const view = await access.view(request.params.topic);
      throw new FastdataError('FD_KEY_NOT_FOUND', `${request.params.topic} has no record with key ${JSON.stringify(key)} (it has ${view.latest().total} keys; GET .../latest lists them)`, {
        context: { field: 'key', topic: request.params.topic },
      });
    }
    return json(record);
  });

  app.get<{ Params: TopicParams; Querystring: Query }>('/:topic/records', async (request) => {
    const q = request.query;
    const t = now();
    const from = parseTime('from', q.from, t) ?? t - 3_600_000;
    const to = parseTime('to', q.to, t) ?? t + 1;
    if (from >= to) throw new FastdataError('FD_ARGUMENT_INVALID', `from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`, { context: { field: 'from' } });
    const limit = parseLimit('limit', q.limit, 500, 10_000);
    const key = parseKey('key', q.key);
    const cursor = parseCursor(q.cursor);
    const page = await access.range(request.params.topic, { from, to, limit, ...(key ? { key } : {}), ...(cursor ? { cursor } : {}) });
    return { from, to, records: page.records.map(json), next: page.next ? encodeCursor(page.next) : null };
  });

  exportRoute(app, access, now);
};
