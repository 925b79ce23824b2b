/**
 * Runs one stream module over a Log: consume the inputs in the module's consumer group,
 * decode, push each record through the task that owns its partition, encode the outputs,
 * and checkpoint.
 *
 * A checkpoint, every `commitInterval` (and before partitions move to another member):
 *   1. the buffered outputs and dead letters are produced (durable),
 *   2. each task's state changes and a marker (input offsets, watermark) go to its
 *      changelog partition in one atomic append,
 *   3. the input offsets are committed.
 * A restart therefore resumes from state and offsets that match, and outputs written by
 * a checkpoint that did not finish are recognised and not written twice (output-dedupe.ts).
 * Between checkpoints nothing is written, so a crash there loses only work that is redone.
 *
 * With `guarantee: 'exactly-once'` (Kafka only), each task checkpoints in one transaction of
 * its own producer (transactional id `<group>-<partition>`): outputs, dead letters, state
 * and input offsets become visible together or not at all, and a task's new owner fences
 * the old one when it opens that producer, before it restores the state.
 */
import { FastdataError, errorMessage, isFastdataError } from '../errors.js';
import type { GroupConsumer, Log, LogRecord, ProduceRecord, RevokeInfo, TopicPartition, TransactionalProducer } from '../log/types.js';
import { readSchemaSource } from '../schema/schema-file.js';
import type { AvroEncoder, AvroSerde } from '../schema/serde.js';
import { valueSubject } from '../schema/types.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type CheckpointMarker, changelogRecords, readChangelog } from './changelog.js';
import type { StreamModule } from './define.js';
import { EPOCH_HEADER, OutputDedupe, TASK_HEADER } from './output-dedupe.js';
import type { RunnerEvent } from './runner-events.js';
import type { DeadLetter } from './task-context.js';
import { StreamTask } from './task.js';

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
  /** Processing times, for metrics (src/metrics/); see RunnerTiming. */
  onTiming?: (timing: RunnerTiming) => void;
}

/**
 * Wall-clock durations the runner measures (never the injected Clock, which tests stop):
 * - `batch`: decoding one batch of one input partition, running it through the module and
 *   encoding its outputs into the buffer (not yet durable);
 * - `commit`: from the moment the oldest record of a checkpoint was read to the moment that
 *   checkpoint's outputs, state and offsets were durable: the worst read-to-commit latency
 *   of the records it covers.
 */
export interface RunnerTiming {
  module: string;
  kind: 'batch' | 'commit';
  seconds: number;
}

export type ProcessingGuarantee = 'at-least-once' | 'exactly-once';

export interface RunnerStatus {
  module: string;
  state: 'idle' | 'waiting' | 'running' | 'stopped' | 'failed';
  error?: string;
  partitions: number[];
  records: number;
  outputs: number;
  late: number;
  deadLettered: number;
  checkpoints: number;
  lastCheckpointAt: number | undefined;
  /** Per partition: records in the inputs not yet processed. */
  lag: Record<number, number>;
  watermarks: Record<number, number>;
}

interface TaskSlot {
  task: StreamTask;
  /** Next offset to read per input topic (what the marker and the commit record). */
  offsets: Record<string, number>;
  epoch: number;
  dedupe: OutputDedupe;
  /** Something happened since the last checkpoint. */
  dirty: boolean;
  /** The origin headers of this task's outputs, for `headersEpoch` (see `originHeaders`). */
  headers: Record<string, string> | undefined;
  headersEpoch: number;
  /** Encoded outputs and dead letters since the last checkpoint, per task so a task that moves takes only its own. */
  outputs: ProduceRecord[];
  deadLetters: ProduceRecord[];
  /** Exactly-once: the task's transactional producer. */
  producer: TransactionalProducer | undefined;
}

const RETENTION_DLQ_MS = 7 * 24 * 3_600_000;
const CHANGELOG_SEGMENT_MS = 10 * 60_000;

/** A transactional producer replaced by a newer one with the same id (a zombie worker). */
function isFencing(error: unknown): boolean {
  const text = `${errorMessage(error)} ${errorMessage((error as { cause?: unknown })?.cause)}`;
  return /fenced|INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|INVALID_PRODUCER_ID_MAPPING/i.test(text);
}

