import { describe, expect, it } from 'vitest';
import { type ExistingSchema, planSchema } from '../../../src/sinks/cassandra/schema-plan.js';
import { tableShape } from '../../../src/sinks/cassandra/table-shape.js';

const v1 = {
  type: 'record',
  name: 'Stats',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'count', type: 'long' },
  ],
};
const spec = { table: 'stats', partitionKey: ['sensorId'], clusteringKey: ['windowStart'] };
const shapeOf = (schema: object, s = spec) => tableShape({ module: 'm', keyspace: 'ks', spec: s, schema });

/** What system_schema says about the table v1 created. */
const existingV1: ExistingSchema = {
  columns: [
    { name: 'sensorId', kind: 'partition_key', position: 0, type: 'text' },
    { name: 'windowStart', kind: 'clustering', position: 0, type: 'timestamp' },
    { name: 'count', kind: 'regular', position: -1, type: 'bigint' },
    { name: 'fastdata_partition', kind: 'regular', position: -1, type: 'int' },
    { name: 'fastdata_offset', kind: 'regular', position: -1, type: 'bigint' },
    { name: 'fastdata_timestamp', kind: 'regular', position: -1, type: 'timestamp' },
  ],
  types: new Map(),
};

describe('planSchema', () => {
  it('creates a missing table', () => {
    const plan = planSchema(shapeOf(v1), { columns: undefined, types: new Map() });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatch(/^CREATE TABLE IF NOT EXISTS ks.stats/);
  });

  it('does nothing when the table fits', () => {
    expect(planSchema(shapeOf(v1), existingV1)).toEqual([]);
  });

  it('adds a column for a field a compatible change added (and a user-defined type for a new record field)', () => {
    const v2 = {
      ...v1,
      fields: [...v1.fields, { name: 'mean', type: ['null', 'double'], default: null }, { name: 'site', type: { type: 'record', name: 'Site', fields: [{ name: 'name', type: 'string' }] }, default: { name: '' } }],
    };
    expect(planSchema(shapeOf(v2), existingV1)).toEqual([
      'CREATE TYPE IF NOT EXISTS ks.stats_site ("name" text)',
      'ALTER TABLE ks.stats ADD "mean" double',
      'ALTER TABLE ks.stats ADD "site" frozen<stats_site>',
    ]);
  });

  it('adds a field to an existing user-defined type', () => {
    const v2 = { ...v1, fields: [...v1.fields, { name: 'site', type: { type: 'record', name: 'Site', fields: [{ name: 'name', type: 'string' }, { name: 'zone', type: ['null', 'string'], default: null }] } }] };
    const existing: ExistingSchema = {
      columns: [...existingV1.columns!, { name: 'site', kind: 'regular', position: -1, type: 'frozen<stats_site>' }],
      types: new Map([['stats_site', new Map([['name', 'text']])]]),
    };
    expect(planSchema(shapeOf(v2), existing)).toEqual(['ALTER TYPE ks.stats_site ADD "zone" text']);
  });

  it('leaves the column of a removed field alone', () => {
    expect(planSchema(shapeOf({ ...v1, fields: v1.fields.slice(0, 2) }), existingV1)).toEqual([]);
  });

  it('refuses a column type change and a primary key change, each with its fix', () => {
    const changedType = { ...v1, fields: [v1.fields[0], v1.fields[1], { name: 'count', type: 'double' }] };
    expect(() => planSchema(shapeOf(changedType), existingV1)).toThrow(
      /column "count" of ks.stats is bigint, the schema now maps field count \(double\) to double; Cassandra cannot change a column type: add a new field instead/,
    );
    expect(() => planSchema(shapeOf(v1, { table: 'stats', partitionKey: ['sensorId'], clusteringKey: [] }), existingV1)).toThrow(
      /the primary key of ks.stats is \(\(sensorId\), windowStart\), the sink declares \(\(sensorId\)\); Cassandra cannot change a primary key: give output.sinks.cassandra.table a new name/,
    );
  });
});
