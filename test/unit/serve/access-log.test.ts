/**
 * The access log: one entry per answer with the route pattern (never the URL's values as a
 * label), status, duration and the token holder; every 5xx reported with the error and its
 * stack (the review found 500s logged nowhere); the HTTP metrics counted by route.
 */
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../../src/metrics/http-metrics.js';
import { type AccessEntry, installAccessLog } from '../../../src/serve/access-log.js';

describe('the access log', () => {
  it('logs every answer by route pattern, reports a 5xx with its stack, and counts requests per route', async () => {
    const app = Fastify({ logger: false });
    const entries: AccessEntry[] = [];
    const errors: { summary: string; error: unknown }[] = [];
    const registry = new Registry();
    installAccessLog(app, { onEntry: (e) => entries.push(e), onServerError: (summary, error) => errors.push({ summary, error }), metrics: new HttpMetrics(registry) });
    app.get('/api/things/:name', async (request) => ({ name: (request.params as { name: string }).name }));
    app.get('/api/broken', async () => {
      throw new Error('a bug of ours');
    });
    await app.ready();
    for (const name of ['a', 'b', 'c']) expect((await app.inject({ url: `/api/things/${name}?secret=x` })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/broken' })).statusCode).toBe(500);
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(404);

    expect(entries.map((e) => [e.method, e.route, e.path, e.status])).toEqual([
      ['GET', '/api/things/:name', '/api/things/a', 200],
      ['GET', '/api/things/:name', '/api/things/b', 200],
      ['GET', '/api/things/:name', '/api/things/c', 200],
      ['GET', '/api/broken', '/api/broken', 500],
      ['GET', '(none)', '/nowhere', 404],
    ]);
    expect(JSON.stringify(entries)).not.toContain('secret');
    for (const e of entries) expect(e.ms).toBeGreaterThanOrEqual(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.summary).toBe('HTTP 500 on GET /api/broken');
    expect((errors[0]!.error as Error).stack).toMatch(/a bug of ours\n\s+at /);

    const text = await registry.metrics();
    expect(text).toContain('fastdata_http_requests_total{method="GET",route="/api/things/:name",status="200"} 3');
    expect(text).toContain('fastdata_http_requests_total{method="GET",route="(none)",status="404"} 1');
    expect(text).toMatch(/fastdata_http_request_duration_seconds_count\{method="GET",route="\/api\/broken"\} 1/);
    await app.close();
  });
});
