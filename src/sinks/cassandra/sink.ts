/**
 * The Cassandra sink of one module's output: a consumer group of its own
 * (`fastdata.<module>.sink.cassandra.<table>`) on the output topic, writing each record as an
 * upsert of its row (same primary key, same row: a replay writes the same rows again).
 *
 * This file is the sink's setup and face: it checks the declaration against the output
 * schema, makes the table fit (waiting, with backoff, while Cassandra does not answer),
 * then runs the processor host (stream/host/) on the output topic. The host consumes,
 * decodes with the module's output schema as reader (older records in today's shape),
 * sends what cannot be decoded to the module's dead-letter topic (reason `decode`), and
 * commits offsets only after each task's `flush` made the rows before them durable; a task
 * per partition (sink-task.ts) buffers and writes the rows. Here live what the tasks share:
 * the backoff, the pause state ('paused' while Cassandra does not answer), the counters.
 *
 * During an outage a checkpoint waits at most `maxBatchWaitMs` (less than the group's
 * session timeout) for Cassandra, commits what was written and reads the rest again: the
 * sink pauses, the member stays in its group, and the module writing the topic is not
 * slowed at all. When Cassandra answers again the sink catches up from the committed offsets.
 */
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import type { Log } from '../../log/types.js';
import { type ParsedSchema, parseAvroSchema } from '../../schema/avro.js';
import { readSchemaSource } from '../../schema/schema-file.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { StreamModule } from '../../stream/define.js';
import { ProcessorHost } from '../../stream/host/processor-host.js';
import type { RunnerEvent } from '../../stream/runner-events.js';
import { Sleeper } from '../../time/sleeper.js';
import { type CassandraClient, type CassandraSettings, type WriteErrorKind, classifyWriteError } from './client.js';
import { insert } from './cql.js';
import { CassandraSinkTask, type SinkWriter } from './sink-task.js';
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
  /** Longest one checkpoint waits for Cassandra before reading its records again. Default 3 s (the session timeout is 10 s). */
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

/** Dead-letter reason of a record the sink could not write (the host's `fastdata.dlq.reason` header). */
export const SINK_DLQ_REASON = 'sink-write';

/** How often rows are written and offsets committed: rows reach the table within about this. */
const COMMIT_INTERVAL_MS = 200;

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
  private reader: ParsedSchema | undefined;
  private host: ProcessorHost<CassandraSinkTask> | undefined;
  private state: SinkStatus['state'] = 'starting';
  private failure: string | undefined;
  private stopping = false;
  private readonly sleeper = new Sleeper();
  private backoffMs: number;
  private readonly counters = { written: 0, retries: 0 };
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
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    this.running = this.run().catch((error: unknown) => {
      if (error instanceof Stopping || this.state === 'failed') return;
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
    const { module, log, serde, client, settings } = this.options;
    const shape = this.shape!;
    const ran = await this.retrying('prepare its table', () => ensureTable(client, shape, settings.replication));
    if (ran.length > 0) this.emit({ type: 'warning', module: this.name, message: `schema of ${shape.keyspace}.${shape.table}: ${ran.join('; ')}` });
    // The module's runner creates the output and dead-letter topics (with its partition count).
    await this.waitForTopics([module.output.topic, module.topics.deadLetter]);
    // Query the table once now, so a table Cassandra refuses is an error at start, not per record.
    await this.retrying('prepare its upsert', () => client.execute(`SELECT * FROM ${shape.keyspace}.${shape.table} LIMIT 1`).then(() => undefined));
    if (this.stopping) throw new Stopping();
    const writer = this.writer(shape);
    this.host = new ProcessorHost<CassandraSinkTask>({
      name: this.name,
      log,
      serde,
      readerSchema: this.reader!,
      feed: log.consumer({ groupId: this.groupId, topics: [module.output.topic], start: 'earliest', maxWaitMs: 200 }),
      createTask: (_id, _lanes, io) => new CassandraSinkTask(writer, io),
      deadLetterTopic: module.topics.deadLetter,
      commitInterval: COMMIT_INTERVAL_MS,
      onEvent: (event) => this.hostEvent(event),
    });
    await this.host.start();
    if (this.state === 'starting') this.state = 'running';
    const partitions = (await log.describeTopic(module.output.topic))?.partitions ?? 0;
    // Printed by `fastdata run` as "<module>:cassandra: running, <topic> -> <keyspace>.<table> (N partitions)".
    this.emit({ type: 'started', module: this.name, inputs: [module.output.topic], output: `${shape.keyspace}.${shape.table}`, partitions });
    this.resolveStarted?.();
  }

  /** What the tasks share (sink-task.ts). */
  private writer(shape: TableShape): SinkWriter {
    const sink = this;
    return {
      shape,
      insertCql: insert(shape),
      client: this.options.client,
      concurrency: this.options.settings.concurrency,
      get stopping() {
        return sink.stopping;
      },
      maxWaitMs: this.options.maxBatchWaitMs,
      written: (records) => {
        this.counters.written += records;
        this.resumed();
      },
      retryAfter: (error, kind) => this.retryAfter(error, kind),
      sleep: (ms) => this.sleeper.sleep(ms),
    };
  }

  private hostEvent(event: RunnerEvent): void {
    if (event.type === 'failed') {
      this.state = 'failed';
      this.failure = errorMessage(event.error);
    }
    this.emit(event);
  }

  private retryAfter(error: unknown, kind: WriteErrorKind): number {
    if (kind === 'schema') this.recheckTable();
    this.paused(`writing to ${this.shape!.keyspace}.${this.shape!.table}: ${errorMessage(error)}`);
    return this.nextBackoff();
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
      await this.sleeper.sleep(this.options.topicPollMs);
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
        await this.sleeper.sleep(this.nextBackoff());
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

  /** The table changed under the sink (dropped, a column removed): make it fit again, once at a time. */
  private recheckTable(): void {
    this.tableCheck ??= ensureTable(this.options.client, this.shape!, this.options.settings.replication)
      .then((ran) => {
        if (ran.length > 0) this.emit({ type: 'warning', module: this.name, message: `schema of ${this.shape!.keyspace}.${this.shape!.table} restored: ${ran.join('; ')}` });
      })
      .catch(() => {})
      .finally(() => (this.tableCheck = undefined));
  }

  status(): SinkStatus {
    const host = this.host?.status();
    return {
      sink: this.name,
      topic: this.options.module.output.topic,
      table: this.shape ? `${this.shape.keyspace}.${this.shape.table}` : '',
      groupId: this.groupId,
      state: this.state,
      written: this.counters.written,
      deadLettered: host?.deadLettered ?? 0,
      retries: this.counters.retries,
      lag: host?.lag ?? {},
      ...(this.failure ? { error: this.failure } : {}),
    };
  }

  /** Records of the output topic not yet written, from the log's end offsets and the group's commits (what any process can ask). */
  async lag(): Promise<number> {
    const { log, module } = this.options;
    const [ends, committed] = await Promise.all([log.offsets(module.output.topic), log.committed(this.groupId, module.output.topic)]);
    return ends.reduce((sum, { partition, start, end }) => sum + end - Math.max(start, committed.find((c) => c.partition === partition)?.offset ?? start), 0);
  }

  /** Stops after writing what it holds, as far as Cassandra answers (that much is committed); idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.sleeper.wakeAll();
    // Setup ends first (it throws Stopping while it waits), so a host it creates is stopped too.
    await this.running;
    await this.host?.stop();
    if (this.state !== 'failed') this.state = 'stopped';
    this.emit({ type: 'stopped', module: this.name });
  }
}
