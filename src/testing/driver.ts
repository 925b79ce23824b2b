/**
 * The test driver for model authors: runs a stream module's pipeline with no log, no
 * registry and no server. Pipe records with event times, move the watermark or the
 * processing-time clock, read what the module emitted and what it sent to the dead-letter
 * topic. Outputs are checked against the module's output schema, as the runtime would.
 *
 * @example
 * const driver = await TestDriver.create(sensorStats);
 * driver.pipe('readings', { sensorId: 's1', ts: 0, temperature: 20 });
 * driver.advanceWatermark(120_000);
 * expect(driver.readOutputs()).toEqual([...]);
 */
import { FastdataError } from '../errors.js';
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
import { StreamTask } from '../stream/task.js';
import { ManualClock } from '../time/clock.js';

export interface DriverOptions {
  /** Where relative schema paths are resolved. Default: the current directory (the project root under npm test). */
  root?: string;
  /** Processing time the driver's clock starts at. Default 0. */
  startTime?: number;
  /** The partition the task pretends to own. Default 0. */
  partition?: number;
}

export interface PipeOptions {
  /** Event time of the record; default: the module's eventTime function, or `timestamp`. */
  eventTime?: number;
  /** The log timestamp the record would have (used when the module has no eventTime function). Default: the driver clock. */
  timestamp?: number;
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
}

export class TestDriver<In extends Record<string, unknown> = Record<string, unknown>, Out = unknown> {
  readonly module: StreamModule<In, Out>;
  /** The processing-time clock: `advanceTime` moves it. */
  readonly clock: ManualClock;
  private task: StreamTask;
  private time: TaskEventTime;
  private readonly stage: OutputStage;
  private readonly partition: number;
  private outputs: DriverOutput<Out>[] = [];
  private letters: DriverDeadLetter[] = [];
  private readonly tally: DriverCounters = { records: 0, late: 0, deadLettered: 0, outputs: 0 };
  /** Every checkpointed state entry, latest per id: what a changelog topic would hold. */
  private readonly changelog = new Map<string, StateEntry>();
  private currentInput: unknown = undefined;

  private constructor(module: StreamModule<In, Out>, stage: OutputStage, options: DriverOptions) {
    this.module = module;
    this.stage = stage;
    this.partition = options.partition ?? 0;
    this.clock = new ManualClock(options.startTime ?? 0);
    this.task = this.newTask();
    this.time = this.newTime();
  }

  static async create<In extends Record<string, unknown>, Out>(module: StreamModule<In, Out>, options: DriverOptions = {}): Promise<TestDriver<In, Out>> {
    if (module?.kind !== 'fastdata.stream') {
      throw new FastdataError('FD_ARGUMENT_INVALID', 'TestDriver.create(module): pass what defineStream(...) returned (the module file’s default export)');
    }
    const root = options.root ?? process.cwd();
    const schema = parseAvroSchema(await readSchemaSource(module.output.schema, root, { stream: module.name }), { stream: module.name });
    const stage = new OutputStage(module as StreamModule, unregisteredEncoder(valueSubject(module.output.topic), schema));
    return new TestDriver(module, stage, options);
  }

  private newTask(): StreamTask {
    const task = new StreamTask(this.module, this.partition, this.clock, {
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
    });
    task.start();
    return task;
  }

  private newTime(): TaskEventTime {
    return new TaskEventTime(
      moduleTimeSpec(this.module as StreamModule),
      this.module.inputs.map((i) => ({ topic: i.topic, partition: this.partition })),
      this.clock,
    );
  }

  private deadLetter(letter: DeadLetter): void {
    this.tally.deadLettered++;
    if (letter.reason === 'late') this.tally.late++;
    this.letters.push({ reason: letter.reason, message: letter.message, value: letter.value ?? this.currentInput, details: letter.details ?? {} });
  }

  /** Pushes one record into an input of the module. */
  pipe<K extends keyof In & string>(input: K, value: In[K], options: PipeOptions = {}): this {
    const spec = this.module.inputs.find((i) => i.alias === input);
    if (!spec) throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} has no input ${input}; its inputs are ${this.module.inputs.map((i) => i.alias).join(', ')}`);
    this.currentInput = value;
    try {
      const timestamp = options.timestamp ?? this.clock.now();
      const source: LogRecord = { topic: spec.topic, partition: this.partition, offset: -1, timestamp, key: null, value: null, headers: {} };
      const lane = this.time.lane(spec.topic, this.partition)!;
      const time = options.eventTime ?? lane.eventTime(value, source);
      if (typeof time === 'string') {
        this.deadLetter({ reason: 'event-time', message: time, source });
        return this;
      }
      this.tally.records++;
      this.task.process(input, value, source, time);
      const watermark = lane.observe(time, this.clock.now());
      if (watermark !== undefined) this.task.advanceWatermark(watermark);
    } finally {
      this.currentInput = undefined;
    }
    return this;
  }

  /**
   * Writes a row of one of the module's tables (`joinTable` looks records up in it), or
   * deletes it (`null`, a tombstone), as a record of the table's topic would.
   */
  table(alias: string, key: string, row: unknown): this {
    if (!this.module.tables.some((t) => t.alias === alias)) {
      const known = this.module.tables.map((t) => t.alias);
      throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} has no table ${alias}; ${known.length > 0 ? `its tables are ${known.join(', ')}` : 'it declares no tables'}`);
    }
    this.task.updateTable(alias, key, row);
    return this;
  }

  /** Pushes records in order. */
  pipeAll<K extends keyof In & string>(input: K, values: Iterable<In[K]>): this {
    for (const value of values) this.pipe(input, value);
    return this;
  }

  /** Moves the watermark (event time) to at least `eventTime`, closing the windows it passes. */
  advanceWatermark(eventTime: number): this {
    this.task.advanceWatermark(this.time.force(TASK_CLOCK, eventTime));
    return this;
  }

  /** Moves processing time (idle timeouts, `updateEvery`) forward by `ms`. */
  advanceTime(ms: number): this {
    this.clock.advance(ms);
    for (const [, watermark] of this.time.tick()) this.task.advanceWatermark(watermark);
    this.task.tick();
    return this;
  }

  get watermark(): number {
    return this.task.watermark;
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
   * Checkpoints the state, throws the task away and restores a new one from the
   * checkpoint, as after a process restart. Records piped since are processed by the new task.
   */
  restart(): this {
    for (const entry of this.task.drainState()) {
      const id = JSON.stringify([entry.store, entry.id]);
      if (entry.value === null) this.changelog.delete(id);
      // Through JSON, as the changelog topic holds it: state that JSON would change shows here too.
      else this.changelog.set(id, { ...entry, value: JSON.parse(JSON.stringify(entry.value)) });
    }
    const watermarks = this.time.snapshot();
    this.task.stop();
    this.task = this.newTask();
    this.task.restore(this.changelog.values());
    this.time = this.newTime();
    for (const [, watermark] of this.time.restore(watermarks)) this.task.advanceWatermark(watermark);
    return this;
  }
}
