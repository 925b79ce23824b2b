/**
 * The programmatic face of scripts/infra, for the CLI (cli.ts) and the test setup:
 * start the servers (idempotently, in order, under a lock), stop them, report them.
 */
import { CASSANDRA_DATA_CENTER, CASSANDRA_PORT, cassandraServer } from './cassandra.js';
import { lookupJava, type JavaInfo } from './java.js';
import { kafkaServer } from './kafka.js';
import { serverState, startServer, stopServer, type ServerState, type StartOutcome } from './lifecycle.js';
import { withLock } from './lock.js';
import { infraPaths, type InfraPaths } from './paths.js';
import { HOST } from './ports.js';
import { registryServer, REGISTRY_URL } from './registry.js';
import { SERVER_ORDER, type InfraContext, type ServerModule, type ServerName } from './server.js';
import { infraVersions } from './versions.js';
import { InfraError } from './errors.js';

export { InfraError, describeError } from './errors.js';
export type { ServerName } from './server.js';
export type { ServerState } from './lifecycle.js';

export interface InfraOptions {
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
  /** Only these servers (default: all, in start order). */
  only?: readonly ServerName[];
}

/** Where clients connect once `ensureServers` resolved. */
export interface ServerAddresses {
  kafkaBrokers: string[];
  registryUrl: string;
  /** Cassandra's native transport (host:port), and the data center clients name as local. */
  cassandraContactPoints: string[];
  cassandraDataCenter: string;
}

function servers(paths: InfraPaths, env: NodeJS.ProcessEnv, only?: readonly ServerName[]): ServerModule[] {
  const versions = infraVersions(env);
  const all: Record<ServerName, ServerModule> = { kafka: kafkaServer(paths, versions), registry: registryServer(paths, versions), cassandra: cassandraServer(paths, versions) };
  return SERVER_ORDER.filter((name) => !only || only.includes(name)).map((name) => all[name]);
}

/** Whether the servers can be started here: a Java 17 (the reason when not). */
export function serversAvailable(env: NodeJS.ProcessEnv = process.env): { ok: true; java: JavaInfo } | { ok: false; reason: string } {
  return lookupJava(env);
}

const LOCK_TIMEOUT_MS = 15 * 60_000;

/**
 * Starts every server that is not running (one after the other: two JVMs starting at once
 * on two cores each take twice as long), waits until each is ready, and returns the
 * addresses. With `fresh`, running servers are restarted on empty data dirs.
 */
export async function ensureServers(options: InfraOptions & { fresh?: boolean; timeoutMs?: number } = {}): Promise<ServerAddresses & { outcomes: Record<string, StartOutcome> }> {
  const env = options.env ?? process.env;
  const paths = infraPaths({ env });
  const java = lookupJava(env);
  if (!java.ok) throw new InfraError(java.reason);
  const ctx: InfraContext = { paths, java: java.java, env, log: options.log ?? ((m) => console.error(`infra: ${m}`)) };
  const outcomes: Record<string, StartOutcome> = {};
  await withLock(paths.lockFile, LOCK_TIMEOUT_MS, async () => {
    for (const server of servers(paths, env, options.only)) {
      outcomes[server.name] = await startServer(server, ctx, { fresh: options.fresh ?? false, timeoutMs: options.timeoutMs ?? 180_000 });
    }
  });
  return { kafkaBrokers: ['127.0.0.1:9092'], registryUrl: REGISTRY_URL, cassandraContactPoints: [`${HOST}:${CASSANDRA_PORT}`], cassandraDataCenter: CASSANDRA_DATA_CENTER, outcomes };
}

/** Stops the servers this checkout started (pid files), in reverse start order. */
export async function stopServers(options: InfraOptions = {}): Promise<Record<string, 'stopped' | 'not-running'>> {
  const env = options.env ?? process.env;
  const paths = infraPaths({ env });
  const log = options.log ?? ((m: string) => console.error(`infra: ${m}`));
  const result: Record<string, 'stopped' | 'not-running'> = {};
  await withLock(paths.lockFile, LOCK_TIMEOUT_MS, async () => {
    for (const server of servers(paths, env, options.only).reverse()) result[server.name] = await stopServer(server, { log });
  });
  return result;
}

export async function serversState(options: InfraOptions = {}): Promise<ServerState[]> {
  const env = options.env ?? process.env;
  const paths = infraPaths({ env });
  return Promise.all(servers(paths, env, options.only).map((server) => serverState(server)));
}
