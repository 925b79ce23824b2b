/**
 * A Cassandra sink alone in a process, for the test that kills it with SIGKILL
 * (cassandra-sink.test.ts). Configured by the environment: CASSANDRA_SINK_MODULE (the
 * module name of cassandra-sink-module.ts), KAFKA_BROKERS, REGISTRY_URL,
 * CASSANDRA_CONTACT_POINTS, CASSANDRA_KEYSPACE, CASSANDRA_SINK_TABLE. Prints "running" once it consumes.
 */
import { fileURLToPath } from 'node:url';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { CassandraSink, createCassandraClient, type CassandraSettings } from '../../src/sinks/cassandra/index.js';
import { statsModule } from './cassandra-sink-module.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const settings: CassandraSettings = {
  contactPoints: env('CASSANDRA_CONTACT_POINTS').split(','),
  localDataCenter: 'datacenter1',
  keyspace: env('CASSANDRA_KEYSPACE'),
  replication: { class: 'SimpleStrategy', replicationFactor: 1, dataCenters: {} },
  consistency: 'LOCAL_QUORUM',
  // Few in flight, so the kill lands in the middle of the stream.
  concurrency: 8,
};
const log = await KafkaLog.connect({ brokers: env('KAFKA_BROKERS').split(','), clientId: 'cassandra-sink-process', onWarning: () => {} });
const serde = new AvroSerde(new RemoteSchemaRegistry({ url: env('REGISTRY_URL') }));
const client = createCassandraClient(settings);
const sink = new CassandraSink({ module: statsModule(env('CASSANDRA_SINK_MODULE'), { table: env('CASSANDRA_SINK_TABLE') }), log, serde, client, settings, root: fileURLToPath(new URL('../..', import.meta.url)) });
await sink.start();
await sink.whenRunning();
console.log('running');
