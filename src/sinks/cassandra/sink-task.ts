/**
 * The Cassandra sink's task on the processor host: one partition of the module's output
 * topic, its records turned into upserts of their rows. The host feeds it decoded records
 * (the module's output schema as reader), commits and dead-letters; the task only buffers
 * rows and writes them when the host checkpoints (`flush`), before the offsets are committed.
 *
 *   - records with the same primary key are one write, the last one (as the table would keep);
 *   - writes run concurrently, at most `concurrency` in flight; a transient failure is retried
 *     with backoff for at most `maxWaitMs` (the host flushes its tasks together, so the whole
 *     stays under the group's session timeout); a row Cassandra refuses for its values,
 *     like a record that cannot become a row, is a dead letter (`sink-write`);
 *   - when the wait ends with rows unwritten (an outage), `flush` answers, per lane, the
 *     first offset not written: the host commits up to there, reads again from there, and
 *     drops what it had fetched past it until the replay comes (processor-host.ts, rewind).
 *     Dead letters past that offset are not sent now: the replay meets those records again.
 *   - a tombstone names no row (its key is the record key, not the primary key): skipped.
 */
import { errorMessage } from '../../errors.js';
import type { LogRecord } from '../../log/types.js';
import { type HostedTask, type TaskIo, laneKey } from '../../stream/host/processor.js';
import { type CassandraClient, type WriteErrorKind, classifyWriteError } from './client.js';
import { primaryKeyText, rowParams } from './rows.js';
import type { TableShape } from './table-shape.js';

/** What the tasks of one sink share: the table, the client, and the sink's pause state and backoff. */
export interface SinkWriter {
  readonly shape: TableShape;
  readonly insertCql: string;
  readonly client: CassandraClient;
  /** Most writes in flight at once. */
  readonly concurrency: number;
  /** True once the sink stops: a write waiting for Cassandra gives up at once. */
  readonly stopping: boolean;
  /** How long one flush waits for Cassandra before it gives up on what is not written. */
  readonly maxWaitMs: number;
  /** Rows acknowledged, for this many records: Cassandra answers. */
  written(records: number): void;
  /** A write failed but may succeed later: answers how long to wait before trying again. */
  retryAfter(error: unknown, kind: WriteErrorKind): number;
  /** A wait that ends early when the sink stops. */
  sleep(ms: number): Promise<void>;
}

/** Dead-letter header that says which sink refused the record. */
const SINK_HEADER = { 'fastdata.dlq.sink': 'cassandra' };

interface Item {
  record: LogRecord;
  params: unknown[];
}

interface Letter {
  record: LogRecord;
  message: string;
}

export class CassandraSinkTask implements HostedTask {
  private readonly writer: SinkWriter;
  private readonly io: TaskIo;
  /** Rows to write by primary key: the records of each, in offset order (the last one is written). */
  private rows = new Map<string, Item[]>();
  private pending = 0;
  /** Records that cannot become rows, sent with the flush that passes them. */
  private letters: Letter[] = [];

  constructor(writer: SinkWriter, io: TaskIo) {
    this.writer = writer;
    this.io = io;
  }

  process(value: unknown, record: LogRecord): void {
    const { shape } = this.writer;
    let params: unknown[];
    let key: string;
    try {
      params = rowParams(shape, value, record);
      key = primaryKeyText(shape, value as Record<string, unknown>);
    } catch (error) {
      this.letters.push({ record, message: `cannot write ${shape.keyspace}.${shape.table}: ${errorMessage(error)}` });
      return;
    }
    const same = this.rows.get(key);
    if (same) same.push({ record, params });
    else this.rows.set(key, [{ record, params }]);
    this.pending++;
  }

  backlog(): number {
    return this.pending;
  }

  async flush(): Promise<Map<string, number> | undefined> {
    const groups = [...this.rows.values()];
    const letters = this.letters;
    this.rows = new Map();
    this.letters = [];
    this.pending = 0;
    const unwritten = groups.length === 0 ? [] : await this.write(groups, letters);

    // Per lane, the first record not written: everything before it is durable.
    const firstUnwritten = new Map<string, number>();
    for (const items of unwritten) {
      const { topic, partition, offset } = items[0]!.record;
      const key = laneKey(topic, partition);
      if (offset < (firstUnwritten.get(key) ?? Number.POSITIVE_INFINITY)) firstUnwritten.set(key, offset);
    }
    letters.sort((a, b) => a.record.offset - b.record.offset);
    for (const { record, message } of letters) {
      if (record.offset >= (firstUnwritten.get(laneKey(record.topic, record.partition)) ?? Number.POSITIVE_INFINITY)) continue;
      this.io.deadLetter({ reason: 'sink-write', message, source: record, details: SINK_HEADER });
    }
    return firstUnwritten.size > 0 ? firstUnwritten : undefined;
  }

  /** Writes the rows, `concurrency` at a time; answers those not written when Cassandra did not answer in time. */
  private async write(groups: Item[][], letters: Letter[]): Promise<Item[][]> {
    const deadline = Date.now() + this.writer.maxWaitMs;
    const unwritten: Item[][] = [];
    let next = 0;
    let gaveUp = false;
    const lane = async () => {
      while (!gaveUp && next < groups.length) {
        const items = groups[next++]!;
        if (await this.writeRow(items, deadline, letters)) continue;
        gaveUp = true;
        unwritten.push(items);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.writer.concurrency, groups.length) }, lane));
    unwritten.push(...groups.slice(next));
    return unwritten;
  }

  /**
   * Writes the last of `items` (the records of one primary key, in offset order). True once
   * it is written or dead-lettered; false when Cassandra did not answer before `deadline`.
   */
  private async writeRow(items: Item[], deadline: number, letters: Letter[]): Promise<boolean> {
    const { client, insertCql, shape } = this.writer;
    const last = items[items.length - 1]!;
    for (;;) {
      try {
        await client.execute(insertCql, last.params, { prepare: true });
        this.writer.written(items.length);
        return true;
      } catch (error) {
        const kind = classifyWriteError(error);
        if (kind === 'rejected') {
          // Refused for its values: the earlier records of this key may still be writable.
          if (items.length > 1) {
            for (const item of items) if (!(await this.writeRow([item], deadline, letters))) return false;
            return true;
          }
          letters.push({ record: last.record, message: `Cassandra refused the row for ${shape.keyspace}.${shape.table}: ${errorMessage(error)}` });
          return true;
        }
        const wait = this.writer.retryAfter(error, kind);
        if (this.writer.stopping || Date.now() + wait > deadline) return false;
        await this.writer.sleep(wait);
      }
    }
  }

  /** The partition left this member (or the sink stops): what is not written is read again by its next owner. */
  stop(): void {
    this.rows = new Map();
    this.letters = [];
    this.pending = 0;
  }
}
