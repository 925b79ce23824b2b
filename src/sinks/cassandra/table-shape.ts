/**
 * The table a sink writes: its columns (one per field of the output record, plus three
 * `fastdata_*` columns that say where in the log the row came from), its primary key as
 * the author declared it, and the user-defined types of nested records. Built from the
 * declaration and the output's Avro schema; every mismatch between them is an error that
 * names the field and the fix.
 */
import { FastdataError } from '../../errors.js';
import type { CassandraSinkSpec } from '../../stream/sink-spec.js';
import { type CqlNative, type FieldCodec, type UdtDef, mapRecordSchema } from './type-mapping.js';

/** Columns fastdata adds: the log position and timestamp of the record the row holds. */
export const META_COLUMNS = { partition: 'fastdata_partition', offset: 'fastdata_offset', timestamp: 'fastdata_timestamp' } as const;
export const META_TYPES: Record<string, CqlNative> = { fastdata_partition: 'int', fastdata_offset: 'bigint', fastdata_timestamp: 'timestamp' };
const RESERVED_PREFIX = 'fastdata_';

export interface TableShape {
  keyspace: string;
  table: string;
  /** The output record's fields, in schema order. */
  fields: FieldCodec[];
  partitionKey: string[];
  clusteringKey: string[];
  clusteringOrder: 'asc' | 'desc';
  udts: UdtDef[];
}

const KEY_TYPES = new Set<string>(['boolean', 'int', 'bigint', 'float', 'double', 'text', 'blob', 'timestamp', 'date', 'time', 'uuid', 'decimal']);

/** The shape for `spec` over the output schema (canonical JSON); FD_STREAM_DEFINITION_INVALID lists every problem. */
export function tableShape(options: { module: string; keyspace: string; spec: CassandraSinkSpec; schema: unknown }): TableShape {
  const { spec, module } = options;
  const at = 'output.sinks.cassandra';
  const { fields, udts } = mapRecordSchema(options.schema, spec.table);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const f of fields) {
    if (f.name.startsWith(RESERVED_PREFIX)) problems.push(`output.schema: field ${f.name}: names starting with ${RESERVED_PREFIX} are the sink's own columns; rename the field`);
  }
  const clustering = spec.clusteringKey ?? [];
  for (const [list, names] of [['partitionKey', spec.partitionKey], ['clusteringKey', clustering]] as const) {
    names.forEach((name, i) => {
      const field = byName.get(name);
      if (!field) {
        problems.push(`${at}.${list}[${i}]: ${name} is not a field of the output record; its fields are ${fields.map((f) => f.name).join(', ')}`);
        return;
      }
      if (field.codec.nullable) problems.push(`${at}.${list}[${i}]: ${name} is nullable (${field.codec.avro} or null); a key column cannot be null: make the field non-null`);
      const cql = field.codec.cql;
      if (cql.kind !== 'native' || !KEY_TYPES.has(cql.name)) problems.push(`${at}.${list}[${i}]: ${name} is ${field.codec.avro}; key columns must be scalar (numbers, text, times, uuid, bytes)`);
    });
  }
  if (problems.length > 0) {
    throw new FastdataError('FD_STREAM_DEFINITION_INVALID', `stream ${module}: the Cassandra sink does not fit the output schema:\n  - ${problems.join('\n  - ')}`, {
      context: { stream: module, field: at },
    });
  }
  return {
    keyspace: options.keyspace,
    table: spec.table,
    fields,
    partitionKey: [...spec.partitionKey],
    clusteringKey: [...clustering],
    clusteringOrder: spec.clusteringOrder ?? 'asc',
    udts,
  };
}
