/**
 * Runs one stream module: registers its output schema, waits for its inputs, creates its
 * output and internal topics, then runs a task per input partition on the processor host
 * (host/processor-host.ts), in the module's consumer group. The host does the consuming,
 * decoding, event time, checkpoints and commits; a module task (module-task.ts) is the
 * module's pipeline and output stage.
 *
 * With `guarantee: 'exactly-once'` (Kafka only), each task checkpoints in one transaction of
 * its own producer (transactional id `<group>-<partition>`): outputs, dead letters, state
 * and input offsets become visible together or not at all, and a task's new owner fences
 * the old one when it opens that producer, before it restores the state.
 */
import { FastdataError, isFastdataError } from '../errors.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../log/batch-size.js';
import type { Log, TopicConfig, TopicPartitionOffset } from '../log/types.js';
import { readSchemaSource } from '../schema/schema-file.js';
import type { AvroSerde } from '../schema/serde.js';
import { valueSubject } from '../schema/types.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { StreamModule } from './define.js';
import { TASK_CLOCK } from './host/changelog.js';
import { type HostTiming, type ProcessingGuarantee, ProcessorHost } from './host/processor-host.js';
import { ModuleTask } from './module-task.js';
import { moduleTimeSpec } from './module-time.js';
import { OutputStage } from './output-stage.js';
import { type Repartition, repartitionDecoder, repartitionTopic } from './repartition.js';
import { repartitioningKeyBys } from './topology.js';
import type { RunnerEvent } from './runner-events.js';

export type { ProcessingGuarantee };
export type RunnerTiming = HostTiming;

export interface RunnerOptions {
  log: Log;
  serde: AvroSerde;
  /** Where the module's schema paths are resolved. */
  root: string;
  /** Partitions of an output topic the runner creates, unless the module says otherwise. */
  defaultPartitions: number;
  clock?: Clock;
  onEvent?: (event: RunnerEvent) => void;
  /**
   * Checkpoint early once this many output records are buffered. Default 5,000: buffered
   * outputs outlive young-generation collections, and copying them there cost a 1:1 module
   * ~15% of its throughput at 20,000.
   */
  maxBufferedOutputs?: number;
  /** How often a runner waiting for an input topic to exist looks again. Default 500 ms. */
  topicPollMs?: number;
  /** Default 'at-least-once'. 'exactly-once' needs a log with transactions (Kafka). */
  guarantee?: ProcessingGuarantee;
  /** Processing times, for metrics (src/metrics/); see HostTiming. */
  onTiming?: (timing: RunnerTiming) => void;
  /**
   * Stop once the inputs are processed up to the end offsets they had at start (by this
   * member, or committed by the others of the group), checkpointing on the way out.
   */
  untilEnd?: boolean;
}

export interface RunnerStatus {
  module: string;
  state: 'idle' | 'waiting' | 'running' | 'stopped' | 'failed';
  error?: string;
  partitions: number[];
  records: number;
  outputs: number;
  late: number;
  deadLettered: number;
  // The event-time guard's figures (maxFutureSkew): always given by a runner, optional for statuses made elsewhere.
  /** Records dead-lettered for an event time too far ahead of the clock (`future-event-time`, also in deadLettered). */
  future?: number;
  /** Tasks restored without their checkpointed watermark, which was too far ahead of the clock. */
  watermarkResets?: number;
  /** The last such watermark: which partition, what it said, when it was left out. */
  lastWatermarkReset?: { partition: number; watermark: number; at: number };
  /** watermark.maxFutureSkew, ms. */
  maxFutureSkew?: number;
  checkpoints: number;
  lastCheckpointAt: number | undefined;
  /** Per partition: records in the inputs not yet processed. */
  lag: Record<number, number>;
  watermarks: Record<number, number>;
}

const RETENTION_DLQ_MS = 7 * 24 * 3_600_000;
/** A repartition topic is read by the module itself, normally within seconds; a week covers a module stopped over a long weekend. */
const RETENTION_REPARTITION_MS = 7 * 24 * 3_600_000;

