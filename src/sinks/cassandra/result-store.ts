/**
 * The access layer's ResultStore over the sinks' tables: for an output whose module
 * declares a Cassandra sink with a one-field partition key (the field the record key is
 * made of, as `sensorId` in the demo), a key's latest row and a key's rows in a time range
 * come from Cassandra. Anything else (a range over all keys, a composite partition key, a
 * key with more rows in the range than MAX_ROWS, Cassandra unreachable) is left to the log.
 *
 * Rows carry the log position of their record (fastdata_partition, _offset, _timestamp),
 * so a page has the log's order and cursor: the next page may come from either source.
 */
import cassandra from 'cassandra-driver';
import { errorMessage } from '../../errors.js';
import { parseAvroSchema } from '../../schema/avro.js';
import { readSchemaSource } from '../../schema/schema-file.js';
import type { OutputRecord, RangePage, RangeQuery, ResultStore } from '../result-store.js';
import type { StreamModule } from '../../stream/define.js';
import { type CassandraClient, type CassandraSettings, createCassandraClient } from './client.js';
import { selectPartition, selectPartitionRange } from './cql.js';
import { recordOfRow } from './rows.js';
import { type TableShape, tableShape } from './table-shape.js';

/** Most rows one range query reads from a partition; more, and the log answers (it pages without reading them all). */
export const MAX_ROWS = 10_000;

interface Target {
  shape: TableShape;
  /** The record key as the partition key's bind value; undefined when it cannot be one. */
  keyValue(key: string): unknown;
}

export interface CassandraResultStoreOptions {
  settings: CassandraSettings;
  modules: () => readonly StreamModule[];
  root: string;
  /** A client to share; one of its own (closed by `close`) otherwise. */
  client?: CassandraClient;
  onWarning?: (message: string) => void;
}

export class CassandraResultStore implements ResultStore {
  private readonly client: CassandraClient;
  private readonly ownsClient: boolean;
  private readonly targets = new Map<string, Promise<Target | undefined>>();
  private warnedAt = 0;

  constructor(private readonly options: CassandraResultStoreOptions) {
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createCassandraClient(options.settings, { applicationName: 'fastdata-access' });
  }

  private target(topic: string): Promise<Target | undefined> {
    let found = this.targets.get(topic);
    if (!found) {
      found = this.resolveTarget(topic);
      this.targets.set(topic, found);
    }
    return found;
  }

  private async resolveTarget(topic: string): Promise<Target | undefined> {
    const module = this.options.modules().find((m) => m.output.topic === topic && m.output.sinks.cassandra);
    const spec = module?.output.sinks.cassandra;
    if (!module || !spec || spec.partitionKey.length !== 1) return undefined;
    const schema = parseAvroSchema(await readSchemaSource(module.output.schema, this.options.root, { stream: module.name }));
    const shape = tableShape({ module: module.name, keyspace: this.options.settings.keyspace, spec, schema: JSON.parse(schema.canonical) as unknown });
    const field = shape.fields.find((f) => f.name === spec.partitionKey[0])!;
    const cql = field.codec.cql;
    const type = cql.kind === 'native' ? cql.name : undefined;
    const keyValue = (key: string): unknown => {
      if (type === 'text') return key;
      if ((type === 'int' || type === 'bigint') && /^-?\d+$/.test(key)) return type === 'int' ? Number(key) : cassandra.types.Long.fromString(key);
      if (type === 'uuid' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key)) return cassandra.types.Uuid.fromString(key);
      return undefined;
    };
    return { shape, keyValue };
  }

  /** Cassandra down or a query refused: say so (at most every 30 s) and let the log answer. */
  private unavailable(error: unknown): undefined {
    const now = Date.now();
    if (now - this.warnedAt > 30_000) {
      this.warnedAt = now;
      this.options.onWarning?.(`Cassandra does not answer (${errorMessage(error)}); reading from the log instead`);
    }
    return undefined;
  }

  private view(topic: string, key: string, shape: TableShape, row: cassandra.types.Row): OutputRecord {
    const { value, position } = recordOfRow(shape, row);
    return { topic, partition: position.partition, offset: position.offset, timestamp: position.timestamp, key, value };
  }

  async latestOf(topic: string, key: string): Promise<OutputRecord | undefined> {
    const target = await this.target(topic);
    const value = target?.keyValue(key);
    if (!target || value === undefined) return undefined;
    try {
      const result = await this.client.execute(selectPartition(target.shape, { latest: true }), [value], { prepare: true });
      const row = result.first();
      return row ? this.view(topic, key, target.shape, row) : undefined;
    } catch (error) {
      return this.unavailable(error);
    }
  }

  async range(topic: string, query: RangeQuery): Promise<RangePage | undefined> {
    if (query.key === undefined || !(query.from < query.to)) return undefined;
    const target = await this.target(topic);
    const value = target?.keyValue(query.key);
    if (!target || value === undefined) return undefined;
    const rows: cassandra.types.Row[] = [];
    try {
      const options = { prepare: true, fetchSize: 1_000, autoPage: true };
      // stream() returns a Readable of rows (typed as a plain EventEmitter): read it as an async iterable.
      const stream = this.client.stream(selectPartitionRange(target.shape), [value, new Date(query.from), new Date(query.to)], options) as unknown as AsyncIterable<cassandra.types.Row>;
      for await (const row of stream) {
        rows.push(row);
        if (rows.length > MAX_ROWS) return undefined;
      }
    } catch (error) {
      return this.unavailable(error);
    }
    // The log's order within a partition (a key is on one partition): by offset, from the cursor on.
    const records = rows
      .map((row) => this.view(topic, query.key!, target.shape, row))
      .filter((r) => r.offset >= (query.cursor?.[r.partition] ?? 0))
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const page = records.slice(0, query.limit);
    if (records.length <= query.limit) return { records: page, next: undefined };
    const last = page[page.length - 1]!;
    return { records: page, next: { ...query.cursor, [last.partition]: last.offset + 1 } };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.shutdown().catch(() => {});
  }
}
