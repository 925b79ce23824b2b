/**
 * The Cassandra sink of one module's output: a consumer group of its own
 * (`fastdata.<module>.sink.cassandra.<table>`) on the output topic, writing each record as an
 * upsert of its row (same primary key, same row: a replay writes the same rows again).
 *
 * Per batch (one partition's records, in offset order):
 *   1. decode each record with the module's output schema as reader (older records are
 *      read in today's shape) and convert it to bind values; one that cannot be decoded or
 *      converted is a dead letter;
 *   2. records with the same primary key in the batch are one write (the last one wins, as
 *      it would in the table);
 *   3. writes run concurrently, at most `cassandra.concurrency` in flight; a write that
 *      Cassandra refuses for its values is a dead letter; a transient failure is retried
 *      with exponential backoff;
 *   4. dead letters are produced to the module's dead-letter topic (the runner's format,
 *      reason `sink-write`), then the offset after the last acknowledged record is committed.
 *
 * During an outage a batch waits at most `maxBatchWaitMs` (less than the group's session
 * timeout), commits what was written, seeks back to the first record that was not, and
 * hands the partition back to the consumer, which fetches it again: the sink pauses and
 * the member stays in its group; the module writing the topic is not slowed at all. When
 * Cassandra answers again the sink catches up from the committed offsets.
 */
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import type { Batch, GroupConsumer, Log, LogRecord, ProduceRecord } from '../../log/types.js';
import { type ParsedSchema, parseAvroSchema } from '../../schema/avro.js';
import { readSchemaSource } from '../../schema/schema-file.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { StreamModule } from '../../stream/define.js';
import type { RunnerEvent } from '../../stream/runner-events.js';
import { type CassandraClient, type CassandraSettings, classifyWriteError } from './client.js';
import { insert } from './cql.js';
import { primaryKeyText, rowParams } from './rows.js';
import { ensureTable } from './table-setup.js';
import { type TableShape, tableShape } from './table-shape.js';

export interface CassandraSinkOptions {
  module: StreamModule;
  log: Log;
  serde: AvroSerde;
  client: CassandraClient;
  settings: CassandraSettings;
  /** Where the module's schema path is resolved. */
  root: string;
  onEvent?: (event: RunnerEvent) => void;
  /** Longest one batch waits for Cassandra before handing its partition back. Default 3 s (the session timeout is 10 s). */
  maxBatchWaitMs?: number;
  /** Backoff between retries of a failed write: from `initialMs`, doubling to `maxMs`. Default 100 ms to 5 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** How often a sink waiting for its topics looks again. Default 500 ms. */
  topicPollMs?: number;
}

export interface SinkStatus {
  sink: string;
  topic: string;
  table: string;
  groupId: string;
  state: 'starting' | 'running' | 'paused' | 'stopped' | 'failed';
  /** Records written (acknowledged by Cassandra) since start. */
  written: number;
  deadLettered: number;
  retries: number;
  /** Per partition: records of the output topic not yet written. */
  lag: Record<number, number>;
  error?: string;
}

/** Dead-letter reason of a record the sink could not write (the runner's `fastdata.dlq.reason` header). */
export const SINK_DLQ_REASON = 'sink-write';

interface Item {
  record: LogRecord;
  params: unknown[];
}

class Stopping extends Error {}

/**
 * The sink's consumer group: per module and table, so a sink moved to a new table (after a
 * key change Cassandra cannot apply) is a new group that fills it from the earliest record.
 */
export const sinkGroupId = (module: StreamModule) => `fastdata.${module.name}.sink.cassandra.${module.output.sinks.cassandra?.table ?? ''}`;

export class CassandraSink {
  readonly name: string;
  readonly groupId: string;
  private readonly options: Required<Omit<CassandraSinkOptions, 'onEvent'>> & Pick<CassandraSinkOptions, 'onEvent'>;
  private shape: TableShape | undefined;
  private insertCql = '';
  private reader: ParsedSchema | undefined;
  private consumer: GroupConsumer | undefined;
  private state: SinkStatus['state'] = 'starting';
  private failure: string | undefined;
  private stopping = false;
  private readonly wakeups = new Set<() => void>();
  private backoffMs: number;
  private readonly counters = { written: 0, deadLettered: 0, retries: 0 };
  private readonly positions = new Map<number, number>();
  private readonly highWatermarks = new Map<number, number>();
  private running: Promise<void> | undefined;
  private started: Promise<void> | undefined;
  private resolveStarted: (() => void) | undefined;
  private tableCheck: Promise<unknown> | undefined;

