/**
 * The processor host: the one loop every consumer of fastdata runs on (stream modules, the
 * alert evaluator, sinks, the serving layer's topic views), as Kafka Streams' StreamThread
 * drives every StreamTask.
 *
 *   feed (group membership, or every partition under a lease, or a plain reader)
 *     -> decode (Confluent framing; what cannot be decoded goes to the dead-letter topic)
 *     -> event time and watermarks (event-time.ts: one rule; an event time too far ahead of
 *        the clock is a dead letter, `future-event-time`, and moves nothing)
 *     -> the processor's task for that partition (or the one task of everything)
 *     -> checkpoint: outputs and state durable, then the input positions committed
 *
 * A checkpoint, every `commitInterval` (sooner when outputs pile up), and before partitions
 * move to another member (checkpoint-writer.ts writes it):
 *   1. each task's writes outside the log (a sink's rows) are made durable (`flush`);
 *   2. at-least-once: the outputs and dead letters are produced, then each
 *      task's state changes and a marker (positions, watermarks) go to its changelog
 *      partition, in produce requests under each topic's max.message.bytes; then the
 *      positions are committed. A restart resumes from state and positions that match; a
 *      checkpoint cut short by a crash is recognised (changelog.ts) and its outputs are not
 *      written twice (output-dedupe.ts).
 *   3. exactly-once: per task, all of it in one transaction of the task's own producer.
 *
 * What processors do not share stays theirs: a stream task runs an RxJS pipeline, the alert
 * evaluator an alert book, a sink writes rows; see processor.ts for what they implement.
 */
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import type { Batch, GroupConsumer, Log, LogRecord, ProduceRecord, RevokeInfo, TopicPartition, TopicPartitionOffset } from '../../log/types.js';
import type { ParsedSchema } from '../../schema/avro.js';
import type { AvroSerde } from '../../schema/serde.js';
import { type Clock, systemClock } from '../../time/clock.js';
import type { RunnerEvent } from '../runner-events.js';
import { readChangelog } from './changelog.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { CommitPolicy } from './commit-policy.js';
import { type DeadLetter, deadLetterRecord } from './dead-letters.js';
import { type EventTimeSpec, type RestoreGuard, TaskEventTime, WATERMARK_HEADER, type WatermarkReset, roughly } from './event-time.js';
import { OutputDedupe } from './output-dedupe.js';
import { type HostedTask, type TaskFactory, type TaskIo, laneKey } from './processor.js';
import { type HostCounters, TaskSlot, noCounts } from './task-slot.js';

export type { HostCounters };

export type ProcessingGuarantee = 'at-least-once' | 'exactly-once';

export interface ProcessorHostOptions<T extends HostedTask> {
  /** Names the processor in events, metrics, dead letters and messages. */
  name: string;
  log: Log;
  /** Decodes the records (Confluent framing, Avro); or `decode`, for topics of another format. */
  serde?: AvroSerde;
  /** Decode every record as this schema (old records in today's shape); default: as written. */
  readerSchema?: ParsedSchema;
  /**
   * How the records' values decode when not all are Avro (JSON control topics, a repartition
   * topic's JSON records); throwing is a record that does not decode, and a writer schema not
   * cached yet (FD_SCHEMA_NOT_FOUND) is fetched through `serde`.
   */
  decode?: (value: Buffer, record: LogRecord) => unknown;
  feed: GroupConsumer;
  /** The task a topic-partition belongs to. Default: its partition (partition p of every input, co-partitioned). */
  taskOf?: (topic: string, partition: number) => number;
  createTask: TaskFactory<T>;
  /** Event time and watermarks; without it tasks get NaN and no clock moves. */
  time?: EventTimeSpec;
  /** Where dead letters go; without one they are counted and warned about, never written. */
  deadLetterTopic?: string;
  /** The tasks' state and checkpoint markers; without one, checkpoints only commit positions. */
  changelogTopic?: string;
  /** Topics the tasks write outputs to; with a changelog, outputs re-derived after a crash are not written twice. */
  outputTopics?: readonly string[];
  /** Output topics the processor reads back itself (repartition topics): what it writes there is not counted as outputs. */
  internalTopics?: readonly string[];
  /**
   * Topics read as tables (a module's `tables`): when a task starts, it reads its partitions
   * of them from the start to their end before any other record (its rows are complete
   * before the first input record meets them), then follows them like any lane.
   */
  tableTopics?: readonly string[];
  guarantee?: ProcessingGuarantee;
  /** Exactly-once: task t's producer has the transactional id `<prefix>-<t>`. */
  transactionalIdPrefix?: string;
  /** Least time between checkpoints; longer under load (commit-policy.ts). */
  commitInterval: number;
  /** Largest share of the time checkpoints may take under load (commit-policy.ts). Default 0.2. */
  checkpointShare?: number;
  /** Longest time between checkpoints while there is work, however costly they are. Default: max(commitInterval, 2 s). */
  maxCommitInterval?: number;
  /** Checkpoint early once this many outputs and dead letters are buffered. Default 5,000. */
  maxBufferedOutputs?: number;
  /** How often idle clocks, task timers and due checkpoints are looked at. Default: from commitInterval. `false`: never (nothing keeps time or checkpoints). */
  tickEvery?: number | false;
  clock?: Clock;
  onEvent?: (event: RunnerEvent) => void;
  onTiming?: (timing: HostTiming) => void;
}

