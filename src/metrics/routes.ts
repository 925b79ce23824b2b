/**
 * `GET /metrics` (Prometheus text exposition) and `GET /api/metrics/modules` (the index
 * page's per-module figures as JSON), as a fastify plugin for any fastdata HTTP server.
 */
import type { FastifyInstance } from 'fastify';
import type { MetricsRegistry } from './registry.js';

export async function metricsRoutes(app: FastifyInstance, options: { metrics: MetricsRegistry }): Promise<void> {
  const { metrics } = options;
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
  app.get('/api/metrics/modules', async () => ({ modules: metrics.moduleSummaries() }));
}
