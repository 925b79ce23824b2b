/**
 * Query parameters and bodies of the Confluent registry REST API, read as Confluent's
 * server (JAX-RS) reads them, so that every Confluent client is understood:
 *
 * - booleans (`deleted`, `permanent`, `normalize`, `verbose`, `defaultToGlobal`, …) in any
 *   case: Confluent's Python client sends `deleted=False`, Java `Boolean.valueOf` reads
 *   `true`/`false` case-insensitively; an empty value is false, and of a repeated parameter
 *   the first counts. Anything else is refused (422 naming the parameter) where JAX-RS would
 *   silently read false: a typo must not turn a lookup of deleted versions into another one.
 * - a JSON content type with an empty body (a DELETE from a client that always sends the
 *   header): no body, not a malformed one.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type as T } from '@sinclair/typebox';
import { FastdataError } from '../errors.js';

/** A boolean query parameter: parsed by `installQueryFlags` before validation. */
export const Flag = T.Optional(T.Boolean());

/** Confluent's paging of lists: skip `offset`, then at most `limit` (negative: no limit). */
export const Paging = {
  offset: T.Optional(T.Integer({ minimum: 0 })),
  limit: T.Optional(T.Integer()),
};

export function page<T>(items: T[], query: { offset?: number; limit?: number }): T[] {
  const start = query.offset ?? 0;
  const limit = query.limit ?? -1;
  return items.slice(start, limit < 0 ? undefined : start + limit);
}

/** The boolean of a query parameter's raw value, or FD_ARGUMENT_INVALID naming it. */
export function parseFlag(name: string, raw: unknown): boolean {
  const value: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'true') return true;
    if (word === 'false' || word === '') return false;
  }
  throw new FastdataError('FD_ARGUMENT_INVALID', `query parameter ${name}=${String(value)} is not a boolean: use true or false (in any case, as Confluent's registry reads them)`, {
    context: { field: name },
  });
}

interface QuerySchema {
  properties?: Record<string, { type?: unknown }>;
}

/**
 * Before validation, replaces each boolean parameter a route declares (`Flag` in its
 * querystring schema) by its parsed value; parameters a route does not declare are
 * ignored, as Confluent ignores them.
 */
export function installQueryFlags(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const properties = (request.routeOptions.schema?.querystring as QuerySchema | undefined)?.properties;
    if (properties === undefined) return;
    const query = request.query as Record<string, unknown>;
    for (const [name, property] of Object.entries(properties)) {
      if (property.type === 'boolean' && query[name] !== undefined) query[name] = parseFlag(name, query[name]);
    }
  });
}

/**
 * JSON bodies in the content types Confluent accepts, where an empty body is no body: a
 * client that sends `Content-Type: application/json` on every request (DELETE included)
 * is not refused with "Body cannot be empty". A route that needs a body still says so
 * (422, `body must be object`).
 */
export function installJsonParsers(app: FastifyInstance, contentTypes: string[]): void {
  const json = app.getDefaultJsonParser('error', 'ignore');
  app.addContentTypeParser(['application/json', ...contentTypes], { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, body as string, done);
  });
}