/**
 * Wall-clock durations the host measures (never the injected Clock, which tests stop):
 * `batch`: decoding and processing one batch into buffers; `commit`: from the moment the
 * oldest record of a checkpoint was read to the moment that checkpoint was durable.
 */
export interface HostTiming {
  module: string;
  kind: 'batch' | 'commit';
  seconds: number;
}

export interface HostStatus extends HostCounters {
  state: 'idle' | 'running' | 'stopped' | 'failed';
  error?: string;
  /** Task ids (partitions) this member runs. */
  partitions: number[];
  checkpoints: number;
  lastCheckpointAt: number | undefined;
  /** Per task: records of its lanes not yet processed. */
  lag: Record<number, number>;
  /** Per task: the lowest watermark of its clocks. */
  watermarks: Record<number, number>;
  /** The last checkpointed watermark that was too far ahead of the clock to restore (event-time.ts), if any. */
  lastWatermarkReset?: { partition: number; watermark: number; at: number };
}

const partitionTask = (_topic: string, partition: number) => partition;

/** Values a task's asynchronous steps may hold in flight after a batch before the next waits (backpressure). */
const MAX_IN_FLIGHT = 5_000;

export class ProcessorHost<T extends HostedTask> {
  readonly name: string;
  private readonly options: ProcessorHostOptions<T> & { clock: Clock; guarantee: ProcessingGuarantee; maxBufferedOutputs: number };
  private readonly taskOf: (topic: string, partition: number) => number;
  private readonly slots = new Map<number, TaskSlot<T>>();
  private readonly writer: CheckpointWriter;
  private deadLetterPartitions = 0;
  private readonly highWatermarks = new Map<string, number>();
  private readonly internalTopics: ReadonlySet<string>;
  private buffered = 0;
  private lock: Promise<void> = Promise.resolve();
  private stopTimer: (() => void) | undefined;
  private lastCheckpointAt: number | undefined;
  private readonly commitPolicy: CommitPolicy;
  private checkpoints = 0;
  /** Counters of tasks that left this member, so totals never go back. */
  private readonly departed: HostCounters = noCounts();
  private state: HostStatus['state'] = 'idle';
  private failure: string | undefined;
  private stopping = false;
  private pendingSince: number | undefined;
  private lastDecodeWarning = 0;
  private lastMarkerWarning = 0;
  private lastWatermarkReset: HostStatus['lastWatermarkReset'];

  constructor(options: ProcessorHostOptions<T>) {
    this.name = options.name;
    this.options = { ...options, clock: options.clock ?? systemClock, guarantee: options.guarantee ?? 'at-least-once', maxBufferedOutputs: options.maxBufferedOutputs ?? 5_000 };
    this.commitPolicy = new CommitPolicy({
      interval: options.commitInterval,
      ...(options.checkpointShare === undefined ? {} : { share: options.checkpointShare }),
      ...(options.maxCommitInterval === undefined ? {} : { maxInterval: options.maxCommitInterval }),
    });
    this.taskOf = options.taskOf ?? partitionTask;
    this.internalTopics = new Set(options.internalTopics ?? []);
    this.writer = new CheckpointWriter({
      name: options.name,
      log: options.log,
      feed: options.feed,
      changelogTopic: options.changelogTopic,
      deadLetterTopic: options.deadLetterTopic,
      outputTopics: options.outputTopics ?? [],
      taskOf: this.taskOf,
      emit: (event) => this.emit(event),
      drop: (id) => this.dropTask(id),
    });
    if (!options.serde && !options.decode) throw new FastdataError('FD_INTERNAL', `${options.name}: a processor host needs a serde or a decode function`);
    if (this.options.guarantee === 'exactly-once' && (!options.log.transactionalProducer || !options.transactionalIdPrefix)) {
      throw new FastdataError('FD_CONFIG_INVALID', `${options.name}: processing.guarantee exactly-once needs a log with transactions; set log.kind: kafka, or use at-least-once`, {
        context: { field: 'processing.guarantee' },
      });
    }
  }

