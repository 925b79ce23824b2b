/**
 * The CQL the sink runs, generated from a TableShape: keyspace, user-defined types, table,
 * the upsert, the reads of the access layer, and ALTERs for a schema that gained fields.
 * Field names are quoted (CQL folds unquoted names to lower case; Avro's `sensorId`
 * stays `sensorId`); the names fastdata chooses are lower case and left bare.
 */
import { META_COLUMNS, META_TYPES, type TableShape } from './table-shape.js';
import { cqlTypeText, type FieldCodec, type UdtDef } from './type-mapping.js';

export interface Replication {
  class: 'SimpleStrategy' | 'NetworkTopologyStrategy';
  replicationFactor?: number;
  /** NetworkTopologyStrategy: replicas per data center. */
  dataCenters?: Record<string, number>;
}

export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const tableName = (shape: Pick<TableShape, 'keyspace' | 'table'>) => `${shape.keyspace}.${shape.table}`;

export function createKeyspace(keyspace: string, replication: Replication): string {
  const options =
    replication.class === 'SimpleStrategy'
      ? `'class': 'SimpleStrategy', 'replication_factor': ${replication.replicationFactor ?? 1}`
      : [`'class': 'NetworkTopologyStrategy'`, ...Object.entries(replication.dataCenters ?? {}).map(([dc, n]) => `${literal(dc)}: ${n}`)].join(', ');
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {${options}}`;
}

const columnDef = (f: FieldCodec) => `${quote(f.name)} ${cqlTypeText(f.codec.cql, false)}`;

export function createType(keyspace: string, udt: UdtDef): string {
  // Fields of a UDT are frozen when they are collections or UDTs themselves.
  return `CREATE TYPE IF NOT EXISTS ${keyspace}.${udt.name} (${udt.fields.map((f) => `${quote(f.name)} ${cqlTypeText(f.codec.cql, true)}`).join(', ')})`;
}

export function createTable(shape: TableShape): string {
  const columns = [...shape.fields.map(columnDef), ...Object.entries(META_TYPES).map(([name, type]) => `${name} ${type}`)];
  const partition = `(${shape.partitionKey.map(quote).join(', ')})`;
  const primaryKey = [partition, ...shape.clusteringKey.map(quote)].join(', ');
  const order = shape.clusteringKey.length > 0 ? ` WITH CLUSTERING ORDER BY (${shape.clusteringKey.map((c) => `${quote(c)} ${shape.clusteringOrder.toUpperCase()}`).join(', ')})` : '';
  return `CREATE TABLE IF NOT EXISTS ${tableName(shape)} (${columns.join(', ')}, PRIMARY KEY (${primaryKey}))${order}`;
}

export function addColumn(shape: TableShape, field: FieldCodec): string {
  return `ALTER TABLE ${tableName(shape)} ADD ${columnDef(field)}`;
}

export function addTypeField(keyspace: string, udt: string, field: FieldCodec): string {
  return `ALTER TYPE ${keyspace}.${udt} ADD ${quote(field.name)} ${cqlTypeText(field.codec.cql, true)}`;
}

/** Column names of the upsert, in the order of its bind markers. */
export function insertColumns(shape: TableShape): string[] {
  return [...shape.fields.map((f) => f.name), META_COLUMNS.partition, META_COLUMNS.offset, META_COLUMNS.timestamp];
}

/** INSERT is an upsert in Cassandra: the same primary key written again is the same row. */
export function insert(shape: TableShape): string {
  const columns = insertColumns(shape);
  return `INSERT INTO ${tableName(shape)} (${columns.map((c) => (c.startsWith('fastdata_') ? c : quote(c))).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

const selectList = (shape: TableShape) => [...shape.fields.map((f) => quote(f.name)), META_COLUMNS.partition, META_COLUMNS.offset, META_COLUMNS.timestamp].join(', ');

/** One partition's rows (a key of a single-column partition key), newest clustering first when `latest`. */
export function selectPartition(shape: TableShape, options: { latest?: boolean } = {}): string {
  const where = shape.partitionKey.map((c) => `${quote(c)} = ?`).join(' AND ');
  if (!options.latest || shape.clusteringKey.length === 0) return `SELECT ${selectList(shape)} FROM ${tableName(shape)} WHERE ${where}${options.latest ? ' LIMIT 1' : ''}`;
  const reverse = shape.clusteringOrder === 'asc' ? 'DESC' : 'ASC';
  return `SELECT ${selectList(shape)} FROM ${tableName(shape)} WHERE ${where} ORDER BY ${shape.clusteringKey.map((c) => `${quote(c)} ${reverse}`).join(', ')} LIMIT 1`;
}

/**
 * One partition's rows whose log timestamp is in [from, to): a filter on a regular column
 * within one partition, which Cassandra runs on that partition only (ALLOW FILTERING
 * does not scan the table when the partition key is fixed).
 */
export function selectPartitionRange(shape: TableShape): string {
  const where = shape.partitionKey.map((c) => `${quote(c)} = ?`).join(' AND ');
  return `SELECT ${selectList(shape)} FROM ${tableName(shape)} WHERE ${where} AND ${META_COLUMNS.timestamp} >= ? AND ${META_COLUMNS.timestamp} < ? ALLOW FILTERING`;
}
