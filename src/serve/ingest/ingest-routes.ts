/**
 * POST /api/ingest/:topic — records from outside into a topic, through the running
 * process (sources/record-ingest.ts checks and writes them).
 *
 * Body: one JSON object, a JSON array of objects (`application/json`), or JSON lines
 * (`application/x-ndjson`, `application/jsonl`: one object per line; blank lines skipped).
 * Query: `key=<field>` (the field that keys each record), `time=<field>` (its event time:
 * milliseconds or an ISO date; default now), `partial=true` (write the good records of a
 * request with bad ones; default: all or nothing).
 *
 *   202 { accepted }                          every record is durable in the log
 *   400 { error, rejected: [{ index, field, message }], accepted }
 *                                             bad records (accepted: what `partial` wrote)
 *   404                                       the topic has no registered schema
 *   413                                       the body is over MAX_BODY_BYTES
 *   429 + Retry-After                         the log does not keep up (FD_INGEST_BUSY)
 *   503 + Retry-After                         the log or registry is away
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import type { IngestOptions, RecordIngest } from '../../sources/record-ingest.js';
import { apiErrorHandler } from '../api-errors.js';

/** The largest body taken, stated in the 413's message and the docs. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const JSON_LINES = ['application/x-ndjson', 'application/jsonl', 'application/json-lines'];

interface IngestQuery {
  key?: string;
  time?: string;
  partial?: string;
}

export const ingestRoutes: FastifyPluginAsync<{ ingest: RecordIngest }> = async (app: FastifyInstance, { ingest }) => {
  app.setErrorHandler(async (error, request, reply) => {
    if ((error as { statusCode?: number }).statusCode === 413) {
      return reply.code(413).send({ error: { code: 'FD_ARGUMENT_INVALID', message: `the body is over ${MAX_BODY_BYTES} bytes; send the records in several requests` } });
    }
    return apiErrorHandler(error as Error, request, reply);
  });
  // JSON lines arrive as text and are parsed here, line by line, so a bad line is named by its number.
  app.addContentTypeParser(JSON_LINES, { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => done(null, { jsonLines: body as string }));

  app.post<{ Params: { topic: string }; Querystring: IngestQuery }>('/:topic', { bodyLimit: MAX_BODY_BYTES }, async (request, reply) => {
    const options = ingestOptions(request.query);
    const records = recordsOf(request.body);
    try {
      const outcome = await ingest.ingest(request.params.topic, records, options);
      if (outcome.rejected.length > 0) {
        const first = outcome.rejected[0]!;
        return reply.code(400).send({
          error: {
            code: 'FD_RECORD_INVALID',
            message: `record ${first.index}: ${first.message}${outcome.rejected.length > 1 ? ` (${outcome.rejected.length} records are bad)` : ''}; ${
              options.partial ? `the ${outcome.accepted} good records were written` : 'nothing was written (add partial=true to write the good ones)'
            }`,
            field: first.field,
          },
          rejected: outcome.rejected,
          accepted: outcome.accepted,
        });
      }
      return reply.code(202).send({ accepted: outcome.accepted });
    } catch (error) {
      return retryLater(reply, error) ?? Promise.reject(error);
    }
  });
};

/** 429 or 503 with Retry-After for what passes; undefined for the rest. */
function retryLater(reply: FastifyReply, error: unknown): FastifyReply | undefined {
  if (!isFastdataError(error) || !error.retriable) return undefined;
  const busy = error.code === 'FD_INGEST_BUSY';
  return reply
    .code(busy ? 429 : 503)
    .header('retry-after', busy ? '1' : '5')
    .send({ error: { code: error.code, message: errorMessage(error) } });
}

function ingestOptions(query: IngestQuery): IngestOptions {
  const field = (name: 'key' | 'time') => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value)) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `${name}: ${JSON.stringify(value)} is not a field name; give the record field that holds the ${name === 'key' ? 'key' : 'event time'}, e.g. ${name}=${name === 'key' ? 'sensorId' : 'ts'}`, {
        context: { field: name },
      });
    }
    return value;
  };
  if (query.partial !== undefined && query.partial !== 'true' && query.partial !== 'false') {
    throw new FastdataError('FD_ARGUMENT_INVALID', `partial: ${JSON.stringify(query.partial)} must be true or false`, { context: { field: 'partial' } });
  }
  const key = field('key');
  const time = field('time');
  return { ...(key ? { key } : {}), ...(time ? { time } : {}), partial: query.partial === 'true' };
}

/** The records of a body: an object, an array of them, or JSON lines. */
function recordsOf(body: unknown): unknown[] {
  if (body !== null && typeof body === 'object' && 'jsonLines' in body) {
    const records: unknown[] = [];
    const lines = (body as { jsonLines: string }).jsonLines.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line));
      } catch (error) {
        throw new FastdataError('FD_ARGUMENT_INVALID', `line ${i + 1} of the JSON lines is not JSON (${errorMessage(error)}); nothing was written`, { context: { field: `line ${i + 1}` } });
      }
    });
    return records;
  }
  if (body === undefined || body === null) throw new FastdataError('FD_ARGUMENT_INVALID', 'the body is empty: send a JSON object, a JSON array of objects, or JSON lines (content-type application/x-ndjson)');
  return Array.isArray(body) ? body : [body];
}