  private emit(event: RunnerEvent): void {
    this.options.onEvent?.(event);
  }

  /** Reads the limits of the topics it writes, joins the feed; resolves once consuming. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new FastdataError('FD_ARGUMENT_INVALID', `${this.name} was started already`);
    const { deadLetterTopic, changelogTopic, outputTopics = [] } = this.options;
    for (const topic of new Set([...outputTopics, ...(deadLetterTopic ? [deadLetterTopic] : []), ...(changelogTopic ? [changelogTopic] : [])])) {
      const partitions = await this.writer.prepare(topic);
      if (topic === deadLetterTopic) this.deadLetterPartitions = partitions;
    }
    if (this.stopping) return;
    const tickEvery = this.options.tickEvery ?? Math.max(10, Math.min(this.options.commitInterval, Math.floor((this.options.time?.idleTimeout ?? 4000) / 4) || 1000));
    if (tickEvery !== false) {
      this.stopTimer = this.options.clock.every(tickEvery, () => {
        void this.exclusive(async () => {
          if (this.state !== 'running') return;
          for (const slot of this.slots.values()) {
            for (const [clock, watermark] of slot.time?.tick(this.caughtUp(slot)) ?? []) slot.task.advanceWatermark?.(clock, watermark);
            slot.task.tick?.();
          }
          if (this.checkpointDue()) await this.checkpoint();
        }).catch((error) => this.fail(error));
      });
    }
    this.state = 'running';
    // A handler that throws ends this member of the group (its partitions go to the others,
    // which resume from the last checkpoint); the host reports itself failed.
    const failing = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A) => {
      try {
        await fn(...args);
      } catch (error) {
        this.fail(error);
        throw error;
      }
    };
    await this.options.feed.run({
      onAssigned: failing((tps) => this.exclusive(() => this.assign(tps))),
      onRevoked: failing((tps, info) => this.exclusive(() => this.revoke(tps, info))),
      eachBatch: failing((batch) =>
        this.exclusive(async () => {
          if (this.state !== 'running') return;
          const slot = await this.processBatch(batch);
          if (this.checkpointDue() || (slot?.task.backlog?.() ?? 0) >= this.options.maxBufferedOutputs) await this.checkpoint();
        }),
      ),
    });
  }

  /** Runs `fn` after everything queued before it: batches, timers and rebalances never interleave. */
  private exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.lock.then(fn);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async assign(tps: TopicPartition[]): Promise<void> {
    const byTask = new Map<number, TopicPartition[]>();
    for (const tp of tps) {
      const id = this.taskOf(tp.topic, tp.partition);
      byTask.set(id, [...(byTask.get(id) ?? []), tp]);
    }
    const created: number[] = [];
    for (const [id, lanes] of [...byTask].sort((a, b) => a[0] - b[0])) {
      const slot = this.slots.get(id);
      if (slot) await this.addLanes(slot, lanes);
      else {
        await this.restoreTask(id, lanes);
        created.push(id);
      }
    }
    if (created.length > 0) this.emit({ type: 'assigned', module: this.name, partitions: created });
  }

