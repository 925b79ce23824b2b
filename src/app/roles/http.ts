/**
 * The HTTP role: the serving layer of the process on `server.host:server.port`. The outputs
 * of the modules (REST, WebSocket, dashboards, catalog) through an access layer whose views
 * read the topics as consumers of their own; the alerting API; the embedded registry's
 * Confluent API (when the process owns an embedded registry); /metrics; /api/status. Keyed
 * reads of outputs that a Cassandra sink writes are answered from its table when the
 * config has a `cassandra` section (the log answers the rest).
 */
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { EmbeddedLog } from '../../log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../schema/embedded-registry.js';
import { AccessLayer } from '../../serve/access/access-layer.js';
import { startServer } from '../../serve/server.js';
import { withPublicPaths } from '../public-paths.js';
import { type WsStats, wsHubOf } from '../../serve/ws/ws-route.js';
import { CassandraResultStore } from '../../sinks/cassandra/result-store.js';
import type { ProcessContext, Role } from '../process.js';
import { openAccessLog, serverAccess } from '../server-access.js';
import { removeServerAddress, writeServerAddress } from '../server-address.js';
import type { AlertsRole } from './alerts.js';

export class HttpRole implements Role {
  readonly name = 'http';
  readonly access: AccessLayer;
  /** The server's base URL once started, e.g. http://127.0.0.1:7070. */
  url: string | undefined;
  /** Who may use it, in words, once started: the tokens, or that it is open. */
  accessDescription: string | undefined;
  private readonly context: ProcessContext;
  private readonly results: CassandraResultStore | undefined;
  private readonly processStatus: () => Promise<unknown>;
  private server: FastifyInstance | undefined;
  private accessLog: Writable | undefined;

  /** `status`: what /api/status answers (the whole process's status). */
  constructor(context: ProcessContext, status: () => Promise<unknown>) {
    this.context = context;
    this.processStatus = status;
    const { config, root, log, registry, serde } = context;
    const alerts = () => context.role<AlertsRole>('alerts');
    this.results = config.cassandra
      ? new CassandraResultStore({ settings: config.cassandra, modules: () => context.modules(), root, onWarning: (message) => context.warn(message) })
      : undefined;
    this.access = new AccessLayer({
      log,
      registry,
      serde,
      modules: () => context.modules(),
      otherOutputs: () => alerts()?.outputs() ?? [],
      ...(this.results ? { results: this.results } : {}),
      onWarning: (message) => context.warn(message),
    });
  }

  async start(): Promise<void> {
    const { config, root, registry, metrics } = this.context;
    const access = serverAccess(config, root);
    this.accessLog = openAccessLog(config.server.accessLog, root);
    const log = this.accessLog;
    const { app, url } = await startServer({
      guard: access.guard,
      rateLimit: access.rateLimit,
      trustProxy: config.server.trustProxy,
      accessLog: {
        ...(log ? { onEntry: (entry) => log.write(`${JSON.stringify(entry)}\n`) } : {}),
        onServerError: (summary, error) => this.context.warn(`${summary}: ${error instanceof Error ? (error.stack ?? error.message) : 'no error was thrown'}`),
      },
      ...(access.tls ? { tls: access.tls } : {}),
      // The Confluent API of the embedded registry this process owns; a remote one serves its own.
      ...(registry instanceof EmbeddedSchemaRegistry ? { registry } : {}),
      // Read by any read token: the machine's folders are named relative to the project (public-paths.ts).
      status: async () => withPublicPaths(await this.processStatus(), { root, dataDir: this.context.dataDir }),
      host: config.server.host,
      port: config.server.port,
      access: this.access,
      root,
      metrics,
      alerting: () => this.context.role<AlertsRole>('alerts')?.api(),
      ingest: this.context.ingest,
      // `fastdata replay` beside this process, which holds the log: the replay runs here (serve/replay/).
      ...(this.writesLog() ? { replay: { log: this.context.log, serde: this.context.serde, root, streamsDir: join(root, config.streams), defaultPartitions: config.log.partitions, description: this.context.description } } : {}),
      // The catalog reads schema versions from the registry in use, remote or embedded.
      catalog: { registry },
    });
    this.server = app;
    this.url = url;
    // Beside a process holding the embedded log, `fastdata produce` writes through this server.
    if (this.holdsDataDir()) await writeServerAddress(this.context.dataDir, url).catch((error) => this.context.warn(`cannot write ${this.context.dataDir}/server.json: ${String(error)}`));
    this.accessDescription = access.description;
    this.context.emit({ type: 'role-started', role: this.name, detail: `${url} (${access.description})` });
  }

  status() {
    return { views: this.access.stats() };
  }

  /** The WebSocket service's figures, once it serves (for /metrics). */
  wsStats(): WsStats | undefined {
    return wsHubOf(this.access)?.stats();
  }

  /** This process may write the log (not `fastdata serve`'s read-only view). */
  private writesLog(): boolean {
    return !(this.context.log instanceof EmbeddedLog && this.context.log.readOnly);
  }

  /** This process writes the embedded data dir (`fastdata serve` beside `dev` only reads it). */
  private holdsDataDir(): boolean {
    return this.context.log instanceof EmbeddedLog && !this.context.log.readOnly;
  }

  async stop(): Promise<void> {
    if (this.url !== undefined && this.holdsDataDir()) await removeServerAddress(this.context.dataDir).catch(() => undefined);
    await this.server?.close();
    await this.access.close();
    await this.results?.close();
    if (this.accessLog && this.accessLog !== process.stderr) await new Promise<void>((resolve) => this.accessLog!.end(() => resolve()));
  }
}
