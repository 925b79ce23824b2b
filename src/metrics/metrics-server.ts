/**
 * A server of `/metrics` alone, for a process without the HTTP server of `fastdata dev`
 * (the workers of `fastdata run --metrics-port`), so Prometheus can scrape every worker.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { FastdataError } from '../errors.js';
import type { MetricsRegistry } from './registry.js';
import { metricsRoutes } from './routes.js';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464 (the port actually bound when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(metrics: MetricsRegistry, options: { host: string; port: number }): Promise<MetricsServer> {
  const app: FastifyInstance = Fastify({ logger: false });
  await app.register(metricsRoutes, { metrics });
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close().catch(() => undefined);
    const code = (error as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use (another worker on this machine?)' : code === 'EACCES' ? 'not allowed' : String((error as Error).message);
    throw new FastdataError('FD_CONFIG_INVALID', `metrics server: cannot listen on ${options.host}:${options.port}: ${why}. Choose another --metrics-port (metrics.port), or 0 for any free port`, {
      context: { field: 'metrics.port' },
      cause: error,
    });
  }
  return { url: address.replace('[::1]', 'localhost'), close: () => app.close() };
}