  private async restoreTask(id: number, lanes: TopicPartition[]): Promise<void> {
    const { log, changelogTopic, guarantee, outputTopics = [], deadLetterTopic } = this.options;
    // Exactly-once: opening the task's producer fences its previous owner and settles that
    // owner's open transaction, so the (read_committed) changelog read next is complete.
    const producer = guarantee === 'exactly-once' ? await log.transactionalProducer!(`${this.options.transactionalIdPrefix}-${id}`) : undefined;
    const restored = changelogTopic ? await readChangelog(log, changelogTopic, id) : undefined;
    if (restored && restored.foreign > 0) {
      this.emit({ type: 'warning', module: this.name, message: `partition ${id} of ${changelogTopic}: ${restored.foreign} records not written by a checkpoint were skipped` });
    }
    if (restored && restored.repair.length > 0) {
      this.emit({ type: 'warning', module: this.name, message: `partition ${id}: a checkpoint that did not complete changed ${restored.repair.length} state entries; they are restored as the last complete checkpoint left them` });
    }
    const marker = restored?.marker;
    const name = `${this.name}/${id}`;
    // Exactly-once: an unfinished checkpoint's outputs were aborted, never seen; nothing to skip.
    const dedupeTopics = [...outputTopics, ...(deadLetterTopic ? [deadLetterTopic] : [])];
    const dedupe = changelogTopic && !producer && dedupeTopics.length > 0 ? await OutputDedupe.load(log, dedupeTopics, marker?.outputEnds, name, marker?.epoch ?? 0) : undefined;
    const slot = new TaskSlot<T>(name, id, restored, dedupe, producer);
    // In the map before the task exists: restoring may close windows that came due while
    // the processor was down, and their outputs go out with the next checkpoint.
    this.slots.set(id, slot);
    await this.placeLanes(slot, lanes);
    slot.time = this.options.time ? this.eventTime(lanes) : undefined;
    slot.task = this.options.createTask(id, lanes, this.taskIo(slot), restored && { entries: restored.entries, meta: marker?.meta });
    for (const [clock, watermark] of slot.time?.restore(marker?.watermarks, this.restoreGuard(slot)) ?? []) slot.task.advanceWatermark?.(clock, watermark);
    await this.loadTables(slot);
    this.emit({
      type: 'restored',
      module: this.name,
      partition: id,
      entries: restored?.entries.length ?? 0,
      offsets: Object.fromEntries([...slot.positions.values()].map((p) => [p.topic, p.offset])),
      duplicatesToSkip: dedupe?.size ?? 0,
    });
  }

  /**
   * Gives a new task the rows of its table lanes: each read from its start to its end
   * (compacted topics: the latest value per key), then followed from there by the feed.
   */
  private async loadTables(slot: TaskSlot<T>): Promise<void> {
    const tables = new Set(this.options.tableTopics ?? []);
    const { log, feed } = this.options;
    for (const lane of slot.lanes.filter((l) => tables.has(l.topic))) {
      const end = (await log.offsets(lane.topic)).find((o) => o.partition === lane.partition)?.end ?? 0;
      let next = end;
      let unreadable = 0;
      const reader = log.reader({ topic: lane.topic, partitions: [lane.partition], from: 'earliest', stopAtEnd: true });
      try {
        for await (const batch of reader) {
          for (const record of batch.records) {
            next = Math.max(next, record.offset + 1);
            if (record.value === null) slot.task.tombstone?.(record);
            else {
              const value = await this.decodeTableRow(record);
              if (value === undefined) unreadable++;
              else slot.task.process(value.value, record, Number.NaN);
            }
          }
        }
      } finally {
        await reader.close();
      }
      if (unreadable > 0) this.emit({ type: 'warning', module: this.name, message: `${unreadable} records of table ${lane.topic}[${lane.partition}] cannot be decoded; their keys have no row` });
      slot.positions.set(laneKey(lane.topic, lane.partition), { ...lane, offset: next });
      feed.seek({ ...lane, offset: next });
    }
  }

  private async decodeTableRow(record: LogRecord): Promise<{ value: unknown } | undefined> {
    const { decode, serde, readerSchema } = this.options;
    try {
      return { value: decode ? decode(record.value!, record) : serde!.decodeSync(record.value!, readerSchema) };
    } catch (error) {
      if (!serde || !isFastdataError(error, 'FD_SCHEMA_NOT_FOUND')) return undefined;
      return serde.decode(record.value!, readerSchema).then(
        (value) => ({ value }),
        () => undefined,
      );
    }
  }

  /** Lanes of a task that exists: a topic of a reader feed that appeared after the others. */
  private async addLanes(slot: TaskSlot<T>, lanes: TopicPartition[]): Promise<void> {
    const fresh = lanes.filter((l) => !slot.positions.has(laneKey(l.topic, l.partition)) && !slot.lanes.some((o) => o.topic === l.topic && o.partition === l.partition));
    if (fresh.length === 0) return;
    await this.placeLanes(slot, fresh);
    if (this.options.time) {
      if (slot.time) slot.time.addLanes(fresh);
      else slot.time = this.eventTime(fresh);
      // The clocks these lanes brought (a topic of a reader feed assigned after the others) start where the checkpoint left them.
      for (const [clock, watermark] of slot.time.restoreNew(slot.restored?.watermarks, this.restoreGuard(slot))) slot.task.advanceWatermark?.(clock, watermark);
    }
  }