  constructor(options: CassandraSinkOptions) {
    this.options = {
      maxBatchWaitMs: 3_000,
      backoff: { initialMs: 100, maxMs: 5_000 },
      topicPollMs: 500,
      ...options,
    };
    this.name = `${options.module.name}:cassandra`;
    this.groupId = sinkGroupId(options.module);
    this.backoffMs = this.options.backoff.initialMs;
    if (!options.module.output.sinks.cassandra) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${options.module.name} declares no Cassandra sink (output.sinks.cassandra)`, { context: { stream: options.module.name } });
    }
  }

  private emit(event: RunnerEvent): void {
    this.options.onEvent?.(event);
  }

  /**
   * Checks the declaration against the output schema (throws, naming the field, when they
   * do not fit), then prepares the table and consumes in the background: an unreachable
   * Cassandra is waited for, not an error. `whenRunning()` resolves once it consumes.
   */
  async start(): Promise<void> {
    const { module, root, settings } = this.options;
    const source = await readSchemaSource(module.output.schema, root, { stream: module.name });
    this.reader = parseAvroSchema(source, { stream: module.name });
    this.shape = tableShape({ module: module.name, keyspace: settings.keyspace, spec: module.output.sinks.cassandra!, schema: JSON.parse(this.reader.canonical) as unknown });
    this.insertCql = insert(this.shape);
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    this.running = this.run().catch((error: unknown) => {
      if (error instanceof Stopping) return;
      this.state = 'failed';
      this.failure = errorMessage(error);
      this.emit({ type: 'failed', module: this.name, error });
    });
  }

  /** Resolves once the sink consumes (the table is ready); rejects if it failed first. */
  async whenRunning(): Promise<void> {
    if (!this.started) throw new FastdataError('FD_ARGUMENT_INVALID', `sink ${this.name} was not started`);
    await Promise.race([this.started, this.running!.then(() => {
      if (this.state === 'failed') throw new FastdataError('FD_INTERNAL', `sink ${this.name} failed: ${this.failure}`);
    })]);
  }

  get table(): TableShape {
    if (!this.shape) throw new FastdataError('FD_ARGUMENT_INVALID', `sink ${this.name} was not started`);
    return this.shape;
  }

  private async run(): Promise<void> {
    const { module, log, client, settings } = this.options;
    const shape = this.shape!;
    const ran = await this.retrying('prepare its table', () => ensureTable(client, shape, settings.replication));
    if (ran.length > 0) this.emit({ type: 'warning', module: this.name, message: `schema of ${shape.keyspace}.${shape.table}: ${ran.join('; ')}` });
    // The module's runner creates the output and dead-letter topics (with its partition count).
    await this.waitForTopics([module.output.topic, module.topics.deadLetter]);
    // Prepare once now, so a statement Cassandra refuses is an error at start, not per record.
    await this.retrying('prepare its upsert', () => client.execute(`SELECT * FROM ${shape.keyspace}.${shape.table} LIMIT 1`).then(() => undefined));
    this.consumer = log.consumer({ groupId: this.groupId, topics: [module.output.topic], start: 'earliest', maxWaitMs: 200 });
    await this.consumer.run({
      onAssigned: async (tps) => {
        this.emit({ type: 'assigned', module: this.name, partitions: tps.map((tp) => tp.partition) });
        const committed = await log.committed(this.groupId, module.output.topic);
        for (const { partition } of tps) this.positions.set(partition, committed.find((c) => c.partition === partition)?.offset ?? 0);
      },
      onRevoked: async (tps) => {
        for (const { partition } of tps) {
          this.positions.delete(partition);
          this.highWatermarks.delete(partition);
        }
      },
      eachBatch: (batch) => this.writeBatch(batch),
    });
    if (this.state === 'starting') this.state = 'running';
    const partitions = (await log.describeTopic(module.output.topic))?.partitions ?? 0;
    // Printed by `fastdata run` as "<module>:cassandra: running, <topic> -> <keyspace>.<table> (N partitions)".
    this.emit({ type: 'started', module: this.name, inputs: [module.output.topic], output: `${shape.keyspace}.${shape.table}`, partitions });
    this.resolveStarted?.();
  }

  private async waitForTopics(topics: string[]): Promise<void> {
    let announced = false;
    for (;;) {
      const described = await Promise.all(topics.map((topic) => this.options.log.describeTopic(topic)));
      if (described.every(Boolean)) return;
      if (this.stopping) throw new Stopping();
      if (!announced) {
        this.emit({ type: 'waiting', module: this.name, topics: topics.filter((_, i) => !described[i]) });
        announced = true;
      }
      await this.sleep(this.options.topicPollMs);
    }
  }

  /** Runs `fn` until it succeeds, retrying transient failures with backoff; the sink is paused meanwhile. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.stopping) throw new Stopping();
      try {
        const value = await fn();
        this.resumed();
        return value;
      } catch (error) {
        if (isFastdataError(error) || classifyWriteError(error) !== 'transient') throw error;
        this.paused(`cannot ${what}: ${errorMessage(error)}`);
        await this.sleep(this.nextBackoff());
      }
    }
  }

  private nextBackoff(): number {
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.options.backoff.maxMs, this.backoffMs * 2);
    // Jitter, so the writes of several sinks do not retry in step.
    return wait / 2 + Math.random() * (wait / 2);
  }

  private paused(reason: string): void {
    this.counters.retries++;
    if (this.state !== 'paused' && this.state !== 'stopped' && this.state !== 'failed') {
      this.state = 'paused';
      this.failure = reason;
      this.emit({ type: 'warning', module: this.name, message: `paused, retrying with backoff: ${reason}` });
    }
  }

  private resumed(): void {
    this.backoffMs = this.options.backoff.initialMs;
    if (this.state === 'paused') {
      this.state = 'running';
      this.failure = undefined;
      this.emit({ type: 'warning', module: this.name, message: 'Cassandra answers again: resumed' });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }

  private async writeBatch(batch: Batch): Promise<void> {
    const { topic, partition, records, highWatermark } = batch;
    this.highWatermarks.set(partition, highWatermark);
    if (records.length === 0) return;
    const shape = this.shape!;
    const done = new Set<number>();
    const letters: Array<{ record: LogRecord; message: string }> = [];
    const rows = new Map<string, Item[]>();
    let registryDown = false;
    for (const record of records) {
      if (record.value === null) {
        // A tombstone names no row (its key is the record key, not the primary key): nothing to write.
        done.add(record.offset);
        continue;
      }
      try {
        const value = await this.options.serde.decode(record.value, this.reader);
        const params = rowParams(shape, value, record);
        const key = primaryKeyText(shape, value as Record<string, unknown>);
        const same = rows.get(key);
        if (same) same.push({ record, params });
        else rows.set(key, [{ record, params }]);
      } catch (error) {
        if (isFastdataError(error) && error.retriable) {
          // The registry does not answer (a writer schema to fetch): this record and the
          // rest wait like writes during an outage; what came before is written.
          this.paused(`cannot decode ${record.topic}[${record.partition}]@${record.offset}: ${errorMessage(error)}`);
          registryDown = true;
          break;
        }
        letters.push({ record, message: `cannot write ${shape.keyspace}.${shape.table}: ${errorMessage(error)}` });
        done.add(record.offset);
      }
    }

    const deadline = Date.now() + this.options.maxBatchWaitMs;
    const queue = [...rows.values()];
    let next = 0;
    let gaveUp = false;
    const worker = async () => {
      while (!gaveUp && next < queue.length) {
        const items = queue[next++]!;
        if (await this.writeRow(items, deadline, letters)) for (const item of items) done.add(item.record.offset);
        else gaveUp = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.settings.concurrency, queue.length) }, worker));

    if (registryDown && !this.stopping) await this.sleep(Math.min(this.nextBackoff(), Math.max(0, deadline - Date.now())));
    // Everything before the first record not written is done: commit up to there.
    const firstUndone = records.find((r) => !done.has(r.offset))?.offset;
    const commitTo = firstUndone ?? records[records.length - 1]!.offset + 1;
    const due = letters.filter((l) => l.record.offset < commitTo);
    if (due.length > 0) await this.deadLetter(due);
    if (commitTo > records[0]!.offset) await this.commit(topic, partition, commitTo);
    if (firstUndone !== undefined && !this.stopping) this.consumer?.seek({ topic, partition, offset: firstUndone });
  }

  /**
   * Writes the last of `items` (records of one primary key, in offset order). True once
   * it is written or dead-lettered; false when Cassandra did not answer before `deadline`.
   */
  private async writeRow(items: Item[], deadline: number, letters: Array<{ record: LogRecord; message: string }>): Promise<boolean> {
    const last = items[items.length - 1]!;
    for (;;) {
      try {
        await this.options.client.execute(this.insertCql, last.params, { prepare: true });
        this.counters.written += items.length;
        this.resumed();
        return true;
      } catch (error) {
        const kind = classifyWriteError(error);
        if (kind === 'rejected') {
          // Refused for its values: the earlier records of this key may still be writable.
          if (items.length > 1) {
            for (const item of items) if (!(await this.writeRow([item], deadline, letters))) return false;
            return true;
          }
          letters.push({ record: last.record, message: `Cassandra refused the row for ${this.shape!.keyspace}.${this.shape!.table}: ${errorMessage(error)}` });
          return true;
        }
        if (kind === 'schema') this.recheckTable();
        this.paused(`writing to ${this.shape!.keyspace}.${this.shape!.table}: ${errorMessage(error)}`);
        const wait = this.nextBackoff();
        if (this.stopping || Date.now() + wait > deadline) return false;
        await this.sleep(wait);
      }
    }
  }

  /** The table changed under the sink (dropped, a column removed): make it fit again, once at a time. */
  private recheckTable(): void {
    this.tableCheck ??= ensureTable(this.options.client, this.shape!, this.options.settings.replication)
      .then((ran) => {
        if (ran.length > 0) this.emit({ type: 'warning', module: this.name, message: `schema of ${this.shape!.keyspace}.${this.shape!.table} restored: ${ran.join('; ')}` });
      })
      .catch(() => {})
      .finally(() => (this.tableCheck = undefined));
  }

  private async deadLetter(letters: Array<{ record: LogRecord; message: string }>): Promise<void> {
    const { module, log } = this.options;
    const records: ProduceRecord[] = letters.map(({ record, message }) => ({
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: {
        'fastdata.dlq.reason': SINK_DLQ_REASON,
        'fastdata.dlq.message': message,
        'fastdata.dlq.module': module.name,
        'fastdata.dlq.sink': 'cassandra',
        'fastdata.source.topic': record.topic,
        'fastdata.source.partition': String(record.partition),
        'fastdata.source.offset': String(record.offset),
      },
    }));
    await log.produce(module.topics.deadLetter, records);
    this.counters.deadLettered += records.length;
    this.emit({ type: 'warning', module: this.name, message: `${records.length} record(s) to ${module.topics.deadLetter} (${SINK_DLQ_REASON}), e.g. ${letters[0]!.message}` });
  }

  private async commit(topic: string, partition: number, offset: number): Promise<void> {
    try {
      await this.consumer!.commit([{ topic, partition, offset }]);
      this.positions.set(partition, offset);
    } catch (error) {
      // The partition moved while the batch waited: its new owner rewrites from the last commit (same rows).
      if (isFastdataError(error, 'FD_GROUP_REBALANCING') || isFastdataError(error, 'FD_PARTITION_INVALID')) return;
      throw error;
    }
  }

  status(): SinkStatus {
    const lag: Record<number, number> = {};
    for (const [partition, position] of this.positions) lag[partition] = Math.max(0, (this.highWatermarks.get(partition) ?? position) - position);
    return {
      sink: this.name,
      topic: this.options.module.output.topic,
      table: this.shape ? `${this.shape.keyspace}.${this.shape.table}` : '',
      groupId: this.groupId,
      state: this.state,
      ...this.counters,
      lag,
      ...(this.failure ? { error: this.failure } : {}),
    };
  }

  /** Records of the output topic not yet written, from the log's end offsets and the group's commits (what any process can ask). */
  async lag(): Promise<number> {
    const { log, module } = this.options;
    const [ends, committed] = await Promise.all([log.offsets(module.output.topic), log.committed(this.groupId, module.output.topic)]);
    return ends.reduce((sum, { partition, start, end }) => sum + end - Math.max(start, committed.find((c) => c.partition === partition)?.offset ?? start), 0);
  }

  /** Stops after the batch in flight (what it wrote is committed); idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const wake of [...this.wakeups]) wake();
    await this.consumer?.stop();
    await this.running;
    if (this.state !== 'failed') this.state = 'stopped';
    this.emit({ type: 'stopped', module: this.name });
  }
}