export class StreamRunner {
  readonly module: StreamModule;
  private readonly options: RunnerOptions & { clock: Clock; maxBufferedOutputs: number; topicPollMs: number; guarantee: ProcessingGuarantee };
  private encoder: AvroEncoder | undefined;
  private consumer: GroupConsumer | undefined;
  private readonly slots = new Map<number, TaskSlot>();
  private inputPartitions = 0;
  private readonly aliasOf = new Map<string, string>();
  /** Outputs and dead letters buffered in all tasks. */
  private buffered = 0;
  private lock: Promise<void> = Promise.resolve();
  private stopTimer: (() => void) | undefined;
  private lastCheckpointAt: number | undefined;
  private checkpoints = 0;
  private state: RunnerStatus['state'] = 'idle';
  private failure: string | undefined;
  private readonly highWatermarks = new Map<string, number>();
  private stopping = false;
  /** performance.now() when the first record not yet checkpointed was read (for onTiming). */
  private pendingSince: number | undefined;

  constructor(module: StreamModule, options: RunnerOptions) {
    this.module = module;
    this.options = {
      ...options,
      clock: options.clock ?? systemClock,
      maxBufferedOutputs: options.maxBufferedOutputs ?? 5_000,
      topicPollMs: options.topicPollMs ?? 500,
      guarantee: options.guarantee ?? 'at-least-once',
    };
    if (this.options.guarantee === 'exactly-once' && !options.log.transactionalProducer) {
      throw new FastdataError('FD_CONFIG_INVALID', `stream ${module.name}: processing.guarantee exactly-once needs a log with transactions; set log.kind: kafka, or use at-least-once`, {
        context: { field: 'processing.guarantee' },
      });
    }
    for (const input of module.inputs) this.aliasOf.set(input.topic, input.alias);
  }

  private emit(event: RunnerEvent): void {
    this.options.onEvent?.(event);
  }

