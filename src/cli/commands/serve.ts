/**
 * `fastdata serve`: the access layer alone, for the outputs of the project's modules: REST
 * (and the status page) on the configured host and port, reading the output topics as a
 * consumer of its own, never in a module's group. On the embedded log it opens the data
 * dir read-only, so it runs beside `fastdata dev`; on Kafka it runs beside the workers.
 */
import { join, relative } from 'node:path';
import { openBackends } from '../../app/backends.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { EmbeddedSchemaRegistry } from '../../schema/embedded-registry.js';
import { AvroSerde } from '../../schema/serde.js';
import { AccessLayer } from '../../serve/access/access-layer.js';
import { CassandraResultStore } from '../../sinks/cassandra/result-store.js';
import { startServer } from '../../serve/server.js';
import { openAlertingApi } from '../../alerts/runtime/alerting-api.js';
import { alertOutputs, alertTopics } from '../../alerts/topic/topics.js';
import { loadAlertRules } from '../../alerts/rules/index.js';
import { outputSchemaOf } from '../../alerts/runtime/schema-of.js';
import { loadStreamModules } from '../../stream/module-loader.js';
import { clock, describeError, info } from '../output.js';

export interface ServeOptions {
  dir: string;
  dataDir?: string;
  port?: number;
  host?: string;
}

export async function serve(options: ServeOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.port !== undefined || options.host !== undefined) overrides.server = { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}) };
  const { config, root, dataDir, file } = await loadProjectConfig({ dir: options.dir, overrides });
  const { streams, failures } = await loadStreamModules(join(root, config.streams), root);
  for (const failure of failures) info(`${clock()} ${relative(root, failure.file)}: not loaded, its output is not served: ${describeError(failure.error)}`);
  const backends = await openBackends({ config, root, dataDir, readOnly: true, onWarning: (message) => info(`${clock()} log: ${message}`) });
  const serde = new AvroSerde(backends.registry);
  const modules = streams.map((s) => s.module);
  // With a cassandra section, keyed reads of outputs that have a Cassandra sink come from its tables (the log answers the rest).
  const results = config.cassandra ? new CassandraResultStore({ settings: config.cassandra, modules: () => modules, root, onWarning: (message) => info(`${clock()} ${message}`) }) : undefined;
  // The alert rules only for the alert topic's lineage (what it is made from): the workers evaluate them.
  const { rules: alertRules } = await loadAlertRules(join(root, 'alerts'), outputSchemaOf(modules, root, backends.registry), undefined);
  const access = new AccessLayer({ log: backends.log, registry: backends.registry, serde, modules: () => modules, otherOutputs: () => alertOutputs(alertRules, [], alertTopics(config.alerts.topicPrefix)), ...(results ? { results } : {}), onWarning: (message) => info(`${clock()} ${message}`) });
  // Alert history and silences, read from the alert topics the workers (or dev) write.
  const alerting = await openAlertingApi(backends.log, serde, (message) => info(`${clock()} ${message}`), alertTopics(config.alerts.topicPrefix));
  const { app, url } = await startServer({
    ...(backends.registry instanceof EmbeddedSchemaRegistry ? { registry: backends.registry } : {}),
    status: async () => ({ summary: `access layer over ${backends.description}`, modules: [], views: access.stats() }),
    host: config.server.host,
    port: config.server.port,
    access,
    root,
    alerting: () => alerting,
    // The catalog reads schema versions from the registry in use, remote or embedded.
    catalog: { registry: backends.registry },
  });
  info(`fastdata serve: project ${root}${file ? ` (${relative(root, file)})` : ''}, ${backends.description}`);
  info(`  outputs: ${url}/api/outputs`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await app.close();
  await access.close();
  await results?.close();
  await alerting?.close();
  await backends.close();
  info(`${clock()} stopped`);
}