  private eventTime(lanes: readonly TopicPartition[]): TaskEventTime {
    return new TaskEventTime(this.options.time!, lanes, this.options.clock, {
      onAheadMarker: (message) => {
        // A sender still running without the check would say so at every round: once a minute is enough.
        const now = Date.now();
        if (now - this.lastMarkerWarning < 60_000) return;
        this.lastMarkerWarning = now;
        this.emit({ type: 'warning', module: this.name, message });
      },
    });
  }

  /**
   * How a task's checkpointed watermarks are restored: one further ahead of the clock than
   * maxFutureSkew (written before such records were refused: a record from 2036 moved it) is
   * left out, counted and warned about; the next records set event time again.
   */
  private restoreGuard(slot: TaskSlot<T>): RestoreGuard {
    const now = this.options.clock.now();
    let counted = false;
    return {
      now,
      reset: (reset: WatermarkReset) => {
        if (!counted) slot.counters.watermarkResets++;
        counted = true;
        this.lastWatermarkReset = { partition: slot.id, watermark: reset.furthest, at: now };
        const what = reset.watermark !== undefined ? `watermark ${iso(reset.watermark)}` : `progress ${iso(reset.furthest)} (of ${reset.channels.join(', ')})`;
        this.emit({
          type: 'warning',
          module: this.name,
          message:
            `partition ${slot.id}: the checkpointed ${what} of clock ${reset.clock} is ${roughly(reset.furthest - now)} ahead of the processor's clock, ` +
            `more than watermark.maxFutureSkew allows (a record from the future moved it before such records were refused); it is not restored: ` +
            `event time starts again from the next records, so they are not taken for late`,
        });
      },
    };
  }

  /**
   * Where each lane resumes: past both the group's committed offset and the checkpoint's
   * position (the changelog can be ahead of the commit, after a crash between the two).
   */
  private async placeLanes(slot: TaskSlot<T>, lanes: TopicPartition[]): Promise<void> {
    const { log, feed } = this.options;
    const committedOf = new Map<string, number>();
    if (feed.groupId) {
      for (const topic of new Set(lanes.map((l) => l.topic))) {
        for (const c of await log.committed(feed.groupId, topic)) committedOf.set(laneKey(topic, c.partition), c.offset);
      }
    }
    // Where each lane ends now: a lane with records to read is not idle, even before its first fetch (see caughtUp).
    for (const topic of new Set(lanes.map((l) => l.topic))) {
      for (const o of await log.offsets(topic)) {
        const key = laneKey(topic, o.partition);
        if (lanes.some((l) => l.topic === topic && l.partition === o.partition)) this.highWatermarks.set(key, Math.max(this.highWatermarks.get(key) ?? 0, o.end));
      }
    }
    for (const lane of lanes) {
      const key = laneKey(lane.topic, lane.partition);
      const committed = committedOf.get(key);
      const checkpointed = slot.restored?.positions.find((p) => p.topic === lane.topic && p.partition === lane.partition)?.offset;
      slot.lanes.push(lane);
      if (committed === undefined && checkpointed === undefined) {
        // Where the feed starts it (a reader feed knows; a group member with no commit starts at the earliest).
        const start = feed.startOf?.(lane) ?? (feed.groupId ? 0 : undefined);
        if (start !== undefined) slot.positions.set(key, { ...lane, offset: start });
        continue;
      }
      const offset = Math.max(committed ?? 0, checkpointed ?? 0);
      slot.positions.set(key, { ...lane, offset });
      if (checkpointed !== undefined && checkpointed > (committed ?? -1)) feed.seek({ ...lane, offset: checkpointed });
    }
  }

  private taskIo(slot: TaskSlot<T>): TaskIo {
    return {
      output: (topic, record) => this.collect(slot, topic, record),
      deadLetter: (letter) => this.deadLetter(slot, letter),
      warn: (message) => this.emit({ type: 'warning', module: this.name, message }),
      originHeaders: () => slot.originHeaders(),
      watermark: (clock) => slot.time?.watermark(clock) ?? Number.NEGATIVE_INFINITY,
      caughtUp: () => this.caughtUp(slot),
    };
  }

  /** Whether the task has read every lane up to where it ended when last seen: nothing waits to be fetched. */
  private caughtUp(slot: TaskSlot<T>): boolean {
    for (const lane of slot.lanes) {
      const key = laneKey(lane.topic, lane.partition);
      const position = slot.positions.get(key)?.offset;
      if (position !== undefined && position < (this.highWatermarks.get(key) ?? 0)) return false;
    }
    return true;
  }

