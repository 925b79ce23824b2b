/**
 * The test driver for model authors: runs a stream module's pipeline with no log, no
 * registry and no server. Pipe records with event times, move the watermark or the
 * processing-time clock, read what the module emitted and what it sent to the dead-letter
 * topic. Outputs are checked against the module's output schema, as the runtime would.
 *
 * With `partitions` > 1 it runs one task per partition, as the runtime does: a record piped
 * with a `key` goes to the key's partition (murmur2, as a producer places it), and a keyBy
 * sends a record whose key another task owns to that task, as through the module's
 * repartition topic (its value copied as V8 serializes it). The tasks' windows then follow
 * the lowest watermark of all tasks, as the runtime's watermark markers make them.
 *
 * A module with asynchronous steps (mapAsync, ONNX scoring) emits their results later:
 * `await driver.settle()` waits for them, as the runtime does before every checkpoint.
 *
 * @example
 * const driver = await TestDriver.create(sensorStats);
 * driver.pipe('readings', { sensorId: 's1', ts: 0, temperature: 20 });
 * driver.advanceWatermark(120_000);
 * expect(driver.readOutputs()).toEqual([...]);
 */
import { FastdataError } from '../errors.js';
import { deserialize, serialize } from 'node:v8';
import { partitionForStringKey } from '../log/partitioner.js';
import type { LogRecord } from '../log/types.js';
import { parseAvroSchema } from '../schema/avro.js';
import { readSchemaSource } from '../schema/schema-file.js';
import { unregisteredEncoder } from '../schema/serde.js';
import { valueSubject } from '../schema/types.js';
import type { StreamModule } from '../stream/define.js';
import { type StateEntry, TASK_CLOCK } from '../stream/host/changelog.js';
import type { DeadLetter } from '../stream/host/dead-letters.js';
import { TaskEventTime } from '../stream/host/event-time.js';
import { moduleTimeSpec } from '../stream/module-time.js';
import { OutputStage, isDeadLetter } from '../stream/output-stage.js';
import { forwardProblem, repartitionTopic, unforwardable } from '../stream/repartition.js';
import type { KeyRouting } from '../stream/task-context.js';
import { repartitioningKeyBys } from '../stream/topology.js';
import { StreamTask } from '../stream/task.js';
import { ManualClock } from '../time/clock.js';

export interface DriverOptions {
  /** Where relative schema paths are resolved. Default: the current directory (the project root under npm test). */
  root?: string;
  /** Processing time the driver's clock starts at. Default 0. */
  startTime?: number;
  /** With one task: the partition it pretends to own. Default 0. */
  partition?: number;
  /** Tasks, one per input partition, as the runtime runs on inputs with that many partitions. Default 1. */
  partitions?: number;
}

export interface PipeOptions {
  /** Event time of the record; default: the module's eventTime function, or `timestamp`. */
  eventTime?: number;
  /** The log timestamp the record would have (used when the module has no eventTime function). Default: the driver clock. */
  timestamp?: number;
  /** The record's key, as its producer keys it: with several partitions, it picks the task. Default: none (the partitions in turn). */
  key?: string;
}

export interface DriverOutput<Out> {
  key: string;
  value: Out;
  /** The output record's timestamp (a window's end, or the input's event time). */
  timestamp: number;
}

export interface DriverDeadLetter {
  reason: DeadLetter['reason'];
  message: string;
  /** The input value that failed, or the output value that did not fit the schema. */
  value: unknown;
  details: Record<string, string>;
}

export interface DriverCounters {
  /** Records that reached the pipeline (with a usable event time). */
  records: number;
  /** Late records, dead-lettered (also in deadLettered). */
  late: number;
  deadLettered: number;
  outputs: number;
  /** Records a keyBy sent to another task (through its repartition topic, in the runtime). */
  forwarded: number;
}

/** One task of the driver: the pipeline of one partition, its event time and what its checkpoints wrote. */
interface DriverTask {
  partition: number;
  task: StreamTask;
  time: TaskEventTime;
  /** Every checkpointed state entry, latest per id: what its changelog partition would hold. */
  changelog: Map<string, StateEntry>;
}

