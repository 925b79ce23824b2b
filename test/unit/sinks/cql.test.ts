import { describe, expect, it } from 'vitest';
import { createKeyspace, createTable, createType, insert, insertColumns, selectPartition, selectPartitionRange } from '../../../src/sinks/cassandra/cql.js';
import { tableShape } from '../../../src/sinks/cassandra/table-shape.js';

const stats = {
  type: 'record',
  name: 'SensorStats',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'count', type: 'long' },
    { name: 'site', type: { type: 'record', name: 'Site', fields: [{ name: 'name', type: 'string' }] } },
  ],
};
const shape = tableShape({ module: 'sensor-stats', keyspace: 'fastdata', spec: { table: 'sensor_stats', partitionKey: ['sensorId'], clusteringKey: ['windowStart'] }, schema: stats });

describe('CQL of a sink', () => {
  it('creates the keyspace with the configured replication', () => {
    expect(createKeyspace('fastdata', { class: 'SimpleStrategy', replicationFactor: 3 })).toBe(
      "CREATE KEYSPACE IF NOT EXISTS fastdata WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
    );
    expect(createKeyspace('fastdata', { class: 'NetworkTopologyStrategy', dataCenters: { dc1: 3, "o'dc": 2 } })).toBe(
      "CREATE KEYSPACE IF NOT EXISTS fastdata WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'o''dc': 2}",
    );
  });

  it('creates the table with quoted field names, the fastdata_* columns and the declared primary key', () => {
    expect(createTable(shape)).toBe(
      'CREATE TABLE IF NOT EXISTS fastdata.sensor_stats ("sensorId" text, "windowStart" timestamp, "count" bigint, "site" frozen<sensor_stats_site>, ' +
        'fastdata_partition int, fastdata_offset bigint, fastdata_timestamp timestamp, PRIMARY KEY (("sensorId"), "windowStart")) WITH CLUSTERING ORDER BY ("windowStart" ASC)',
    );
    expect(createType('fastdata', shape.udts[0]!)).toBe('CREATE TYPE IF NOT EXISTS fastdata.sensor_stats_site ("name" text)');
    const composite = tableShape({ module: 'm', keyspace: 'ks', spec: { table: 't', partitionKey: ['sensorId', 'count'], clusteringOrder: 'asc' }, schema: stats });
    expect(createTable(composite)).toMatch(/PRIMARY KEY \(\("sensorId", "count"\)\)\)$/);
  });

  it('upserts every column, one bind marker each, in insertColumns order', () => {
    expect(insert(shape)).toBe(
      'INSERT INTO fastdata.sensor_stats ("sensorId", "windowStart", "count", "site", fastdata_partition, fastdata_offset, fastdata_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    expect(insertColumns(shape)).toHaveLength(7);
  });

  it('reads one partition: its newest row by clustering order, or its rows in a log-time range', () => {
    expect(selectPartition(shape, { latest: true })).toMatch(/WHERE "sensorId" = \? ORDER BY "windowStart" DESC LIMIT 1$/);
    expect(selectPartitionRange(shape)).toMatch(/WHERE "sensorId" = \? AND fastdata_timestamp >= \? AND fastdata_timestamp < \? ALLOW FILTERING$/);
  });
});

describe('the declaration against the schema', () => {
  it('names every key field that is missing, nullable or not scalar, and reserved field names', () => {
    const schema = {
      type: 'record',
      name: 'R',
      fields: [
        { name: 'id', type: ['null', 'string'] },
        { name: 'tags', type: { type: 'array', items: 'string' } },
        { name: 'fastdata_offset', type: 'long' },
      ],
    };
    let message = '';
    try {
      tableShape({ module: 'm', keyspace: 'ks', spec: { table: 't', partitionKey: ['id', 'nope'], clusteringKey: ['tags'] }, schema });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('output.sinks.cassandra.partitionKey[0]: id is nullable');
    expect(message).toContain('output.sinks.cassandra.partitionKey[1]: nope is not a field of the output record; its fields are id, tags, fastdata_offset');
    expect(message).toContain('output.sinks.cassandra.clusteringKey[0]: tags is array<string>; key columns must be scalar');
    expect(message).toContain('field fastdata_offset: names starting with fastdata_ are the sink');
  });
});
