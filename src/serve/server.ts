/**
 * The HTTP server of a fastdata process: the Confluent-compatible registry API under
 * `/registry`, the process status as JSON under `/api/status`, records into topics under
 * `/api/ingest`, and a status page at `/`.
 * Listens on 127.0.0.1 unless configured otherwise; every request passes the guard
 * (guard/request-guard.ts: host name, origin, token and scope) before its route.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AdminSchemaRegistry, SchemaRegistry } from '../schema/types.js';
import type { AccessLayer } from './access/access-layer.js';
import { openApiRoutes } from './access/openapi.js';
import { collectRoutes } from './openapi/route-collector.js';
import { outputRoutes } from './access/output-routes.js';
import { dashboardRoutes } from './dashboards/routes.js';
import { outputSubjectsInUse, registryRoutes } from './registry-routes.js';
import { wsRoute } from './ws/ws-route.js';
import { statusPage } from './status-page.js';
import { alertRoutes, type AlertingApi } from './alerts/alert-routes.js';
import { catalogRoutes } from './catalog/routes.js';
import { metricsRoutes } from '../metrics/routes.js';
import type { RecordIngest } from '../sources/record-ingest.js';
import { ingestRoutes } from './ingest/ingest-routes.js';
import { type ReplayRouteOptions, replayRoutes } from './replay/replay-route.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { type AccessLogOptions, installAccessLog } from './access-log.js';
import { type GuardOptions, installGuard } from './guard/request-guard.js';
import { TokenTable } from './guard/tokens.js';
import { type RateLimitOptions, installRateLimit } from './guard/rate-limit.js';
import { installSecurityHeaders } from './guard/security-headers.js';

export interface ServerOptions {
  /** Served under /registry (Confluent API) when given: the embedded registry. */
  registry?: AdminSchemaRegistry;
  /** What `/api/status` answers: the modules, sources and topics of the process. */
  status: () => Promise<unknown>;
  host: string;
  port: number;
  /** The output topics' REST and WebSocket services. */
  access?: AccessLayer;
  /** The project root: where dashboards/ is. Default: the current directory. */
  root?: string;
  /** The alerting REST API (/api/alerts), when the process has the alert topics. */
  alerting?: () => AlertingApi | undefined;
  /**
   * The catalog (/api/catalog, /catalog, docs/catalog.md), built from `access` and `root`; it reads
   * schemas from `registry` above, or from the registry given here (a remote one). `false`: no catalog.
   */
  catalog?: { registry?: SchemaRegistry } | false;
  /** Per-client WebSocket send queue limits (client-queue.ts); tests make them small. */
  wsQueue?: { maxQueued?: number; maxBufferedBytes?: number };
  /** The process's metrics: `GET /metrics` (Prometheus) and `/api/metrics/modules` (the index page). */
  metrics?: MetricsRegistry;
  /** `POST /api/ingest/<topic>`: records into a topic, through this process's log. */
  ingest?: RecordIngest;
  /** `POST /api/replay`: a module replayed inside this process (`fastdata replay` beside `dev`). */
  replay?: ReplayRouteOptions;
  /** Who may call it (guard/request-guard.ts). Absent: only the Host check of a loopback server. */
  guard?: Omit<GuardOptions, 'listenHost' | 'secure'>;
  /** Serve HTTPS with these PEM contents. */
  tls?: { cert: Buffer; key: Buffer };
  /** Each answer (the access log), and each 5xx with its error. */
  accessLog?: Omit<AccessLogOptions, 'metrics'>;
  /** The reverse proxies in front, whose X-Forwarded-For names the client (addresses or CIDR ranges). */
  trustProxy?: string[];
  /** Requests per client (guard/rate-limit.ts). Absent: no limit. */
  rateLimit?: RateLimitOptions;
}

export async function startServer(options: ServerOptions): Promise<{ app: FastifyInstance; url: string }> {
  // forceCloseConnections: stopping the server ends every connection, so a client that holds one open cannot hold up a stop.
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true, ...(options.trustProxy?.length ? { trustProxy: options.trustProxy } : {}), ...(options.tls ? { https: options.tls } : {}) });
  // Before any route: /api/openapi.json describes every route the server registers (src/serve/openapi/).
  const routes = collectRoutes(app);
  // First, so that every request is logged and counted, refused ones included, and every route registered after it is guarded.
  installAccessLog(app, { ...options.accessLog, ...(options.metrics ? { metrics: options.metrics.http } : {}) });
  const guard = { tokens: new TokenTable([]), allowedHosts: [], allowedOrigins: [], ...options.guard, listenHost: options.host, secure: options.tls !== undefined };
  installGuard(app, guard);
  // After the guard, so that a client is its token's holder and strangers are refused before they count.
  if (options.rateLimit) await installRateLimit(app, options.rateLimit);
  await installSecurityHeaders(app, { secure: guard.secure, allowedOrigins: guard.allowedOrigins });
  // A subject a running output is written under cannot be deleted: the outputs' REST, OpenAPI and dashboards read it.
  if (options.registry) await app.register(registryRoutes, { registry: options.registry, prefix: '/registry', ...(options.access ? { inUse: outputSubjectsInUse(options.access) } : {}) });
  app.get('/api/status', async () => options.status());
  openApiRoutes(app, { routes, ...(options.access ? { access: options.access } : {}) });
  if (options.access) {
    await app.register(outputRoutes, { access: options.access, prefix: '/api/outputs' });
    await app.register(dashboardRoutes, { access: options.access, ...(options.root ? { dir: join(options.root, 'dashboards') } : {}) });
    await wsRoute(app, { access: options.access, ...(options.wsQueue ? { queue: options.wsQueue } : {}) });
    const catalogRegistry = options.catalog === false ? undefined : (options.catalog?.registry ?? options.registry);
    if (catalogRegistry) await app.register(catalogRoutes, { access: options.access, root: options.root ?? process.cwd(), registry: catalogRegistry });
  }
  if (options.alerting) await app.register(alertRoutes, { alerting: options.alerting, prefix: '/api/alerts' });
  if (options.metrics) await app.register(metricsRoutes, { metrics: options.metrics });
  if (options.ingest) await app.register(ingestRoutes, { ingest: options.ingest, prefix: '/api/ingest' });
  if (options.replay) await app.register(replayRoutes, { replay: options.replay });
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(statusPage(reply.cspNonce)));
  const address = await app.listen({ host: options.host, port: options.port });
  return { app, url: address.replace('[::1]', 'localhost') };
}
