/**
 * The HTTP server's own figures: requests by route and status, and their latency. The
 * route is fastify's pattern (`/api/outputs/:topic/latest`), never the URL, so a client
 * cannot grow the label set by asking for new paths.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;

  constructor(registry: Registry) {
    this.requests = new Counter({ name: 'fastdata_http_requests_total', help: 'HTTP requests answered, by route pattern and status.', labelNames: ['method', 'route', 'status'], registers: [registry] });
    this.latency = new Histogram({
      name: 'fastdata_http_request_duration_seconds',
      help: 'Time from a request to its answer, by route pattern.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 5],
      registers: [registry],
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }
}
