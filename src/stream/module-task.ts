/**
 * A stream module's task on the processor host: the module's pipeline (a StreamTask) for
 * one partition of its inputs, its outputs through the output stage, its state through the
 * changelog, and, when the module repartitions, the records and watermark markers it sends
 * the other tasks through the repartition topic (repartition.ts).
 */
import { partitionForStringKey } from '../log/partitioner.js';
import type { LogRecord, TopicPartition } from '../log/types.js';
import type { Clock } from '../time/clock.js';
import type { StreamModule } from './define.js';
import { INPUT_CLOCK, TASK_CLOCK } from './host/changelog.js';
import { IDLE_MARK } from './host/event-time.js';
import type { HostedTask, TaskIo, TaskRestore } from './host/processor.js';
import { type OutputStage, isDeadLetter } from './output-stage.js';
import { type Repartition, forwardProblem, forwardRecord, markerRecord, unforwardable } from './repartition.js';
import type { KeyRouting } from './task-context.js';
import { StreamTask } from './task.js';

/**
 * Least time between two rounds of watermark markers: a round is one record per task to
 * every task (partitions² records), so rounds follow the checkpoints at most once a second
 * (or twice per idle timeout, if shorter); windows of a repartitioned key close up to that
 * much later.
 */
const MARKER_INTERVAL_MS = 1000;

export class ModuleTask implements HostedTask {
  readonly task: StreamTask;
  private readonly aliasOf: Map<string, string>;
  /** The alias of each table topic. */
  private readonly tableOf: Map<string, string>;
  private readonly io: TaskIo;
  private readonly clock: Clock;
  private readonly id: number;
  private readonly repartition: Repartition | undefined;
  /** The keyBy each repartition topic feeds. */
  private readonly keyByOf: Map<string, string>;
  /** What the last markers said, and when they went (processing time). */
  private marked: string | undefined;
  private markedAt = Number.NEGATIVE_INFINITY;
  private readonly startedAt: number;
  private readonly idleTimeout: number;
  private readonly markerInterval: number;
  /** Markers go again after this long even if the watermark stood still, so the others do not take this task for idle. */
  private readonly markerHeartbeat: number;

  constructor(
    module: StreamModule,
    id: number,
    _lanes: readonly TopicPartition[],
    io: TaskIo,
    restored: TaskRestore | undefined,
    clock: Clock,
    stage: OutputStage,
    partitions: number,
    repartition?: Repartition,
  ) {
    this.aliasOf = new Map(module.inputs.map((i) => [i.topic, i.alias]));
    this.tableOf = new Map(module.tables.map((t) => [t.topic, t.alias]));
    this.io = io;
    this.clock = clock;
    this.id = id;
    this.repartition = repartition;
    this.keyByOf = new Map([...(repartition?.topics ?? [])].map(([keyBy, topic]) => [topic, keyBy]));
    this.markerInterval = Math.min(MARKER_INTERVAL_MS, module.idleTimeout / 2);
    this.markerHeartbeat = module.idleTimeout / 2;
    this.idleTimeout = module.idleTimeout;
    this.startedAt = clock.now();
    const topic = module.output.topic;
    this.task = new StreamTask(module, id, clock, {
      output: (value, timestamp) => {
        const staged = stage.accept(value);
        if (isDeadLetter(staged)) io.deadLetter(staged);
        else io.output(topic, { key: staged.key, value: staged.value, timestamp: Number.isFinite(timestamp) ? timestamp : clock.now(), headers: io.originHeaders() });
      },
      deadLetter: (letter) => io.deadLetter(letter),
      warn: (message) => io.warn(message),
      // One task owns every key when there is one partition.
      ...(partitions > 1 ? { routing: this.routing(partitions, repartition) } : {}),
    });
    this.task.start();
    if (restored) this.task.restore(restored.entries);
  }

  private routing(partitions: number, repartition: Repartition | undefined): KeyRouting {
    return {
      partitions,
      forward: (keyBy, key, value, eventTime, record, unchanged) => {
        const topic = repartition?.topics.get(keyBy);
        const problem = forwardProblem(topic !== undefined, record, record !== undefined && this.keyByOf.has(record.topic));
        if (problem !== undefined) {
          this.io.deadLetter(unforwardable(keyBy, key, problem));
          return;
        }
        const partition = partitionForStringKey(key, partitions);
        this.io.output(topic!, forwardRecord(key, value, eventTime, unchanged ? (record!.value ?? undefined) : undefined, partition, this.io.originHeaders()));
      },
    };
  }

  process(value: unknown, record: LogRecord, eventTime: number): void {
    const alias = this.aliasOf.get(record.topic);
    if (alias !== undefined) this.task.process(alias, value, record, eventTime);
    else if (this.tableOf.has(record.topic)) this.updateTable(record, value);
    else this.task.arrive(this.keyByOf.get(record.topic)!, record.key?.toString() ?? '', value, record, eventTime);
  }

  /** A deleted row (a tombstone of a table); other inputs' tombstones are skipped. */
  tombstone(record: LogRecord): void {
    if (this.tableOf.has(record.topic)) this.updateTable(record, null);
  }

  private updateTable(record: LogRecord, value: unknown): void {
    if (record.key === null) {
      this.io.deadLetter({ reason: 'invalid-key', message: `a record of table ${record.topic} has no key, so it is no row of any key; key the table's records by the join key`, source: record });
      return;
    }
    this.task.updateTable(this.tableOf.get(record.topic)!, record.key.toString(), value);
  }

  advanceWatermark(clock: string, watermark: number): void {
    // INPUT_CLOCK only travels to the other tasks, in the markers.
    if (clock === TASK_CLOCK) this.task.advanceWatermark(watermark);
  }

  tick(): void {
    this.task.tick();
  }

  /**
   * What the next markers say: the inputs' watermark; `idle` when the inputs have had no
   * record since the task started, at least the idle timeout ago, and nothing is left to
   * read (as its own clock stops waiting for them); nothing before.
   */
  private mark(): string | undefined {
    const watermark = this.io.watermark(INPUT_CLOCK);
    if (Number.isFinite(watermark)) return String(watermark);
    return this.io.caughtUp() && this.clock.now() - this.startedAt >= this.idleTimeout ? IDLE_MARK : undefined;
  }

  /** Whether the other tasks were told how far this task's inputs have got (`--until-end` waits for it). */
  get markersSent(): boolean {
    return !this.repartition || this.mark() === this.marked;
  }

  /** Markers are due: what they say changed (and the last round is old enough), or it is time for a heartbeat. */
  stateChanged(): boolean {
    if (!this.repartition) return false;
    const mark = this.mark();
    if (mark === undefined) return false;
    const since = this.clock.now() - this.markedAt;
    return since >= this.markerHeartbeat || (since >= this.markerInterval && mark !== this.marked);
  }

  /** A round of markers, after every record this task forwarded since the last (the same checkpoint writes them in order). */
  beforeCheckpoint(): void {
    if (!this.stateChanged()) return;
    const { topics, partitions } = this.repartition!;
    const mark = this.mark()!;
    const headers = this.io.originHeaders();
    for (const topic of topics.values()) {
      for (let partition = 0; partition < partitions; partition++) this.io.output(topic, markerRecord(this.id, mark, partition, headers));
    }
    this.marked = mark;
    this.markedAt = this.clock.now();
  }

  settle(limit?: number): Promise<void> {
    return this.task.settle(limit);
  }

  drainState() {
    return this.task.drainState();
  }

  stop(): void {
    this.task.stop();
  }
}
