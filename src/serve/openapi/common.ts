/**
 * Pieces every part of the OpenAPI document uses: the API's error shape and the answers
 * that carry it, the security schemes (a bearer token, or the session cookie a page gets
 * from POST /api/session), and parameters with the ranges access/query-params.ts enforces.
 */
import { MAX_CURSOR_LENGTH, MAX_KEY_LENGTH } from '../access/query-params.js';
import { SESSION_COOKIE } from '../guard/request-guard.js';

export type Json = Record<string, unknown>;

/** One route's documentation: an OpenAPI operation object without its security, which comes from guard/scopes.ts. */
export interface Operation extends Json {
  summary: string;
  tags: string[];
}

/** `{ error: { code, message, field } }`: every JSON route's error answer (api-errors.ts, the guard, the rate limit). */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'an FD_ code of docs/errors.md', examples: ['FD_ARGUMENT_INVALID'] },
        message: { type: 'string', description: 'what is wrong, naming the parameter or field, and the fix' },
        field: { type: 'string', description: 'the parameter or body field at fault, when one is' },
      },
    },
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'bad input: the message names the parameter or field and the fix',
  401: 'no token, or not one of this server\'s (server.tokens); WWW-Authenticate: Bearer',
  403: 'a token of too small a scope, a Host header that does not name this server, or a state-changing request from another site\'s page',
  404: 'not found: the message names what and lists what there is',
  409: 'the log is read-only in this process',
  413: 'the body is too large',
  422: 'valid JSON that is not acceptable: the message names the field',
  429: 'too many requests from this client (server.rateLimit); Retry-After says when to retry',
  503: 'a backend (log, registry, alerting) is away or starting; try again',
};

const errorResponse = (status: number, description = ERROR_TEXT[status] ?? 'an error') => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } } : {}),
});

/** Error answers, by status; a route's own wording where given. */
export function errors(...statuses: (number | [number, string])[]): Record<string, unknown> {
  return Object.fromEntries(statuses.map((s) => (Array.isArray(s) ? [String(s[0]), errorResponse(s[0], s[1])] : [String(s), errorResponse(s)])));
}

/** A JSON answer. */
export const json = (description: string, schema: Json = {}) => ({ description, content: { 'application/json': { schema } } });

export const SECURITY_SCHEMES = {
  bearerToken: { type: 'http', scheme: 'bearer', description: 'A token of server.tokens: `Authorization: Bearer <token>`. Scopes nest: admin > write > read.' },
  sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by POST /api/session from a bearer token (the pages do this with the #token= of their URL).' },
};

/** A query parameter; `description` says what it takes beyond the schema. */
export const query = (name: string, schema: Json, description?: string, required = false) => ({ name, in: 'query', required, schema, ...(description ? { description } : {}) });
/** A path parameter. */
export const pathParam = (name: string, description?: string, schema: Json = { type: 'string', minLength: 1 }) => ({ name, in: 'path', required: true, schema, ...(description ? { description } : {}) });

/** A count, as parseLimit takes it: a whole number from 1 to `max`. */
export const limitParam = (fallback: number, max: number, what = 'records') => query('limit', { type: 'integer', minimum: 1, maximum: max, default: fallback }, `at most this many ${what}`);
/** A time, as parseTime takes it (src/time/point-in-time.ts). */
export const timeParam = (name: string, description: string) =>
  query(name, { type: 'string', minLength: 1, maxLength: 64, examples: ['-15m', 'now', '2026-11-24T06:00:00Z', '1796549530000'] }, `${description}: epoch ms, an ISO 8601 time, a duration back from now (-15m, -2h, -1d) or now; within the years 0000 to 9999`);
/** A key, key prefix or name, as parseKey takes it. */
export const keyParam = (name: string, description: string) => query(name, { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH, pattern: '^[^\\u0000-\\u001f]*$' }, `${description} (no control characters)`);
export const cursorParam = query('cursor', { type: 'string', minLength: 1, maxLength: MAX_CURSOR_LENGTH }, 'the `next` of the previous page, unchanged; leave it out for the first page');
/** The topic name of a path (src/log/validate.ts). */
export const topicParam = (description = 'the topic') => pathParam('topic', description, { type: 'string', minLength: 1, maxLength: 249, pattern: '^[A-Za-z0-9._-]+$' });

/** A record of a topic as the REST API answers it; `value` as given. */
export function recordSchema(value: Json = {}): Json {
  return {
    type: 'object',
    properties: {
      topic: { type: 'string' },
      partition: { type: 'integer' },
      offset: { type: 'integer' },
      timestamp: { type: 'integer', description: 'event time, milliseconds since the epoch' },
      key: { type: ['string', 'null'] },
      value,
    },
    required: ['topic', 'partition', 'offset', 'timestamp', 'key', 'value'],
  };
}
