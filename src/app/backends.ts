/**
 * The log and the schema registry a process uses, as the configuration says: the embedded
 * ones under the data dir, or Kafka and a Confluent-compatible registry. The rest of the
 * app sees only the `Log` and `SchemaRegistry` interfaces.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { ProjectConfig } from '../config/project-config.js';
import { FastdataError } from '../errors.js';
import { EmbeddedLog } from '../log/embedded/embedded-log.js';
import { KafkaLog } from '../log/kafka/kafka-log.js';
import type { Log } from '../log/types.js';
import { EmbeddedSchemaRegistry } from '../schema/embedded-registry.js';
import { RemoteSchemaRegistry } from '../schema/remote-registry.js';
import type { SchemaRegistry } from '../schema/types.js';

export interface Backends {
  log: Log;
  registry: SchemaRegistry;
  /** For messages: "Kafka at k1:9092, registry http://...". */
  description: string;
  close(): Promise<void>;
}

export interface BackendOptions {
  config: ProjectConfig;
  root: string;
  dataDir: string;
  /** Embedded log and registry only: open them beside the process that writes them (`fastdata serve` beside `dev`). */
  readOnly?: boolean;
  onWarning?: (message: string) => void;
}

function readPem(root: string, file: string, field: string): string {
  const path = isAbsolute(file) ? file : resolve(root, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FastdataError('FD_CONFIG_INVALID', `${field}: cannot read ${path} (${(error as Error).message}); give the path of a PEM file`, { context: { field } });
  }
}

/** log.ssl as Node's TLS options (the PEM files read once, at start). */
export function tlsOptions(ssl: ProjectConfig['log']['ssl'], root: string): boolean | ConnectionOptions {
  if (typeof ssl === 'boolean') return ssl;
  return {
    ...(ssl.caFile ? { ca: readPem(root, ssl.caFile, 'log.ssl.caFile') } : {}),
    ...(ssl.certFile ? { cert: readPem(root, ssl.certFile, 'log.ssl.certFile') } : {}),
    ...(ssl.keyFile ? { key: readPem(root, ssl.keyFile, 'log.ssl.keyFile') } : {}),
    ...(ssl.rejectUnauthorized !== undefined ? { rejectUnauthorized: ssl.rejectUnauthorized } : {}),
  };
}

export async function openBackends(options: BackendOptions): Promise<Backends> {
  const { config, root, dataDir } = options;
  let log: Log;
  if (config.log.kind === 'kafka') {
    // log.driver: the same options for either client (docs/kafka-drivers.md). The second
    // driver is loaded only when chosen: its library takes ~0.5 s to import, at every start.
    const driver = config.log.driver === 'platformatic' ? (await import('../log/platformatic/platformatic-log.js')).PlatformaticLog : KafkaLog;
    log = await driver.connect({
      brokers: config.log.brokers,
      clientId: config.log.clientId,
      ssl: tlsOptions(config.log.ssl, root),
      ...(config.log.sasl ? { sasl: config.log.sasl } : {}),
      replicationFactor: config.log.replicationFactor,
      compression: config.log.compression,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
  } else {
    log = await EmbeddedLog.open(join(dataDir, 'log'), { fsync: config.log.fsync, readOnly: options.readOnly ?? false, ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  }
  let registry: SchemaRegistry;
  try {
    registry = config.registry.url
      ? new RemoteSchemaRegistry({ url: config.registry.url, clientId: config.log.clientId, ...(config.registry.auth ? { auth: config.registry.auth } : {}) })
      : await EmbeddedSchemaRegistry.open(join(dataDir, 'registry'), { readOnly: options.readOnly ?? false });
  } catch (error) {
    await log.close();
    throw error;
  }
  const where = config.log.kind === 'kafka' ? `Kafka at ${config.log.brokers.join(',')} (${config.log.driver})` : `the embedded log in ${dataDir}`;
  const description = `${where}, registry ${config.registry.url ?? 'embedded'}`;
  return {
    log,
    registry,
    description,
    async close() {
      await log.close();
      await registry.close();
    },
  };
}
