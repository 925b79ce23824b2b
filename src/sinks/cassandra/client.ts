/**
 * The cassandra-driver client of a process, from the project's `cassandra` settings, and
 * how its errors are told apart: a transient one (no node reachable, a timeout, an
 * overloaded or bootstrapping node) is retried; a write Cassandra refuses for the values
 * it carries can never succeed and goes to the dead-letter topic; a refusal that names
 * the table or a column means the schema moved under the sink, and is retried after the
 * table is checked again.
 */
import cassandra from 'cassandra-driver';
import type { ProjectConfig } from '../../config/project-config.js';

export type CassandraSettings = NonNullable<ProjectConfig['cassandra']>;
export type CassandraClient = cassandra.Client;

export const DEFAULT_CASSANDRA_PORT = 9042;

export function createCassandraClient(settings: CassandraSettings, options: { applicationName?: string } = {}): CassandraClient {
  const { policies, auth, types } = cassandra;
  return new cassandra.Client({
    contactPoints: settings.contactPoints.map((point) => (point.includes(':') ? point : `${point}:${DEFAULT_CASSANDRA_PORT}`)),
    localDataCenter: settings.localDataCenter,
    applicationName: options.applicationName ?? 'fastdata',
    ...(settings.auth ? { authProvider: new auth.PlainTextAuthProvider(settings.auth.username, settings.auth.password) } : {}),
    queryOptions: { consistency: types.consistencies[consistencyName(settings.consistency)], prepare: true },
    // A write that hangs past this fails and is retried: shorter than the consumer
    // group's session timeout (10 s), so a batch never holds a partition that long.
    socketOptions: { connectTimeout: 5_000, readTimeout: 5_000 },
    policies: {
      // Reconnect within seconds after an outage (the default waits up to 10 minutes).
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(250, 5_000, false),
      // The sink retries with its own backoff; the driver tries each write once per host.
      retry: new policies.retry.FallthroughRetryPolicy(),
    },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
  });
}

function consistencyName(name: CassandraSettings['consistency']): keyof typeof cassandra.types.consistencies {
  return ({ ONE: 'one', LOCAL_ONE: 'localOne', QUORUM: 'quorum', LOCAL_QUORUM: 'localQuorum', ALL: 'all' } as const)[name];
}

export type WriteErrorKind = 'transient' | 'rejected' | 'schema';

const codes = cassandra.types.responseErrorCodes;
const REJECTED = new Set<number>([codes.invalid, codes.syntaxError]);
/** Messages of an `invalid` refusal that are about the table, not the row. */
const SCHEMA_MOVED = /unconfigured table|keyspace .* does not exist|undefined column|unknown identifier|unknown field|prepared statement.*invalid/i;

export function classifyWriteError(error: unknown): WriteErrorKind {
  if (error instanceof cassandra.errors.ResponseError) {
    if (REJECTED.has(error.code)) return SCHEMA_MOVED.test(error.message) ? 'schema' : 'rejected';
    return 'transient';
  }
  // The driver refused to serialize a value (a number out of range, a bad uuid...).
  if (error instanceof TypeError || error instanceof RangeError || error instanceof cassandra.errors.ArgumentError) return 'rejected';
  return 'transient';
}
