/**
 * What to run so the table fits the output schema, from what Cassandra has now
 * (system_schema): nothing, CREATEs for a new table, ALTER ... ADD for fields (and nested
 * record fields) a compatible schema change added. A change Cassandra cannot apply in place
 * (a column's type, the primary key) is refused with one line per problem and the fix.
 * Columns whose field was removed stay, unwritten. Pure: unit-tested without Cassandra.
 */
import { FastdataError } from '../../errors.js';
import { addColumn, addTypeField, createTable, createType, quote } from './cql.js';
import { META_TYPES, type TableShape } from './table-shape.js';
import { cqlTypeText } from './type-mapping.js';

/** A column as system_schema.columns describes it. */
export interface ExistingColumn {
  name: string;
  kind: 'partition_key' | 'clustering' | 'regular' | 'static';
  position: number;
  type: string;
}

export interface ExistingSchema {
  /** Undefined when the table does not exist. */
  columns: ExistingColumn[] | undefined;
  /** User-defined types of the keyspace: field name -> type. */
  types: Map<string, Map<string, string>>;
}

/** system_schema writes `map<text, frozen<x>>`; compare without spaces or quotes. */
export const normalizeType = (type: string) => type.replace(/[\s"]/g, '').toLowerCase();

export function planSchema(shape: TableShape, existing: ExistingSchema): string[] {
  const statements: string[] = [];
  const problems: string[] = [];
  for (const udt of shape.udts) {
    const have = existing.types.get(udt.name);
    if (!have) {
      statements.push(createType(shape.keyspace, udt));
      continue;
    }
    for (const field of udt.fields) {
      const type = cqlTypeText(field.codec.cql, true);
      const current = have.get(field.name);
      if (current === undefined) statements.push(addTypeField(shape.keyspace, udt.name, field));
      else if (normalizeType(current) !== normalizeType(type)) {
        problems.push(`type ${shape.keyspace}.${udt.name}: field ${field.name} is ${current} in Cassandra, the schema now makes it ${type}; a field cannot change type: add a new field instead, or write to a new table`);
      }
    }
  }
  if (!existing.columns) {
    if (problems.length > 0) refuse(shape, problems);
    return [...statements, createTable(shape)];
  }

  const byName = new Map(existing.columns.map((c) => [c.name, c]));
  const key = (kind: ExistingColumn['kind']) => existing.columns!.filter((c) => c.kind === kind).sort((a, b) => a.position - b.position).map((c) => c.name);
  const describe = (p: string[], c: string[]) => `((${p.join(', ')})${c.length > 0 ? `, ${c.join(', ')}` : ''})`;
  const [havePartition, haveClustering] = [key('partition_key'), key('clustering')];
  if (havePartition.join('\u0000') !== shape.partitionKey.join('\u0000') || haveClustering.join('\u0000') !== shape.clusteringKey.join('\u0000')) {
    problems.push(
      `the primary key of ${shape.keyspace}.${shape.table} is ${describe(havePartition, haveClustering)}, the sink declares ${describe(shape.partitionKey, shape.clusteringKey)}; ` +
        'Cassandra cannot change a primary key: give output.sinks.cassandra.table a new name (the sink fills the new table from the topic)',
    );
  }
  for (const field of shape.fields) {
    const type = cqlTypeText(field.codec.cql, false);
    const current = byName.get(field.name);
    if (!current) statements.push(addColumn(shape, field));
    else if (normalizeType(current.type) !== normalizeType(type)) {
      problems.push(
        `column ${quote(field.name)} of ${shape.keyspace}.${shape.table} is ${current.type}, the schema now maps field ${field.name} (${field.codec.avro}) to ${type}; ` +
          'Cassandra cannot change a column type: add a new field instead, or give output.sinks.cassandra.table a new name',
      );
    }
  }
  for (const [name, type] of Object.entries(META_TYPES)) {
    const current = byName.get(name);
    if (!current) statements.push(`ALTER TABLE ${shape.keyspace}.${shape.table} ADD ${name} ${type}`);
    else if (normalizeType(current.type) !== type) problems.push(`column ${name} of ${shape.keyspace}.${shape.table} is ${current.type}, fastdata writes ${type} there; drop the table or use a new one`);
  }
  if (problems.length > 0) refuse(shape, problems);
  return statements;
}

function refuse(shape: TableShape, problems: string[]): never {
  throw new FastdataError('FD_SCHEMA_INCOMPATIBLE', `the Cassandra table ${shape.keyspace}.${shape.table} cannot take the output schema as it is now:\n  - ${problems.join('\n  - ')}`, {
    context: { field: 'output.sinks.cassandra', table: `${shape.keyspace}.${shape.table}` },
  });
}