/**
 * A module's changelog: compacted, segments rolled every 10 minutes so compaction keeps up,
 * and created with Kafka's default max.message.bytes (1,048,588), which checkpoints are cut
 * to fit (whatever value the topic has when the module starts).
 */
export const CHANGELOG_CONFIG: Partial<TopicConfig> = Object.freeze({
  cleanupPolicy: 'compact',
  segmentMs: 10 * 60_000,
  segmentBytes: 16 * 1024 * 1024,
  maxMessageBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
});

export class StreamRunner {
  readonly module: StreamModule;
  private readonly options: RunnerOptions & { clock: Clock; topicPollMs: number; guarantee: ProcessingGuarantee };
  private host: ProcessorHost<ModuleTask> | undefined;
  private state: 'idle' | 'waiting' | 'running' | 'stopped' = 'idle';
  private failure: string | undefined;
  private inputPartitions = 0;
  private repartition: Repartition | undefined;
  private stopping = false;
  private stopUntilEndCheck: (() => void) | undefined;
  private settle!: () => void;
  /** Resolves once the runner has stopped (with `untilEnd`: once it reached the end and stopped). */
  readonly finished = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(module: StreamModule, options: RunnerOptions) {
    this.module = module;
    this.options = { ...options, clock: options.clock ?? systemClock, topicPollMs: options.topicPollMs ?? 500, guarantee: options.guarantee ?? 'at-least-once' };
    if (this.options.guarantee === 'exactly-once' && !options.log.transactionalProducer) {
      throw new FastdataError('FD_CONFIG_INVALID', `stream ${module.name}: processing.guarantee exactly-once needs a log with transactions; set log.kind: kafka, or use at-least-once`, {
        context: { field: 'processing.guarantee' },
      });
    }
  }

  private emit(event: RunnerEvent): void {
    if (event.type === 'failed') this.failure ??= (event.error as Error)?.message ?? String(event.error);
    this.options.onEvent?.(event);
  }

