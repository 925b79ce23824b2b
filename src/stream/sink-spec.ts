/**
 * How a model author declares that a module's output is also written to Cassandra:
 *
 *   output: { topic: 'sensor.stats', schema: '...', key: (s) => s.sensorId,
 *             sinks: { cassandra: { table: 'sensor_stats', partitionKey: ['sensorId'], clusteringKey: ['windowStart'] } } }
 *
 * Part of the module's definition, so it lives with `defineStream` and is checked there
 * without any I/O, with the module's other problems; the fields are checked against the
 * output's Avro schema when the sink starts (sinks/cassandra/table-shape.ts). A module
 * that declares a sink loads without Cassandra or its driver.
 */

export interface CassandraSinkSpec {
  /** Table name in the configured keyspace: lower-case letters, digits and '_', starting with a letter. */
  table: string;
  /** Fields of the output record that make the partition key, in order. */
  partitionKey: string[];
  /** Fields that order rows within a partition (ascending), in order. Partition + clustering key = one row. */
  clusteringKey?: string[];
  /** Clustering order of the rows. Default 'asc'. */
  clusteringOrder?: 'asc' | 'desc';
}

export interface SinksSpec {
  cassandra?: CassandraSinkSpec;
}

/** Cassandra's limit for table names is 48 characters; unquoted identifiers are case-insensitive, so lower case only. */
export const TABLE_NAME = /^[a-z][a-z0-9_]{0,47}$/;
/** Avro field names (the Avro specification's rule). */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KNOWN_KEYS = new Set(['table', 'partitionKey', 'clusteringKey', 'clusteringOrder']);

function fieldList(value: unknown, path: string, problems: string[], required: boolean): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0)) {
    problems.push(`${path}: ${required ? 'a non-empty list' : 'a list'} of output field names, e.g. ['sensorId']${value === undefined ? '' : `; got ${JSON.stringify(value)}`}`);
    return [];
  }
  value.forEach((name, i) => {
    if (typeof name !== 'string' || !FIELD_NAME.test(name)) problems.push(`${path}[${i}]: ${JSON.stringify(name)} is not an Avro field name`);
  });
  return value.filter((name): name is string => typeof name === 'string');
}

/** Every problem of a `sinks` declaration, each naming its path (`output.sinks.cassandra.table`) and the fix. */
export function sinksProblems(sinks: unknown, path = 'output.sinks'): string[] {
  if (sinks === undefined) return [];
  if (sinks === null || typeof sinks !== 'object' || Array.isArray(sinks)) return [`${path}: an object such as { cassandra: { table, partitionKey, clusteringKey } }`];
  const problems: string[] = [];
  for (const kind of Object.keys(sinks)) if (kind !== 'cassandra') problems.push(`${path}.${kind}: unknown sink; the sinks are: cassandra`);
  const spec = (sinks as SinksSpec).cassandra;
  if (spec === undefined) return problems;
  const at = `${path}.cassandra`;
  if (spec === null || typeof spec !== 'object') return [...problems, `${at}: { table, partitionKey, clusteringKey? }, e.g. { table: 'sensor_stats', partitionKey: ['sensorId'], clusteringKey: ['windowStart'] }`];
  for (const key of Object.keys(spec)) if (!KNOWN_KEYS.has(key)) problems.push(`${at}.${key}: unknown setting; the settings are ${[...KNOWN_KEYS].join(', ')}`);
  if (typeof spec.table !== 'string' || !TABLE_NAME.test(spec.table)) {
    problems.push(`${at}.table: ${JSON.stringify(spec.table)} must be 1 to 48 lower-case letters, digits and '_', starting with a letter (e.g. 'sensor_stats')`);
  }
  const partition = fieldList(spec.partitionKey, `${at}.partitionKey`, problems, true);
  const clustering = fieldList(spec.clusteringKey, `${at}.clusteringKey`, problems, false);
  const all = [...partition, ...clustering];
  const twice = all.filter((name, i) => all.indexOf(name) !== i);
  if (twice.length > 0) problems.push(`${at}: ${[...new Set(twice)].join(', ')} named twice in partitionKey and clusteringKey; a field is in the primary key once`);
  if (spec.clusteringOrder !== undefined && spec.clusteringOrder !== 'asc' && spec.clusteringOrder !== 'desc') {
    problems.push(`${at}.clusteringOrder: 'asc' or 'desc', got ${JSON.stringify(spec.clusteringOrder)}`);
  }
  if (spec.clusteringOrder !== undefined && clustering.length === 0) problems.push(`${at}.clusteringOrder: needs a clusteringKey to order`);
  return problems;
}

/** A validated copy (frozen), for the module definition. */
export function resolveSinks(sinks: SinksSpec | undefined): Readonly<SinksSpec> {
  if (!sinks?.cassandra) return Object.freeze({});
  const c = sinks.cassandra;
  return Object.freeze({
    cassandra: Object.freeze({
      table: c.table,
      partitionKey: Object.freeze([...c.partitionKey]) as string[],
      clusteringKey: Object.freeze([...(c.clusteringKey ?? [])]) as string[],
      clusteringOrder: c.clusteringOrder ?? 'asc',
    }),
  });
}
