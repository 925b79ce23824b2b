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
import { FastdataError, errorMessage } from '../errors.js';
import { type ParsedSchema, parseAvroSchema } from '../schema/avro.js';
import { readSchemaSource } from '../schema/schema-file.js';
import { invalidFields } from '../schema/serde.js';
import type { StreamModule } from '../stream/define.js';
import type { DeadLetter } from '../stream/task-context.js';
import { type StateEntry, StreamTask } from '../stream/task.js';
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

export class TestDriver<In extends Record<string, unknown> = Record<string, unknown>, Out = unknown> {
  readonly module: StreamModule<In, Out>;
  /** The processing-time clock: `advanceTime` moves it. */
  readonly clock: ManualClock;
  private task: StreamTask;
  private readonly schema: ParsedSchema;
  private readonly partition: number;
  private outputs: DriverOutput<Out>[] = [];
  private letters: DriverDeadLetter[] = [];
  /** Every checkpointed state entry, latest per id: what a changelog topic would hold. */
  private readonly changelog = new Map<string, StateEntry>();
  private currentInput: unknown = undefined;

  private constructor(module: StreamModule<In, Out>, schema: ParsedSchema, options: DriverOptions) {
    this.module = module;
    this.schema = schema;
    this.partition = options.partition ?? 0;
    this.clock = new ManualClock(options.startTime ?? 0);
    this.task = this.newTask();
  }

  static async create<In extends Record<string, unknown>, Out>(module: StreamModule<In, Out>, options: DriverOptions = {}): Promise<TestDriver<In, Out>> {
    if (module?.kind !== 'fastdata.stream') {
      throw new FastdataError('FD_ARGUMENT_INVALID', 'TestDriver.create(module): pass what defineStream(...) returned (the module file’s default export)');
    }
    const schema = await loadSchema(module.output.schema, options.root ?? process.cwd(), module.name);
    return new TestDriver(module, schema, options);
  }

  private newTask(): StreamTask {
    const task = new StreamTask(this.module, this.partition, this.clock, {
      output: (value, timestamp) => this.collect(value as Out, timestamp),
      deadLetter: (letter) =>
        this.letters.push({
          reason: letter.reason,
          message: letter.message,
          value: letter.value ?? this.currentInput,
          details: letter.details ?? {},
        }),
      warn: () => {},
    });
    task.start();
    return task;
  }

  private collect(value: Out, timestamp: number): void {
    let key: unknown;
    try {
      key = this.module.output.key(value);
    } catch (error) {
      this.letters.push({ reason: 'output-invalid', message: `output.key threw: ${errorMessage(error)}`, value, details: {} });
      return;
    }
    if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
    if (typeof key !== 'string') {
      this.letters.push({ reason: 'output-invalid', message: `output.key returned ${JSON.stringify(key) ?? String(key)}; return a string or a number`, value, details: {} });
      return;
    }
    const bad = invalidFields(this.schema.type, value);
    if (bad.length > 0) {
      const fields = bad.map((f) => `${f.path}: expected ${f.expected}, found ${f.found}`).join('; ');
      this.letters.push({ reason: 'output-invalid', message: `output does not match ${this.module.output.topic}'s schema: ${fields}`, value, details: {} });
      return;
    }
    this.outputs.push({ key, value, timestamp });
  }

  /** Pushes one record into an input of the module. */
  pipe<K extends keyof In & string>(input: K, value: In[K], options: PipeOptions = {}): this {
    this.currentInput = value;
    try {
      const timestamp = options.timestamp ?? this.clock.now();
      const source = { topic: input, partition: this.partition, offset: -1, timestamp, key: null, value: null, headers: {} };
      this.task.process(input, value, source, options.eventTime);
    } finally {
      this.currentInput = undefined;
    }
    return this;
  }

  /** Pushes records in order. */
  pipeAll<K extends keyof In & string>(input: K, values: Iterable<In[K]>): this {
    for (const value of values) this.pipe(input, value);
    return this;
  }

  /** Moves the watermark (event time) to at least `eventTime`, closing the windows it passes. */
  advanceWatermark(eventTime: number): this {
    this.task.forceWatermark(eventTime);
    return this;
  }

  /** Moves processing time (idle timeouts, `updateEvery`) forward by `ms`. */
  advanceTime(ms: number): this {
    this.clock.advance(ms);
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

  get counters() {
    return { ...this.task.ctx.counters };
  }

  /**
   * Checkpoints the state, throws the task away and restores a new one from the
   * checkpoint, as after a process restart. Records piped since are processed by the new task.
   */
  restart(): this {
    const { entries, watermark } = this.task.checkpoint();
    for (const entry of entries) {
      const id = JSON.stringify([entry.store, entry.id]);
      if (entry.value === null) this.changelog.delete(id);
      else this.changelog.set(id, entry);
    }
    this.task.stop();
    this.task = this.newTask();
    this.task.restore(this.changelog.values(), watermark);
    return this;
  }
}

async function loadSchema(schema: string | object, root: string, stream: string): Promise<ParsedSchema> {
  return parseAvroSchema(await readSchemaSource(schema, root, { stream }), { stream });
}