  /** Prepares topics and schemas, joins the consumer group; resolves once consuming. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} was started already`);
    const { log, serde, root, clock } = this.options;
    const m = this.module;
    const schema = await readSchemaSource(m.output.schema, root, { stream: m.name });
    let encoder;
    try {
      encoder = await serde.encoderFor(valueSubject(m.output.topic), schema);
    } catch (error) {
      if (isFastdataError(error, 'FD_SCHEMA_INCOMPATIBLE')) {
        throw new FastdataError(
          'FD_SCHEMA_INCOMPATIBLE',
          `stream ${m.name}: its output schema cannot replace the one registered for ${m.output.topic}: ${error.message}. ` +
            `Make the change compatible (e.g. give new fields a default), or write to a new topic`,
          { context: { stream: m.name, topic: m.output.topic }, cause: error },
        );
      }
      throw error;
    }

    this.state = 'waiting';
    this.inputPartitions = await this.waitForInputs();
    if (this.stopping) return;
    await log.createTopic({
      name: m.output.topic,
      partitions: m.output.partitions ?? this.options.defaultPartitions,
      config: m.output.retentionMs === undefined ? {} : { retentionMs: m.output.retentionMs },
    });
    await this.ensureInternalTopic(m.topics.changelog, CHANGELOG_CONFIG);
    await this.ensureInternalTopic(m.topics.deadLetter, { retentionMs: RETENTION_DLQ_MS });
    // One task owns every key when there is one partition: nothing to send anywhere.
    const keyBys = this.inputPartitions > 1 ? repartitioningKeyBys(m) : [];
    const repartition = keyBys.length > 0 ? { topics: new Map(keyBys.map((k) => [k, repartitionTopic(m.name, k)])), partitions: this.inputPartitions } : undefined;
    const repartitionTopics = [...(repartition?.topics.values() ?? [])];
    this.repartition = repartition;
    for (const topic of repartitionTopics) await this.ensureInternalTopic(topic, { retentionMs: RETENTION_REPARTITION_MS });

    const stage = new OutputStage(m, (value) => encoder.encode(value), encoder.type);
    const host = new ProcessorHost<ModuleTask>({
      name: m.name,
      log,
      serde,
      ...(repartition ? { decode: repartitionDecoder((value) => serde.decodeSync(value)) } : {}),
      feed: log.consumer({ groupId: m.groupId, topics: [...m.inputs.map((i) => i.topic), ...m.tables.map((t) => t.topic), ...repartitionTopics], start: 'earliest', maxWaitMs: 200 }),
      createTask: (id, lanes, io, restored) => new ModuleTask(m, id, lanes, io, restored, clock, stage, this.inputPartitions, repartition),
      time: moduleTimeSpec(m, repartition),
      deadLetterTopic: m.topics.deadLetter,
      changelogTopic: m.topics.changelog,
      outputTopics: [m.output.topic, ...repartitionTopics],
      internalTopics: repartitionTopics,
      tableTopics: m.tables.map((t) => t.topic),
      guarantee: this.options.guarantee,
      transactionalIdPrefix: m.groupId,
      commitInterval: m.commitInterval,
      maxCommitInterval: m.maxCommitInterval,
      ...(this.options.maxBufferedOutputs === undefined ? {} : { maxBufferedOutputs: this.options.maxBufferedOutputs }),
      clock,
      onEvent: (event) => this.emit(event),
      ...(this.options.onTiming ? { onTiming: this.options.onTiming } : {}),
    });
    this.host = host;
    this.state = 'running';
    // The end offsets "at start": before the first record is read.
    const ends = this.options.untilEnd ? await this.endOffsets() : undefined;
    await host.start();
    this.emit({ type: 'started', module: m.name, inputs: m.inputs.map((i) => i.topic), output: m.output.topic, partitions: this.inputPartitions });
    if (ends) this.stopAtEnd(ends);
  }

  private async endOffsets(): Promise<TopicPartitionOffset[]> {
    const ends: TopicPartitionOffset[] = [];
    for (const input of this.module.inputs) for (const o of await this.options.log.offsets(input.topic)) ends.push({ topic: input.topic, partition: o.partition, offset: o.end });
    return ends;
  }

  /** Checks now and then whether every input partition is processed to `ends` (here, or committed by another member), then stops. */
  private stopAtEnd(ends: TopicPartitionOffset[]): void {
    let checking = false;
    this.stopUntilEndCheck = this.options.clock.every(200, () => {
      if (checking || this.stopping) return;
      checking = true;
      this.atEnd(ends)
        .then((done) => (done ? this.stop() : undefined))
        .catch((error) => this.emit({ type: 'warning', module: this.module.name, message: `cannot tell whether the inputs are processed to their end: ${(error as Error).message}` }))
        .finally(() => (checking = false));
    });
  }

  private async atEnd(ends: TopicPartitionOffset[]): Promise<boolean> {
    const host = this.host;
    if (!host || host.failed) return false;
    if (!(await this.processedTo(host, ends))) return false;
    // The inputs are done; what their records sent other tasks must be too: written (nothing
    // buffered here; a member that committed its inputs wrote it) and read up to the end.
    const repartition = this.repartition;
    if (!repartition) return true;
    if (host.pendingOutputs > 0 || !host.tasks().every((task) => task.markersSent)) return false;
    const now: TopicPartitionOffset[] = [];
    for (const topic of repartition.topics.values()) for (const o of await this.options.log.offsets(topic)) now.push({ topic, partition: o.partition, offset: o.end });
    return this.processedTo(host, now);
  }