/** A record on its way to another task, as in a repartition topic. */
interface Forward {
  to: number;
  keyBy: string;
  key: string;
  value: unknown;
  eventTime: number;
}

export class TestDriver<In extends Record<string, unknown> = Record<string, unknown>, Out = unknown> {
  readonly module: StreamModule<In, Out>;
  /** The processing-time clock: `advanceTime` moves it. */
  readonly clock: ManualClock;
  private readonly stage: OutputStage;
  private readonly tasks: DriverTask[];
  /** The keyBys that repartition (with several partitions): their records may go to another task. */
  private readonly repartitioning: ReadonlySet<string>;
  private outputs: DriverOutput<Out>[] = [];
  private letters: DriverDeadLetter[] = [];
  private readonly tally: DriverCounters = { records: 0, late: 0, deadLettered: 0, outputs: 0, forwarded: 0 };
  private readonly inFlight: Forward[] = [];
  private nextPartition = 0;
  private currentInput: unknown = undefined;
  /** With repartitioning keyBys: a watermark move waits while a task's asynchronous steps are busy (settle makes it). */
  private watermarksDue = false;

  private constructor(module: StreamModule<In, Out>, stage: OutputStage, options: DriverOptions) {
    this.module = module;
    this.stage = stage;
    this.clock = new ManualClock(options.startTime ?? 0);
    const partitions = options.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1000) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `TestDriver option partitions must be a whole number from 1 to 1000, got ${JSON.stringify(options.partitions)}`);
    }
    this.repartitioning = new Set(partitions > 1 ? repartitioningKeyBys(module as StreamModule) : []);
    const ids = partitions > 1 ? Array.from({ length: partitions }, (_, p) => p) : [options.partition ?? 0];
    this.tasks = ids.map((partition) => ({ partition, task: this.newTask(partition, partitions), time: this.newTime(partition), changelog: new Map() }));
  }

  static async create<In extends Record<string, unknown>, Out>(module: StreamModule<In, Out>, options: DriverOptions = {}): Promise<TestDriver<In, Out>> {
    if (module?.kind !== 'fastdata.stream') {
      throw new FastdataError('FD_ARGUMENT_INVALID', 'TestDriver.create(module): pass what defineStream(...) returned (the module file’s default export)');
    }
    const root = options.root ?? process.cwd();
    const schema = parseAvroSchema(await readSchemaSource(module.output.schema, root, { stream: module.name }), { stream: module.name });
    const stage = new OutputStage(module as StreamModule, unregisteredEncoder(valueSubject(module.output.topic), schema), schema.type);
    return new TestDriver(module, stage, options);
  }

  private newTask(partition: number, partitions: number): StreamTask {
    const task = new StreamTask(this.module, partition, this.clock, {
      output: (value, timestamp) => {
        const staged = this.stage.accept(value);
        if (isDeadLetter(staged)) this.deadLetter(staged);
        else {
          this.tally.outputs++;
          this.outputs.push({ key: staged.key, value: value as Out, timestamp });
        }
      },
      deadLetter: (letter) => this.deadLetter(letter),
      warn: () => {},
      ...(partitions > 1 ? { routing: this.routing(partitions) } : {}),
    });
    task.start();
    return task;
  }

  /** What the runtime's repartition topics do, in memory: the same rules, a copied value, delivered after the current record. */
  private routing(partitions: number): KeyRouting {
    return {
      partitions,
      forward: (keyBy, key, value, eventTime, record) => {
        const repartitioned = record !== undefined && record.topic.endsWith('.repartition');
        const problem = forwardProblem(this.repartitioning.has(keyBy), record, repartitioned);
        if (problem !== undefined) {
          this.deadLetter(unforwardable(keyBy, key, problem));
          return;
        }
        this.tally.forwarded++;
        this.inFlight.push({ to: partitionForStringKey(key, partitions), keyBy, key, value: deserialize(serialize(value)), eventTime });
      },
    };
  }

  private newTime(partition: number): TaskEventTime {
    return new TaskEventTime(
      moduleTimeSpec(this.module as StreamModule),
      this.module.inputs.map((i) => ({ topic: i.topic, partition })),
      this.clock,
    );
  }

  private deadLetter(letter: DeadLetter): void {
    this.tally.deadLettered++;
    if (letter.reason === 'late') this.tally.late++;
    this.letters.push({ reason: letter.reason, message: letter.message, value: letter.value ?? this.currentInput, details: letter.details ?? {} });
  }

  /** Pushes one record into an input of the module (the task of its key's partition, with several). */
  pipe<K extends keyof In & string>(input: K, value: In[K], options: PipeOptions = {}): this {
    const spec = this.module.inputs.find((i) => i.alias === input);
    if (!spec) throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} has no input ${input}; its inputs are ${this.module.inputs.map((i) => i.alias).join(', ')}`);
    const target = this.taskFor(options.key);
    this.currentInput = value;
    try {
      const timestamp = options.timestamp ?? this.clock.now();
      const source: LogRecord = {
        topic: spec.topic,
        partition: target.partition,
        offset: -1,
        timestamp,
        key: options.key === undefined ? null : Buffer.from(options.key),
        value: null,
        headers: {},
      };
      const lane = target.time.lane(spec.topic, target.partition)!;
      const time = options.eventTime ?? lane.eventTime(value, source);
      if (typeof time === 'string') {
        this.deadLetter({ reason: 'event-time', message: time, source });
        return this;
      }
      this.tally.records++;
      target.task.process(input, value, source, time);
      this.deliver();
      const watermark = lane.observe(time, this.clock.now());
      if (watermark !== undefined) this.moveWatermarks(target);
    } finally {
      this.currentInput = undefined;
    }
    return this;
  }

  private taskFor(key: string | undefined): DriverTask {
    if (this.tasks.length === 1) return this.tasks[0]!;
    if (key !== undefined) return this.tasks[partitionForStringKey(key, this.tasks.length)]!;
    const task = this.tasks[this.nextPartition]!;
    this.nextPartition = (this.nextPartition + 1) % this.tasks.length;
    return task;
  }

  /** Records keyBys sent to other tasks, each processed there as if read from the repartition topic. */
  private deliver(): void {
    for (let next = this.inFlight.shift(); next !== undefined; next = this.inFlight.shift()) {
      const source: LogRecord = {
        topic: repartitionTopic(this.module.name, next.keyBy),
        partition: next.to,
        offset: -1,
        timestamp: next.eventTime,
        key: Buffer.from(next.key),
        value: null,
        headers: {},
      };
      this.tasks[next.to]!.task.arrive(next.keyBy, next.key, next.value, source, next.eventTime);
    }
  }

  /**
   * A task's watermark moved: with repartitioning keyBys every task's windows follow the
   * lowest of all (any task may still send records up to its own); otherwise each its own.
   */
  private moveWatermarks(moved?: DriverTask): void {
    const watermarks = this.tasks.map((t) => t.time.watermark(TASK_CLOCK));
    if (this.repartitioning.size > 0) {
      // A record still in a task's asynchronous step may yet go to another task: as the
      // runtime's watermark markers only follow a settled checkpoint, no task moves until all are settled.
      if (this.tasks.some((t) => t.task.pendingWork > 0)) {
        this.watermarksDue = true;
        return;
      }
      this.watermarksDue = false;
      const lowest = Math.min(...watermarks);
      for (const t of this.tasks) t.task.advanceWatermark(lowest);
    } else {
      for (const [i, t] of this.tasks.entries()) if (moved === undefined || t === moved) t.task.advanceWatermark(watermarks[i]!);
    }
    this.deliver();
  }

  /**
   * Writes a row of one of the module's tables (`joinTable` looks records up in it), or
   * deletes it (`null`, a tombstone), as a record of the table's topic would: in the task
   * of the key's partition.
   */
  table(alias: string, key: string, row: unknown): this {
    if (!this.module.tables.some((t) => t.alias === alias)) {
      const known = this.module.tables.map((t) => t.alias);
      throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} has no table ${alias}; ${known.length > 0 ? `its tables are ${known.join(', ')}` : 'it declares no tables'}`);
    }
    this.taskFor(this.tasks.length > 1 ? key : undefined).task.updateTable(alias, key, row);
    return this;
  }

  /** Pushes records in order. */
  pipeAll<K extends keyof In & string>(input: K, values: Iterable<In[K]>): this {
    for (const value of values) this.pipe(input, value);
    return this;
  }

  /** Moves the watermark (event time) of every task to at least `eventTime`, closing the windows it passes. */
  advanceWatermark(eventTime: number): this {
    for (const t of this.tasks) t.time.force(TASK_CLOCK, eventTime);
    this.moveWatermarks();
    return this;
  }

  /** Moves processing time (idle timeouts, `updateEvery`) forward by `ms`. */
  advanceTime(ms: number): this {
    this.clock.advance(ms);
    for (const t of this.tasks) t.time.tick();
    this.moveWatermarks();
    for (const t of this.tasks) t.task.tick();
    this.deliver();
    return this;
  }

  /**
   * Waits until no task has a value in flight in an asynchronous step (mapAsync, model
   * scoring), delivering what their results sent to other tasks: then the outputs of every
   * record piped so far are in `readOutputs()`, as the runtime's checkpoint waits for them.
   * Rejects with an error a step's result caused that stopped the task.
   *
   * @example
   * driver.pipeAll('readings', readings);
   * await driver.settle();
   * expect(driver.readValues()).toEqual(expected);
   */
  async settle(): Promise<this> {
    for (;;) {
      await Promise.all(this.tasks.map((t) => t.task.settle()));
      if (this.inFlight.length > 0) this.deliver();
      else if (this.watermarksDue) this.moveWatermarks();
      if (this.inFlight.length === 0 && !this.watermarksDue && this.tasks.every((t) => t.task.pendingWork === 0)) return this;
    }
  }

  /** Values in flight in the tasks' asynchronous steps (0 after `settle()`). */
  get pendingWork(): number {
    return this.tasks.reduce((n, t) => n + t.task.pendingWork, 0);
  }

  /** The watermark of the tasks' windows (the lowest, with several tasks). */
  get watermark(): number {
    return Math.min(...this.tasks.map((t) => t.task.watermark));
  }

  /** Outputs emitted since the last read, and forgets them. */
  readOutputs(): DriverOutput<Out>[] {
    const out = this.outputs;
    this.outputs = [];
    return out;
  }

  /** Output values only, since the last read. */
  readValues(): Out[] {
    return this.readOutputs().map((o) => o.value);
  }

  /** Records sent to the dead-letter topic since the last read, and forgets them. */
  readDeadLetters(): DriverDeadLetter[] {
    const out = this.letters;
    this.letters = [];
    return out;
  }

  get counters(): DriverCounters {
    return { ...this.tally };
  }

  /**
   * Checkpoints the state, throws the tasks away and restores new ones from the
   * checkpoint, as after a process restart. Records piped since are processed by the new tasks.
   */
  restart(): this {
    if (this.pendingWork > 0 || this.watermarksDue) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `TestDriver.restart(): ${this.pendingWork} values are still in flight in asynchronous steps (mapAsync, model scoring); await driver.settle() first, as the runtime waits for them before it checkpoints`);
    }
    const partitions = this.tasks.length > 1 ? this.tasks.length : 1;
    for (const t of this.tasks) {
      for (const entry of t.task.drainState()) {
        const id = JSON.stringify([entry.store, entry.id]);
        if (entry.value === null) t.changelog.delete(id);
        // Through JSON, as the changelog topic holds it: state that JSON would change shows here too.
        else t.changelog.set(id, { ...entry, value: JSON.parse(JSON.stringify(entry.value)) });
      }
      const watermarks = t.time.snapshot();
      const old = t.task;
      old.stop();
      t.task = this.newTask(t.partition, partitions);
      // The rows come back as the runtime reads them again from the table's topic.
      for (const { alias } of this.module.tables) for (const [key, row] of old.ctx.tables.of(alias)) t.task.updateTable(alias, key, row);
      t.task.restore(t.changelog.values());
      t.time = this.newTime(t.partition);
      t.time.restore(watermarks);
    }
    this.moveWatermarks();
    return this;
  }
}
