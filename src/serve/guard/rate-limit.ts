/**
 * How many requests one client may make (`server.rateLimit`, counted by @fastify/rate-limit's
 * store): a client is the holder of a token when the server has tokens, else its address.
 * Streams, HTTP and WebSocket share one thread, so one client looping on the API would slow
 * every viewer and module: past its budget it gets 429 with Retry-After until its window
 * ends. Exports (a whole range as CSV or NDJSON, the most expensive reads) have a smaller
 * budget of their own, counted apart so a download and a dashboard do not use up each other's.
 *
 * Counters live in memory per process, in an LRU of 10,000 clients: bounded, and a restart
 * forgets them (a proxy or a shared store is the tool for limits across workers).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RateLimitOptions {
  /** Requests per client per window; 0: no limit. */
  requests: number;
  /** Export requests (`/api/outputs/<topic>/export`) per client per window; 0: no limit of their own. */
  exports: number;
  windowMs: number;
}

const isExport = (request: FastifyRequest) => request.routeOptions.url?.endsWith('/export') === true;
const clientOf = (request: FastifyRequest) => (request.tokenHolder ? `token ${request.tokenHolder.name}` : `address ${request.ip}`);

/**
 * Installs the limit as an onRequest hook: call it after the guard (whose hook names the token
 * holder, and refuses strangers before they count) and before any route.
 */
export async function installRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  if (options.requests === 0 && options.exports === 0) return;
  // global: false: no hook per route; the one hook below answers in the API's own error shape.
  await app.register(rateLimit, { global: false, cache: 10_000 });
  const general = app.createRateLimit({ max: options.requests || Number.MAX_SAFE_INTEGER, timeWindow: options.windowMs, keyGenerator: clientOf });
  const exports = options.exports > 0 ? app.createRateLimit({ max: options.exports, timeWindow: options.windowMs, keyGenerator: (r) => `${clientOf(r)} export` }) : undefined;

  app.addHook('onRequest', async (request, reply) => {
    const exporting = exports !== undefined && isExport(request);
    const limit = await (exporting ? exports : general)(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    const what = exporting ? 'exports' : 'requests';
    const setting = exporting ? 'server.rateLimit.exports' : 'server.rateLimit.requests';
    const message = `too many ${what} from ${clientOf(request)}: ${limit.max} per ${options.windowMs / 1000} s; retry in ${limit.ttlInSeconds} s, or raise ${setting}`;
    reply.code(429).header('retry-after', String(limit.ttlInSeconds));
    // Registry clients read Confluent's error shape; everything else the API's.
    const body = request.url.startsWith('/registry') ? { error_code: 429, message } : { error: { code: 'FD_RATE_LIMITED', message } };
    return reply.send(body);
  });
}
