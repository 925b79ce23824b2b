/**
 * What the server did, request by request: one entry per answer (method, route pattern,
 * path, status, duration, the token holder's name, the client's address; never a token
 * or a query string), the HTTP metrics, and every 5xx with its error and stack for the
 * process log: an error of ours is never answered silently.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpMetrics } from '../metrics/http-metrics.js';

export interface AccessEntry {
  time: string;
  method: string;
  /** The route pattern (`/api/outputs/:topic/latest`), or `(none)` for a path no route has. */
  route: string;
  /** The path, without its query string. */
  path: string;
  status: number;
  ms: number;
  /** The token holder's name (server.tokens), when the server has tokens. */
  token?: string;
  remote: string;
}

export interface AccessLogOptions {
  onEntry?: (entry: AccessEntry) => void;
  metrics?: HttpMetrics;
  /** A 5xx answer: the error behind it (undefined when none was thrown), for the process log. */
  onServerError?: (summary: string, error: unknown) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error a route threw, kept for the access log's 5xx report. */
    thrown?: unknown;
  }
}

export function installAccessLog(app: FastifyInstance, options: AccessLogOptions): void {
  app.addHook('onError', async (request, _reply, error) => {
    request.thrown = error;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    const path = request.url.split('?', 1)[0]!;
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    options.metrics?.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    options.onEntry?.({
      time: new Date().toISOString(),
      method: request.method,
      route,
      path,
      status: reply.statusCode,
      ms,
      ...(request.tokenHolder ? { token: request.tokenHolder.name } : {}),
      remote: request.ip,
    });
    if (reply.statusCode >= 500) options.onServerError?.(`HTTP ${reply.statusCode} on ${request.method} ${path}`, request.thrown);
  });
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? '(none)';
}