  private collect(slot: TaskSlot<T>, topic: string, record: ProduceRecord): void {
    if (!slot.buffer(topic, record)) return;
    if (!this.internalTopics.has(topic)) slot.counters.outputs++;
    this.buffered++;
  }

  private deadLetter(slot: TaskSlot<T>, letter: DeadLetter): void {
    slot.counters.deadLettered++;
    if (letter.reason === 'late') slot.counters.late++;
    const topic = this.options.deadLetterTopic;
    this.emit({ type: 'dead-letter', module: this.name, reason: letter.reason, message: letter.message, topic: letter.source?.topic, partition: letter.source?.partition ?? slot.id, offset: letter.source?.offset });
    if (!topic) return;
    if (slot.buffer(topic, deadLetterRecord(letter, this.name, slot.originHeaders(), slot.id < this.deadLetterPartitions ? slot.id : undefined))) this.buffered++;
  }

  /** Runs a batch through its task; the task's slot, unless it has none (or lost it midway). */
  private async processBatch(batch: Batch): Promise<TaskSlot<T> | undefined> {
    const { topic, partition, records } = batch;
    const slot = this.slots.get(this.taskOf(topic, partition));
    if (!slot) return undefined;
    const key = laneKey(topic, partition);
    const position = slot.positions.get(key) ?? { topic, partition, offset: 0 };
    slot.positions.set(key, position);
    const rewound = slot.rewound.get(key);
    if (rewound !== undefined) {
      if (records.length === 0 || records[0]!.offset >= rewound.from) return slot; // fetched before the seek: comes again
      slot.rewound.delete(key);
    }
    this.highWatermarks.set(key, batch.highWatermark);
    const { serde, onTiming, readerSchema, decode } = this.options;
    const task = slot.task;
    const lane = slot.time?.lane(topic, partition);
    // When these records arrived, for idleness: one clock read per batch, not per record.
    const receivedAt = this.options.clock.now();
    // The furthest event time a record may have now (maxFutureSkew): beyond it, a dead letter that moves nothing.
    const horizon = slot.time?.horizon(receivedAt) ?? Number.POSITIVE_INFINITY;
    const startedAt = onTiming ? performance.now() : 0;
    if (onTiming) this.pendingSince ??= startedAt;
    /** Whether the rest of the batch comes again (a rewind): its end is not reached. */
    let cut = false;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      // Processed already by this task: a feed may deliver records again from the last commit
      // (kafkajs does after a member rejoins its group with the same partitions, which the
      // task keeps with its state past that commit), and a replay after a rewind starts there too.
      if (record.offset < position.offset) continue;
      if (lane?.marker !== undefined && record.headers[WATERMARK_HEADER] !== undefined) {
        // Another task's watermark, sent along its records through a repartition topic.
        const watermark = lane.marker(record, receivedAt);
        if (watermark !== undefined) task.advanceWatermark?.(lane.clock, watermark);
      } else if (record.value === null) task.tombstone?.(record);
      else {
        let value: unknown;
        let decoded = true;
        try {
          value = decode ? decode(record.value, record) : serde!.decodeSync(record.value, readerSchema);
        } catch (error) {
          const outcome = await this.decodeSlowly(slot, record, error);
          if (outcome === 'wait') {
            // The registry does not answer: this record and the rest are read again later.
            this.rewind(slot, position, record.offset, records[records.length - 1]!.offset + 1);
            cut = true;
            break;
          }
          decoded = outcome.decoded;
          value = outcome.value;
        }
        if (decoded) {
          if (lane === undefined) {
            slot.counters.records++;
            task.process(value, record, Number.NaN);
          } else {
            const time = lane.eventTime(value, record);
            if (typeof time === 'string') this.deadLetter(slot, { reason: 'event-time', message: time, source: record });
            else if (time > horizon) {
              slot.counters.future++;
              this.deadLetter(slot, { ...slot.time!.future(time, receivedAt), source: record });
            } else {
              slot.counters.records++;
              task.process(value, record, time);
              const watermark = lane.observe(time, receivedAt);
              if (watermark !== undefined) task.advanceWatermark?.(lane.clock, watermark);
            }
          }
        }
      }
      position.offset = record.offset + 1;
      slot.dirty = true;
      if (this.buffered >= this.options.maxBufferedOutputs) {
        await this.checkpoint();
        // The rest of the batch goes into the next checkpoint.
        if (onTiming) this.pendingSince ??= performance.now();
        if (!this.slots.has(slot.id)) return undefined;
        // The checkpoint sought this lane back: the rest of the batch comes again.
        if (slot.rewound.has(key)) {
          cut = true;
          break;
        }
      }
    }
    // Past the transaction markers after the last record: nothing is left to read before them.
    if (!cut && batch.nextOffset !== undefined && batch.nextOffset > position.offset) {
      position.offset = batch.nextOffset;
      slot.dirty = true;
    }
    // Backpressure: a task whose asynchronous steps fall behind holds its next batch back.
    await task.settle?.(MAX_IN_FLIGHT);
    await task.afterBatch?.();
    onTiming?.({ module: this.name, kind: 'batch', seconds: (performance.now() - startedAt) / 1000 });
    return slot;
  }

  /**
   * A record the fast path did not decode: a writer schema seen for the first time is
   * fetched once (then back to the fast path); a registry that does not answer makes the
   * record wait ('wait'); anything else is a dead letter.
   */
  private async decodeSlowly(slot: TaskSlot<T>, record: LogRecord, error: unknown): Promise<{ decoded: boolean; value: unknown } | 'wait'> {
    let failure = error;
    if (this.options.serde && isFastdataError(error, 'FD_SCHEMA_NOT_FOUND') && error.context.id !== undefined) {
      try {
        return { decoded: true, value: await this.options.serde!.decode(record.value!, this.options.readerSchema) };
      } catch (again) {
        failure = again;
      }
    }
    if (isFastdataError(failure) && failure.retriable) {
      const now = Date.now();
      if (now - this.lastDecodeWarning > 60_000) {
        this.lastDecodeWarning = now;
        this.emit({ type: 'warning', module: this.name, message: `cannot decode ${record.topic}[${record.partition}]@${record.offset} yet (${errorMessage(failure)}); reading it again shortly` });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      return 'wait';
    }
    this.deadLetter(slot, { reason: 'decode', message: errorMessage(failure), source: record });
    return { decoded: false, value: undefined };
  }

  private checkpointDue(): boolean {
    return this.commitPolicy.due(this.options.clock.now()) && this.hasPendingWork();
  }

  private hasPendingWork(): boolean {
    if (this.buffered > 0) return true;
    for (const slot of this.slots.values()) {
      if (slot.task.stateChanged?.()) slot.dirty = true;
      if (slot.dirty || slot.repair.length > 0) return true;
    }
    return false;
  }

  /** Makes everything processed so far durable, then commits it (see the file comment). */
  private async checkpoint(): Promise<void> {
    // A failed host writes nothing more: its memory may be ahead of what is durable.
    if (this.state === 'failed') return;
    // The invariant of a checkpoint: the input positions it commits come with every output,
    // dead letter and state change of the records before them. A task's asynchronous steps
    // (mapAsync, model scoring) make those after `process` returned, so wait here until no
    // task has a value in flight; nothing new is pushed meanwhile (batches, timers and
    // rebalances run one at a time under `exclusive`), and a value's result that starts
    // another step is counted before the first one ends (stream/async-steps.ts).
    await Promise.all([...this.slots.values()].map((slot) => slot.task.settle?.()));
    const now = this.options.clock.now();
    this.lastCheckpointAt = now;
    if (!this.hasPendingWork()) {
      this.commitPolicy.checkpointed(now, now);
      return;
    }
    for (const slot of this.slots.values()) slot.task.beforeCheckpoint?.();
    // Together: each task's wait for an outside store is bounded, and so is their sum (the group's session timeout).
    await Promise.all([...this.slots.values()].map((slot) => this.flushTask(slot)));
    const counts = this.options.guarantee === 'exactly-once' ? await this.writer.writeInTransactions(this.slots.values(), now) : await this.writer.writeInOrder(this.slots.values(), now);
    this.recount();
    this.checkpoints++;
    this.commitPolicy.checkpointed(now, this.options.clock.now());
    if (this.options.onTiming && this.pendingSince !== undefined) {
      this.options.onTiming({ module: this.name, kind: 'commit', seconds: (performance.now() - this.pendingSince) / 1000 });
    }
    this.pendingSince = undefined;
    this.emit({ type: 'checkpoint', module: this.name, ...counts, at: now });
  }

  /** A task's writes outside the log; where it could not finish, its lanes are read again from what is durable. */
  private async flushTask(slot: TaskSlot<T>): Promise<void> {
    if (!slot.task.flush) return;
    const durable = await slot.task.flush();
    if (!durable) return;
    for (const [key, offset] of durable) {
      const position = slot.positions.get(key);
      if (position && offset < position.offset) this.rewind(slot, position, offset, position.offset);
    }
  }

  /** Reads a lane again from `offset` (TaskSlot.rewind), from the feed too. */
  private rewind(slot: TaskSlot<T>, position: TopicPartitionOffset, offset: number, fetchedTo: number): void {
    slot.rewind(position, offset, fetchedTo, this.options.deadLetterTopic);
    this.recount();
    if (!this.stopping) this.options.feed.seek({ topic: position.topic, partition: position.partition, offset });
  }

  /** Outputs and dead letters buffered in all tasks. */
  private recount(): void {
    let pending = 0;
    for (const slot of this.slots.values()) pending += slot.pending;
    this.buffered = pending;
  }

  /**
   * Partitions leave: while still owned, their work is checkpointed; once moved (Kafka), it
   * is dropped unwritten, since the new owner redoes it from the last checkpoint (writing it
   * now would race the new owner's restore).
   */
  private async revoke(tps: TopicPartition[], info: RevokeInfo): Promise<void> {
    const ids = [...new Set(tps.map((tp) => this.taskOf(tp.topic, tp.partition)))].filter((id) => this.slots.has(id));
    if (ids.length === 0) return;
    if (info.owned) await this.checkpoint();
    for (const id of ids) await this.dropTask(id);
    this.emit({ type: 'revoked', module: this.name, partitions: ids, checkpointed: info.owned });
  }

  private async dropTask(id: number): Promise<void> {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.slots.delete(id);
    this.recount();
    for (const key of Object.keys(this.departed) as (keyof HostCounters)[]) this.departed[key] += slot.counters[key];
    for (const lane of slot.lanes) this.highWatermarks.delete(laneKey(lane.topic, lane.partition));
    slot.task.stop();
    await slot.producer?.close().catch(() => undefined);
  }

  private fail(error: unknown): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = errorMessage(error);
    this.stopTimer?.();
    this.emit({ type: 'failed', module: this.name, error });
    // No more batches: a group member leaves its group (the others take over), a reader feed stops reading.
    void this.options.feed.stop().catch(() => undefined);
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /** Checkpoints what is buffered and leaves the feed; idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopTimer?.();
    // Leaving the group revokes the partitions, which checkpoints them.
    await this.options.feed.stop();
    await this.lock;
    for (const id of [...this.slots.keys()]) await this.dropTask(id);
    if (this.state !== 'failed') this.state = 'stopped';
  }

  /** Outputs and dead letters written by no checkpoint yet. */
  get pendingOutputs(): number {
    return this.buffered;
  }

  /** Where each lane of the tasks this member runs stands: the next offset to process. */
  positions(): TopicPartitionOffset[] {
    return [...this.slots.values()].flatMap((slot) => [...slot.positions.values()].map((p) => ({ ...p })));
  }

  /** The task with this id, while this member runs it. */
  task(id: number): T | undefined {
    return this.slots.get(id)?.task;
  }

  tasks(): T[] {
    return [...this.slots.values()].map((s) => s.task);
  }

  /** The watermark of a task's clock (NaN-free: -Infinity before any). */
  watermark(id: number, clock: string): number {
    return this.slots.get(id)?.time?.watermark(clock) ?? Number.NEGATIVE_INFINITY;
  }

  status(): HostStatus {
    const lag: Record<number, number> = {};
    const watermarks: Record<number, number> = {};
    const totals: HostCounters = { ...this.departed };
    for (const [id, slot] of this.slots) {
      for (const key of Object.keys(totals) as (keyof HostCounters)[]) totals[key] += slot.counters[key];
      if (slot.time) watermarks[id] = Math.min(...slot.time.clocks.map((c) => slot.time!.watermark(c)));
      let behind = 0;
      for (const [key, position] of slot.positions) behind += Math.max(0, (this.highWatermarks.get(key) ?? position.offset) - position.offset);
      lag[id] = behind;
    }
    return {
      state: this.state,
      ...(this.failure === undefined ? {} : { error: this.failure }),
      partitions: [...this.slots.keys()].sort((a, b) => a - b),
      ...totals,
      checkpoints: this.checkpoints,
      lastCheckpointAt: this.lastCheckpointAt,
      lag,
      watermarks,
      ...(this.lastWatermarkReset ? { lastWatermarkReset: { ...this.lastWatermarkReset } } : {}),
    };
  }
}

const iso = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
