/**
 * An output record as the bind values of the sink's upsert, and a row read back as the
 * record (type-mapping.ts does each value). Throws, naming the field, for a value that
 * Cassandra cannot hold: that record goes to the dead-letter topic.
 */
import cassandra from 'cassandra-driver';
import { META_COLUMNS, type TableShape } from './table-shape.js';
import { readField, writeField } from './type-mapping.js';

export interface LogPosition {
  partition: number;
  offset: number;
  timestamp: number;
}

/** Bind values in the order of `insertColumns(shape)`. */
export function rowParams(shape: TableShape, record: unknown, position: LogPosition): unknown[] {
  if (record === null || typeof record !== 'object') throw new Error(`the record is ${record === null ? 'null' : typeof record}, not an object`);
  const values = record as Record<string, unknown>;
  const params = shape.fields.map((field) => writeField(field, values[field.name], field.name));
  params.push(position.partition, cassandra.types.Long.fromNumber(position.offset), new Date(position.timestamp));
  return params;
}

/** The primary key of bind values (rowParams), as a string: records with the same one are the same row. */
export function primaryKeyText(shape: TableShape, record: Record<string, unknown>): string {
  return JSON.stringify([...shape.partitionKey, ...shape.clusteringKey].map((name) => {
    const value = record[name];
    return Buffer.isBuffer(value) ? value.toString('base64') : value;
  }));
}

export interface RowRecord {
  value: Record<string, unknown>;
  position: LogPosition;
}

export function recordOfRow(shape: TableShape, row: cassandra.types.Row): RowRecord {
  const value = Object.fromEntries(shape.fields.map((field) => [field.name, readField(field, row[field.name])]));
  const offset = row[META_COLUMNS.offset] as cassandra.types.Long | null;
  const timestamp = row[META_COLUMNS.timestamp] as Date | null;
  return {
    value,
    position: {
      partition: Number(row[META_COLUMNS.partition] ?? -1),
      offset: offset === null ? -1 : offset.toNumber(),
      timestamp: timestamp === null ? 0 : timestamp.getTime(),
    },
  };
}