  /** Whether every one of `ends` is processed, by this member or committed by another of the group. */
  private async processedTo(host: ProcessorHost<ModuleTask>, ends: TopicPartitionOffset[]): Promise<boolean> {
    const own = new Map(host.positions().map((p) => [`${p.topic}\u0000${p.partition}`, p.offset]));
    const committed = new Map<string, number>();
    for (const topic of new Set(ends.map((e) => e.topic))) {
      for (const c of await this.options.log.committed(this.module.groupId, topic)) committed.set(`${c.topic}\u0000${c.partition}`, c.offset);
    }
    return ends.every((e) => {
      const key = `${e.topic}\u0000${e.partition}`;
      return (own.get(key) ?? committed.get(key) ?? 0) >= e.offset;
    });
  }

  /** Input and table topics must exist (another module, the generator or a source creates them) and be co-partitioned. */
  private async waitForInputs(): Promise<number> {
    const { log } = this.options;
    const read = [...this.module.inputs.map((i) => ({ topic: i.topic, what: 'input' })), ...this.module.tables.map((t) => ({ topic: t.topic, what: 'table' }))];
    let announced = false;
    for (;;) {
      const described = await Promise.all(read.map((r) => log.describeTopic(r.topic)));
      const missing = read.filter((_, i) => !described[i]).map((r) => r.topic);
      if (missing.length === 0) {
        const counts = new Set(described.map((d) => d!.partitions));
        if (counts.size > 1) {
          const list = read.map((r, i) => `${r.topic} (${r.what}, ${described[i]!.partitions})`).join(', ');
          throw new FastdataError(
            'FD_STREAM_DEFINITION_INVALID',
            `stream ${this.module.name}: its inputs and tables have different partition counts: ${list}. A task reads partition p of every input and table, so they must match: ` +
              'create the table (keyed by its key) or the input again with the same count',
            { context: { stream: this.module.name } },
          );
        }
        return described[0]!.partitions;
      }
      if (this.stopping) return 0;
      if (!announced) {
        this.emit({ type: 'waiting', module: this.module.name, topics: missing });
        announced = true;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.topicPollMs));
    }
  }

  private async ensureInternalTopic(name: string, config: Partial<TopicConfig>): Promise<void> {
    const existing = await this.options.log.describeTopic(name);
    if (existing && existing.partitions !== this.inputPartitions) {
      throw new FastdataError(
        'FD_TOPIC_EXISTS',
        `stream ${this.module.name}: ${name} has ${existing.partitions} partitions but the inputs have ${this.inputPartitions}; ` +
          `the inputs were re-created with another count. Delete ${name} to start the module's state afresh`,
        { context: { stream: this.module.name, topic: name } },
      );
    }
    if (!existing) await this.options.log.createTopic({ name, partitions: this.inputPartitions, config });
  }

  /** The pipeline task of a partition this member runs (hot reload reads its state layout). */
  task(partition: number) {
    return this.host?.task(partition)?.task;
  }

  /** Checkpoints what is buffered and leaves the group; idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return this.finished;
    this.stopping = true;
    this.stopUntilEndCheck?.();
    await this.host?.stop();
    if (this.state !== 'idle') this.state = 'stopped';
    this.emit({ type: 'stopped', module: this.module.name });
    this.settle();
  }

  status(): RunnerStatus {
    const host = this.host?.status();
    const failed = host?.state === 'failed';
    return {
      module: this.module.name,
      state: failed ? 'failed' : this.state,
      ...(failed || this.failure ? { error: host?.error ?? this.failure } : {}),
      partitions: host?.partitions ?? [],
      records: host?.records ?? 0,
      outputs: host?.outputs ?? 0,
      late: host?.late ?? 0,
      deadLettered: host?.deadLettered ?? 0,
      future: host?.future ?? 0,
      watermarkResets: host?.watermarkResets ?? 0,
      ...(host?.lastWatermarkReset ? { lastWatermarkReset: host.lastWatermarkReset } : {}),
      maxFutureSkew: this.module.maxFutureSkew,
      checkpoints: host?.checkpoints ?? 0,
      lastCheckpointAt: host?.lastCheckpointAt,
      lag: host?.lag ?? {},
      watermarks: Object.fromEntries((host?.partitions ?? []).map((p) => [p, this.host!.watermark(p, TASK_CLOCK)])),
    };
  }
}
