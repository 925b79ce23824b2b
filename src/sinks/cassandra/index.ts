/** The Cassandra sink: the only part of fastdata that uses cassandra-driver. See docs/cassandra.md. */
export { CassandraSink, SINK_DLQ_REASON, sinkGroupId, type CassandraSinkOptions, type SinkStatus } from './sink.js';
export { CassandraSinkGroup, type SinkGroupOptions } from './sink-group.js';
export { CassandraResultStore, type CassandraResultStoreOptions } from './result-store.js';
export { createCassandraClient, type CassandraClient, type CassandraSettings } from './client.js';
export type { CassandraSinkSpec, SinksSpec } from '../../stream/sink-spec.js';
