import { Observable, type OperatorFunction } from 'rxjs';
import { FastdataError, errorMessage } from '../../errors.js';
import { currentTaskContext } from '../task-context.js';
import { Keyed } from './keyed.js';
import type { Table } from './table.js';

export interface JoinTableOptions {
  /**
   * `inner` (default): a record whose key has no row goes to the dead-letter topic (reason
   * `unmatched`), where it can be counted and replayed once the row exists, rather than be
   * dropped unseen. `left`: it goes on, and `combine` gets `undefined` for the row.
   */
  kind?: 'inner' | 'left';
}

/**
 * Enriches each keyed record with the row of its key in `table` (the latest value of that
 * key in the table's compacted topic): Kafka Streams' stream-table join. The key is the
 * one of the `keyBy` before it, which must be the table's key: like any keyBy, it sends
 * records to the task that holds their key's rows, through a repartition topic when the
 * input is keyed otherwise.
 *
 * Which row a record meets: the table is read to its end when a task starts, before the
 * task takes any input record; after that, table changes and input records are applied
 * in the order they are read (processing order, as in Kafka Streams), so a record is
 * joined with the row as it stood when the record was processed, not as of its event time.
 *
 * State: the rows of the task's partition of the table, in memory (not checkpointed: the
 * compacted topic is their durable copy and is read again at start).
 *
 * @example
 * tables: { metadata: 'sensor.metadata' },
 * pipeline: ({ readings }, { metadata }) => readings.pipe(
 *   keyBy((r) => r.sensorId, { partitioned: 'input' }),
 *   joinTable(metadata, (reading, meta) => ({ ...reading, site: meta.site, limit: meta.maxTemperature })),
 * )
 */
export function joinTable<T, V, R>(table: Table<V>, combine: (value: T, row: V, key: string) => R, options?: { kind?: 'inner' }): OperatorFunction<Keyed<T>, R>;
export function joinTable<T, V, R>(table: Table<V>, combine: (value: T, row: V | undefined, key: string) => R, options: { kind: 'left' }): OperatorFunction<Keyed<T>, R>;
export function joinTable<T, V, R>(table: Table<V>, combine: (value: T, row: V | undefined, key: string) => R, options: JoinTableOptions = {}): OperatorFunction<Keyed<T>, R> {
  if (table === null || typeof table !== 'object' || typeof (table as Table<V>).alias !== 'string' || typeof (table as Table<V>).topic !== 'string') {
    throw new FastdataError('FD_PIPELINE_INVALID', "joinTable(table, combine): table must be one of the pipeline's tables, e.g. pipeline: ({ readings }, { metadata }) => ... joinTable(metadata, ...)");
  }
  if (typeof combine !== 'function') throw new FastdataError('FD_PIPELINE_INVALID', 'joinTable(table, combine): combine must be a function (record, row, key) => output');
  const kind = options.kind ?? 'inner';
  if (kind !== 'inner' && kind !== 'left') throw new FastdataError('FD_PIPELINE_INVALID', `joinTable option kind must be 'inner' or 'left', got ${JSON.stringify(kind)}`);
  const { alias, topic } = table;
  return (source) =>
    new Observable<R>((subscriber) => {
      const ctx = currentTaskContext('joinTable');
      const rows = ctx.tables.of(alias);
      return source.subscribe({
        next(k) {
          if (!(k instanceof Keyed)) {
            subscriber.error(new FastdataError('FD_PIPELINE_INVALID', `joinTable() needs keyed records: put keyBy((r) => <the key of ${topic}>) before it`, { context: { stream: ctx.module } }));
            return;
          }
          const row = rows.get(k.key) as V | undefined;
          if (row === undefined && kind === 'inner') {
            ctx.deadLetter({
              reason: 'unmatched',
              message: `joinTable: ${topic} has no row for key ${JSON.stringify(k.key)}; write the row (keyed by it), or join with { kind: 'left' } to go on without one`,
              details: { 'fastdata.key': k.key, 'fastdata.table': topic },
            });
            return;
          }
          let out: R;
          try {
            out = combine(k.value, row as V, k.key);
          } catch (error) {
            ctx.deadLetter({ reason: 'pipeline-error', message: `joinTable ${alias} combine failed for key ${k.key}: ${errorMessage(error)}` });
            return;
          }
          subscriber.next(out);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