  /** Prepares topics and schemas, joins the consumer group; resolves once consuming. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} was started already`);
    const { log, serde, root } = this.options;
    const m = this.module;
    const schema = await readSchemaSource(m.output.schema, root, { stream: m.name });
    try {
      this.encoder = await serde.encoderFor(valueSubject(m.output.topic), schema);
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
    await this.ensureInternalTopic(m.topics.changelog, { cleanupPolicy: 'compact', segmentMs: CHANGELOG_SEGMENT_MS, segmentBytes: 16 * 1024 * 1024 });
    await this.ensureInternalTopic(m.topics.deadLetter, { retentionMs: RETENTION_DLQ_MS });

    this.consumer = log.consumer({ groupId: m.groupId, topics: m.inputs.map((i) => i.topic), start: 'earliest', maxWaitMs: 200 });
    const tickEvery = Math.max(10, Math.min(m.commitInterval, Math.floor(m.idleTimeout / 4) || 1000));
    this.stopTimer = this.options.clock.every(tickEvery, () => {
      void this.exclusive(async () => {
        for (const slot of this.slots.values()) {
          slot.task.tick();
        }
        if (this.checkpointDue()) await this.checkpoint();
      }).catch((error) => this.fail(error));
    });
    this.state = 'running';
    // A handler that throws ends this member of the group (its partitions go to the others,
    // which resume from the last checkpoint); the runner reports itself failed.
    const failing = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A) => {
      try {
        await fn(...args);
      } catch (error) {
        this.fail(error);
        throw error;
      }
    };
    await this.consumer.run({
      onAssigned: failing((tps) => this.exclusive(() => this.assign(tps))),
      onRevoked: failing((tps, info) => this.exclusive(() => this.revoke(tps, info))),
      eachBatch: failing((batch) =>
        this.exclusive(async () => {
          this.highWatermarks.set(`${batch.topic}\u0000${batch.partition}`, batch.highWatermark);
          await this.processBatch(batch.topic, batch.partition, batch.records);
          if (this.checkpointDue()) await this.checkpoint();
        }),
      ),
    });
    this.emit({ type: 'started', module: m.name, inputs: m.inputs.map((i) => i.topic), output: m.output.topic, partitions: this.inputPartitions });
  }

  /** Input topics must exist (another module or the generator creates them) and be co-partitioned. */
  private async waitForInputs(): Promise<number> {
    const { log } = this.options;
    let announced = false;
    for (;;) {
      const described = await Promise.all(this.module.inputs.map((i) => log.describeTopic(i.topic)));
      const missing = this.module.inputs.filter((_, i) => !described[i]).map((i) => i.topic);
      if (missing.length === 0) {
        const counts = new Set(described.map((d) => d!.partitions));
        if (counts.size > 1) {
          const list = this.module.inputs.map((input, i) => `${input.topic} (${described[i]!.partitions})`).join(', ');
          throw new FastdataError(
            'FD_STREAM_DEFINITION_INVALID',
            `stream ${this.module.name}: its inputs have different partition counts: ${list}. A task reads partition p of every input, so they must match; repartition one of them`,
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

  private async ensureInternalTopic(name: string, config: Parameters<Log['createTopic']>[0]['config']): Promise<void> {
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

  /** Runs `fn` after everything queued before it: batches, timers and rebalances never interleave. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async assign(tps: TopicPartition[]): Promise<void> {
    const partitions = [...new Set(tps.map((tp) => tp.partition))].sort((a, b) => a - b);
    for (const partition of partitions) {
      if (this.slots.has(partition)) continue;
      this.slots.set(partition, await this.restoreTask(partition));
    }
    this.emit({ type: 'assigned', module: this.module.name, partitions });
  }

  private async restoreTask(partition: number): Promise<TaskSlot> {
    const { log } = this.options;
    const m = this.module;
    const task = new StreamTask(m, partition, this.options.clock, {
      output: (value, timestamp) => this.collectOutput(partition, value, timestamp),
      deadLetter: (letter) => this.collectDeadLetter(partition, letter),
      warn: (message) => this.emit({ type: 'warning', module: m.name, message }),
    });
    task.start();
    // Exactly-once: opening the task's producer fences its previous owner and settles that
    // owner's open transaction, so the (read_committed) changelog read next is complete.
    const producer = this.options.guarantee === 'exactly-once' ? await log.transactionalProducer!(`${m.groupId}-${partition}`) : undefined;
    const restored = await readChangelog(log, m.topics.changelog, partition);
    if (restored.discarded > 0) {
      this.emit({ type: 'warning', module: m.name, message: `partition ${partition}: ${restored.discarded} state changes of an unfinished checkpoint were not restored` });
    }
    const offsets: Record<string, number> = {};
    for (const input of m.inputs) {
      const committed = (await log.committed(m.groupId, input.topic)).find((c) => c.partition === partition)?.offset ?? 0;
      const checkpointed = restored.marker?.offsets[input.topic] ?? 0;
      offsets[input.topic] = Math.max(committed, checkpointed);
      // The changelog can be ahead of the commit (a crash between the two): resume after what the state holds.
      if (checkpointed > committed) this.consumer!.seek({ topic: input.topic, partition, offset: checkpointed });
    }
    const epoch = restored.marker?.epoch ?? 0;
    const taskId = `${m.name}/${partition}`;
    // Exactly-once: an unfinished checkpoint's outputs were aborted, never seen; nothing to skip.
    const outputEnds = producer ? undefined : restored.marker?.outputEnds;
    const dedupe = await OutputDedupe.load(log, [m.output.topic, m.topics.deadLetter], outputEnds, taskId, epoch);
    const slot: TaskSlot = { task, offsets, epoch, dedupe, dirty: false, headers: undefined, headersEpoch: -1, outputs: [], deadLetters: [], producer };
    // Restoring may close windows that came due while the module was down: their outputs go out with the next checkpoint.
    this.slots.set(partition, slot);
    task.restore(restored.entries, restored.marker?.watermark);
    this.emit({
      type: 'restored',
      module: m.name,
      partition,
      entries: restored.entries.length,
      offsets,
      duplicatesToSkip: dedupe.size,
    });
    return slot;
  }

  /**
   * Partitions leave: while still owned, their work is checkpointed; once moved (Kafka), it
   * is dropped unwritten, since the new owner redoes it from the last checkpoint (writing it
   * now would race the new owner's restore).
   */
  private async revoke(tps: TopicPartition[], info: RevokeInfo): Promise<void> {
    const partitions = [...new Set(tps.map((tp) => tp.partition))];
    if (info.owned) await this.checkpoint();
    for (const partition of partitions) await this.dropTask(partition);
    this.emit({ type: 'revoked', module: this.module.name, partitions, checkpointed: info.owned });
  }

  private async dropTask(partition: number): Promise<void> {
    const slot = this.slots.get(partition);
    if (!slot) return;
    this.slots.delete(partition);
    this.buffered -= slot.outputs.length + slot.deadLetters.length;
    slot.task.stop();
    await slot.producer?.close().catch(() => undefined);
  }

  private async processBatch(topic: string, partition: number, records: LogRecord[]): Promise<void> {
    const slot = this.slots.get(partition);
    const alias = this.aliasOf.get(topic);
    if (!slot || !alias) return;
    const { serde, onTiming } = this.options;
    // When these records arrived, for idleness: one clock read per batch, not per record.
    const receivedAt = this.options.clock.now();
    const startedAt = onTiming ? performance.now() : 0;
    if (onTiming) this.pendingSince ??= startedAt;
    for (const record of records) {
      if (record.value !== null) {
        let value: unknown;
        let decoded = true;
        try {
          value = serde.decodeSync(record.value);
        } catch (error) {
          if (isFastdataError(error, 'FD_SCHEMA_NOT_FOUND') && error.context.id !== undefined) {
            // A writer schema seen for the first time: fetch it once, then back to the fast path.
            try {
              value = await serde.decode(record.value);
            } catch (again) {
              decoded = this.decodeFailed(slot, record, again);
            }
          } else {
            decoded = this.decodeFailed(slot, record, error);
          }
        }
        if (decoded) slot.task.process(alias, value, record, undefined, receivedAt);
      }
      slot.offsets[topic] = record.offset + 1;
      slot.dirty = true;
      if (this.buffered >= this.options.maxBufferedOutputs) {
        await this.checkpoint();
        // The rest of the batch goes into the next checkpoint.
        if (onTiming) this.pendingSince ??= performance.now();
      }
    }
    onTiming?.({ module: this.module.name, kind: 'batch', seconds: (performance.now() - startedAt) / 1000 });
  }

  private decodeFailed(slot: TaskSlot, record: LogRecord, error: unknown): false {
    slot.task.ctx.source = record;
    slot.task.ctx.deadLetter({ reason: 'decode', message: errorMessage(error) });
    slot.task.ctx.source = undefined;
    return false;
  }

  /**
   * The task and epoch headers of an output (see output-dedupe.ts). One object per task and
   * epoch, shared by its outputs, which the log then encodes once per produce call rather
   * than once per record. Do not modify it.
   */
  private originHeaders(partition: number, slot = this.slots.get(partition)): Record<string, string> {
    const epoch = slot?.epoch ?? 0;
    if (slot?.headers !== undefined && slot.headersEpoch === epoch) return slot.headers;
    const headers = { [TASK_HEADER]: `${this.module.name}/${partition}`, [EPOCH_HEADER]: String(epoch + 1) };
    if (slot) {
      slot.headers = headers;
      slot.headersEpoch = epoch;
    }
    return headers;
  }

  private collectOutput(partition: number, value: unknown, timestamp: number): void {
    const m = this.module;
    let key: unknown;
    try {
      key = m.output.key(value);
      if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
      if (typeof key !== 'string') throw new Error(`output.key returned ${JSON.stringify(key) ?? String(key)}; return a string or a number`);
    } catch (error) {
      this.collectDeadLetter(partition, { reason: 'output-invalid', message: `output.key failed: ${errorMessage(error)}`, value });
      return;
    }
    let encoded: Buffer;
    try {
      encoded = this.encoder!.encode(value);
    } catch (error) {
      this.collectDeadLetter(partition, { reason: 'output-invalid', message: errorMessage(error), value });
      return;
    }
    const slot = this.slotOf(partition);
    // The key goes to the log as a string (the embedded log writes ASCII keys without a
    // Buffer); bytes are only needed to compare with outputs left over from a crash.
    if (slot.dedupe.size > 0 && slot.dedupe.suppress(m.output.topic, Buffer.from(key), encoded)) return;
    this.buffered++;
    slot.outputs.push({
      key,
      value: encoded,
      timestamp: Number.isFinite(timestamp) ? timestamp : this.options.clock.now(),
      headers: this.originHeaders(partition, slot),
    });
  }

  private collectDeadLetter(partition: number, letter: DeadLetter): void {
    const m = this.module;
    const source = letter.source;
    const headers: Record<string, string> = {
      ...this.originHeaders(partition),
      'fastdata.dlq.reason': letter.reason,
      'fastdata.dlq.message': letter.message,
      'fastdata.dlq.module': m.name,
      ...letter.details,
    };
    if (source) {
      headers['fastdata.source.topic'] = source.topic;
      headers['fastdata.source.partition'] = String(source.partition);
      headers['fastdata.source.offset'] = String(source.offset);
    }
    let value: Buffer | null = source?.value ?? null;
    if (letter.value !== undefined) {
      try {
        value = Buffer.from(JSON.stringify(letter.value) ?? 'null');
        headers['fastdata.dlq.content-type'] = 'application/json';
      } catch {
        value = Buffer.from(String(letter.value));
      }
    }
    const key = source?.key ?? null;
    const slot = this.slotOf(partition);
    if (slot.dedupe.suppress(m.topics.deadLetter, key, value)) return;
    this.buffered++;
    slot.deadLetters.push({ key, value, headers, partition: partition < this.inputPartitions ? partition : undefined, timestamp: source?.timestamp });
    this.emit({ type: 'dead-letter', module: m.name, reason: letter.reason, message: letter.message, partition: source?.partition ?? partition, offset: source?.offset });
  }

  /** The task of a partition: outputs come only from tasks, which have a slot from before they restore. */
  private slotOf(partition: number): TaskSlot {
    const slot = this.slots.get(partition);
    if (!slot) throw new FastdataError('FD_INTERNAL', `stream ${this.module.name}: an output from partition ${partition}, which has no task`);
    return slot;
  }

  private checkpointDue(): boolean {
    const last = this.lastCheckpointAt ?? 0;
    return this.options.clock.now() - last >= this.module.commitInterval && this.hasPendingWork();
  }

  private hasPendingWork(): boolean {
    if (this.buffered > 0) return true;
    for (const slot of this.slots.values()) if (slot.dirty) return true;
    return false;
  }

  /** Writes outputs, then state with markers, then commits (see the file comment). */
  private async checkpoint(): Promise<void> {
    // A failed runner writes nothing more: its memory may be ahead of what is durable.
    if (this.state === 'failed') return;
    const now = this.options.clock.now();
    this.lastCheckpointAt = now;
    if (!this.hasPendingWork()) return;
    const counts = this.options.guarantee === 'exactly-once' ? await this.checkpointTransactions(now) : await this.checkpointInOrder(now);
    this.checkpoints++;
    if (this.options.onTiming && this.pendingSince !== undefined) {
      this.options.onTiming({ module: this.module.name, kind: 'commit', seconds: (performance.now() - this.pendingSince) / 1000 });
    }
    this.pendingSince = undefined;
    this.emit({ type: 'checkpoint', module: this.module.name, ...counts, at: now });
  }

  private takeBuffers(slots: Iterable<TaskSlot>): { outputs: ProduceRecord[]; deadLetters: ProduceRecord[] } {
    const outputs: ProduceRecord[] = [];
    const deadLetters: ProduceRecord[] = [];
    for (const slot of slots) {
      // Appended one by one: a spread of 5,000 arguments would be slower and has a size limit.
      for (const [from, to] of [[slot.outputs, outputs], [slot.deadLetters, deadLetters]] as const) {
        for (let i = 0; i < from.length; i++) to.push(from[i]!);
      }
      this.buffered -= slot.outputs.length + slot.deadLetters.length;
      slot.outputs = [];
      slot.deadLetters = [];
    }
    return { outputs, deadLetters };
  }

  /** At-least-once: outputs of all tasks, then each task's state and marker, then one commit. */
  private async checkpointInOrder(now: number): Promise<{ outputs: number; deadLetters: number; partitions: number }> {
    const { log } = this.options;
    const m = this.module;
    const { outputs, deadLetters } = this.takeBuffers(this.slots.values());
    if (outputs.length > 0) await log.produce(m.output.topic, outputs);
    if (deadLetters.length > 0) await log.produce(m.topics.deadLetter, deadLetters);

    const outputEnds: Record<string, number[]> = {};
    for (const topic of [m.output.topic, m.topics.deadLetter]) outputEnds[topic] = (await log.offsets(topic)).map((o) => o.end);
    const commits: { topic: string; partition: number; offset: number }[] = [];
    for (const [partition, slot] of this.slots) {
      const { entries, watermark } = slot.task.checkpoint();
      if (!slot.dirty && entries.length === 0) continue;
      const marker: CheckpointMarker = { epoch: slot.epoch + 1, offsets: { ...slot.offsets }, watermark, outputEnds, at: now };
      await log.produce(m.topics.changelog, changelogRecords(partition, entries, marker));
      slot.epoch = marker.epoch;
      slot.dirty = false;
      for (const [topic, offset] of Object.entries(slot.offsets)) commits.push({ topic, partition, offset });
    }
    // Only what this member still owns; a partition on its way out is resumed by its new
    // owner from the changelog marker just written, which may be ahead of the commit.
    const owned = new Set(this.consumer!.assignment().map((tp) => `${tp.topic}\u0000${tp.partition}`));
    const mine = commits.filter((c) => owned.has(`${c.topic}\u0000${c.partition}`));
    if (mine.length > 0) {
      try {
        await this.consumer!.commit(mine);
      } catch (error) {
        if (!isFastdataError(error, 'FD_GROUP_REBALANCING')) throw error;
        this.emit({ type: 'warning', module: m.name, message: `commit deferred by a rebalance; the changelog holds the positions (${errorMessage(error)})` });
      }
    }
    return { outputs: outputs.length, deadLetters: deadLetters.length, partitions: mine.length };
  }

  /** Exactly-once: per task, one transaction with its outputs, dead letters, state and input offsets. */
  private async checkpointTransactions(now: number): Promise<{ outputs: number; deadLetters: number; partitions: number }> {
    const m = this.module;
    const totals = { outputs: 0, deadLetters: 0, partitions: 0 };
    for (const [partition, slot] of [...this.slots]) {
      const { entries, watermark } = slot.task.checkpoint();
      if (!slot.dirty && entries.length === 0 && slot.outputs.length === 0 && slot.deadLetters.length === 0) continue;
      const { outputs, deadLetters } = this.takeBuffers([slot]);
      const marker: CheckpointMarker = { epoch: slot.epoch + 1, offsets: { ...slot.offsets }, watermark, outputEnds: {}, at: now };
      const tx = await slot.producer!.begin();
      try {
        if (outputs.length > 0) await tx.produce(m.output.topic, outputs);
        if (deadLetters.length > 0) await tx.produce(m.topics.deadLetter, deadLetters);
        await tx.produce(m.topics.changelog, changelogRecords(partition, entries, marker));
        await tx.commitOffsets(m.groupId, Object.entries(slot.offsets).map(([topic, offset]) => ({ topic, partition, offset })));
        await tx.commit();
      } catch (error) {
        await tx.abort().catch(() => undefined);
        // Fenced (another worker owns the task now) or moved by a rebalance: the new owner
        // redoes this work from the last committed transaction. Anything else is a failure.
        const moved = !this.consumer!.assignment().some((tp) => tp.partition === partition);
        if (!moved && !isFencing(error)) throw error;
        this.emit({ type: 'warning', module: m.name, message: `partition ${partition} moved to another worker; its uncommitted work is dropped (${errorMessage(error)})` });
        await this.dropTask(partition);
        continue;
      }
      slot.epoch = marker.epoch;
      slot.dirty = false;
      totals.outputs += outputs.length;
      totals.deadLetters += deadLetters.length;
      totals.partitions++;
    }
    return totals;
  }

  private fail(error: unknown): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = errorMessage(error);
    this.stopTimer?.();
    this.emit({ type: 'failed', module: this.module.name, error });
  }

  /** Checkpoints what is buffered and leaves the group; idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopTimer?.();
    // Leaving the group revokes the partitions, which checkpoints them.
    await this.consumer?.stop();
    await this.lock;
    for (const partition of [...this.slots.keys()]) await this.dropTask(partition);
    if (this.state !== 'failed') this.state = 'stopped';
    this.emit({ type: 'stopped', module: this.module.name });
  }

  status(): RunnerStatus {
    const lag: Record<number, number> = {};
    const watermarks: Record<number, number> = {};
    const totals = { records: 0, outputs: 0, late: 0, deadLettered: 0 };
    for (const [partition, slot] of this.slots) {
      const c = slot.task.ctx.counters;
      totals.records += c.records;
      totals.outputs += c.outputs;
      totals.late += c.late;
      totals.deadLettered += c.deadLettered;
      watermarks[partition] = slot.task.watermark;
      lag[partition] = Object.entries(slot.offsets).reduce(
        (sum, [topic, offset]) => sum + Math.max(0, (this.highWatermarks.get(`${topic}\u0000${partition}`) ?? offset) - offset),
        0,
      );
    }
    return {
      module: this.module.name,
      state: this.state,
      error: this.failure,
      partitions: [...this.slots.keys()].sort((a, b) => a - b),
      ...totals,
      checkpoints: this.checkpoints,
      lastCheckpointAt: this.lastCheckpointAt,
      lag,
      watermarks,
    };
  }
}
