/**
 * Makes the keyspace, user-defined types and table of a sink exist and fit its shape:
 * reads system_schema, plans (schema-plan.ts), runs the plan. Several workers may do this
 * at once: CREATE ... IF NOT EXISTS is idempotent, and an ADD that another worker ran
 * first is recognised by planning again.
 */
import type { CassandraClient } from './client.js';
import { createKeyspace, type Replication } from './cql.js';
import { type ExistingColumn, type ExistingSchema, planSchema } from './schema-plan.js';
import type { TableShape } from './table-shape.js';

export async function readExistingSchema(client: CassandraClient, keyspace: string, table: string): Promise<ExistingSchema> {
  const columns = await client.execute('SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [keyspace, table]);
  const types = await client.execute('SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = ?', [keyspace]);
  return {
    columns:
      columns.rows.length === 0
        ? undefined
        : columns.rows.map((row): ExistingColumn => ({ name: String(row['column_name']), kind: row['kind'] as ExistingColumn['kind'], position: Number(row['position']), type: String(row['type']) })),
    types: new Map(
      types.rows.map((row) => {
        const names = (row['field_names'] ?? []) as string[];
        const fieldTypes = (row['field_types'] ?? []) as string[];
        return [String(row['type_name']), new Map(names.map((name, i) => [name, fieldTypes[i] ?? '']))];
      }),
    ),
  };
}

/** Creates or alters what is needed; resolves to the statements it ran (empty when the table fitted). */
export async function ensureTable(client: CassandraClient, shape: TableShape, replication: Replication): Promise<string[]> {
  await client.execute(createKeyspace(shape.keyspace, replication));
  const ran: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const plan = planSchema(shape, await readExistingSchema(client, shape.keyspace, shape.table));
    if (plan.length === 0) return ran;
    try {
      for (const statement of plan) {
        await client.execute(statement);
        ran.push(statement);
      }
    } catch (error) {
      // Another worker altered the table between our read and our ALTER: plan again.
      if (attempt >= 3 || !/already exists|conflicts with an existing column/i.test((error as Error).message)) throw error;
    }
  }
}
