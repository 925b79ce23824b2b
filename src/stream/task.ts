/**
 * A stream task: one running instance of a module's pipeline for one partition, with its
 * watermark and its state. It knows nothing of the log or of Avro: the runtime feeds it
 * decoded records from the log, the test driver feeds it values by hand, and both take
 * what it emits through its host.
 */
import type { Subscription } from 'rxjs';
import { FastdataError, errorMessage } from '../errors.js';
import type { LogRecord } from '../log/types.js';
import type { Clock } from '../time/clock.js';
import type { StreamModule } from './define.js';
import { type TaskHost, TaskContext, withTaskContext } from './task-context.js';
import { TaskInput } from './task-input.js';
import { WatermarkTracker, type WatermarkSnapshot } from './watermark.js';

export interface StreamTaskHost extends TaskHost {
  /** A value the pipeline emitted, with the timestamp its output record gets. */
  output(value: unknown, timestamp: number): void;
}

export interface StateEntry {
  store: string;
  id: string;
  value: unknown;
}

export interface TaskCheckpoint {
  /** State entries changed since the last checkpoint (`value` null: deleted). */
  entries: StateEntry[];
  watermark: WatermarkSnapshot;
}

/** After how many consecutive pipeline failures without a record getting through the task gives up. */
const MAX_CONSECUTIVE_FAILURES = 100;

export class StreamTask {
  readonly ctx: TaskContext;
  readonly partition: number;
  private readonly module: StreamModule;
  private readonly host: StreamTaskHost;
  private readonly watermarks: WatermarkTracker;
  private readonly eventTimeOf: Map<string, ((record: unknown) => number) | undefined>;
  private subjects = new Map<string, TaskInput<unknown>>();
  private subscription: Subscription | undefined;
  private pipelineError: unknown = undefined;
  private consecutiveFailures = 0;
  private completed = false;

  constructor(module: StreamModule, partition: number, clock: Clock, host: StreamTaskHost) {
    this.module = module;
    this.partition = partition;
    this.host = host;
    this.ctx = new TaskContext(module.name, partition, clock, host);
    this.watermarks = new WatermarkTracker(
      module.inputs.map((i) => i.alias),
      module.lateness,
      module.idleTimeout,
      clock,
    );
    this.eventTimeOf = new Map(module.inputs.map((i) => [i.alias, i.eventTime]));
  }

  /** Subscribes the pipeline. Throws FD_PIPELINE_INVALID if the module's pipeline function fails. */
  start(): void {
    this.build();
  }

  private build(): void {
    this.subscription?.unsubscribe();
    this.ctx.resetPipeline();
    this.subjects = new Map(this.module.inputs.map((i) => [i.alias, new TaskInput<unknown>()]));
    const inputs = Object.fromEntries([...this.subjects].map(([alias, subject]) => [alias, subject.observable]));
    this.pipelineError = undefined;
    this.completed = false;
    withTaskContext(this.ctx, () => {
      let output;
      try {
        output = this.module.pipeline(inputs as never);
      } catch (error) {
        throw new FastdataError('FD_PIPELINE_INVALID', `stream ${this.module.name}: its pipeline function threw: ${errorMessage(error)}`, {
          context: { stream: this.module.name },
          cause: error,
        });
      }
      if (!output || typeof (output as { subscribe?: unknown }).subscribe !== 'function') {
        throw new FastdataError('FD_PIPELINE_INVALID', `stream ${this.module.name}: pipeline must return an Observable (e.g. readings.pipe(...)), got ${typeof output}`, {
          context: { stream: this.module.name },
        });
      }
      this.subscription = output.subscribe({
        next: (value) => {
          this.ctx.counters.outputs++;
          this.host.output(value, this.ctx.emitTime);
        },
        error: (error) => {
          this.pipelineError = error ?? new Error('the pipeline signalled an error without a value');
        },
        complete: () => {
          this.completed = true;
        },
      });
    });
  }

  /**
   * Pushes one input record through the pipeline. `eventTime` overrides the module's event
   * time function (the test driver uses it); otherwise it is computed here, and a record
   * without a usable event time goes to the dead-letter topic.
   *
   * `receivedAt` is the processing time the record arrived at, which idleness is measured
   * from; default: the clock's now. The runner passes the time its batch was fetched, as a
   * clock read per record costs about an eighth of a windowed aggregate's work.
   */
  process(alias: string, value: unknown, source: LogRecord | undefined, eventTime?: number, receivedAt?: number): void {
    const subject = this.subjects.get(alias);
    if (!subject) throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} has no input ${alias}; its inputs are ${[...this.subjects.keys()].join(', ')}`);
    const ctx = this.ctx;
    ctx.source = source;
    try {
      const time = eventTime ?? this.eventTime(alias, value, source);
      if (time === undefined) return;
      ctx.counters.records++;
      ctx.eventTime = time;
      ctx.emitTime = time;
      if (this.completed) return;
      subject.next(value);
      if (this.pipelineError !== undefined) this.recover(true);
      else this.consecutiveFailures = 0;
      ctx.advanceWatermark(this.watermarks.observe(alias, time, receivedAt));
      if (this.pipelineError !== undefined) this.recover(false);
    } finally {
      ctx.source = undefined;
      ctx.eventTime = Number.NaN;
    }
  }

  private eventTime(alias: string, value: unknown, source: LogRecord | undefined): number | undefined {
    const fn = this.eventTimeOf.get(alias);
    let time: unknown;
    try {
      time = fn ? fn(value) : source?.timestamp;
    } catch (error) {
      this.ctx.deadLetter({ reason: 'event-time', message: `the eventTime function threw: ${errorMessage(error)}` });
      return undefined;
    }
    if (time instanceof Date) time = time.getTime();
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      this.ctx.deadLetter({
        reason: 'event-time',
        message: `the eventTime function returned ${JSON.stringify(time) ?? String(time)}; return milliseconds since the epoch (a number) or a Date`,
      });
      return undefined;
    }
    return time;
  }

  /**
   * The pipeline errored (an exception in a user operator). The record goes to the
   * dead-letter topic and the pipeline is subscribed again; state lives in the task's
   * stores, so it carries over.
   */
  private recover(duringRecord: boolean): void {
    const error = this.pipelineError;
    this.pipelineError = undefined;
    if (duringRecord) this.ctx.deadLetter({ reason: 'pipeline-error', message: errorMessage(error) });
    else this.ctx.warn(`pipeline failed while the watermark advanced: ${errorMessage(error)}; resubscribing`);
    if (++this.consecutiveFailures > MAX_CONSECUTIVE_FAILURES) {
      throw new FastdataError(
        'FD_PIPELINE_INVALID',
        `stream ${this.module.name}: the pipeline failed on ${MAX_CONSECUTIVE_FAILURES} records in a row (last: ${errorMessage(error)}); stopping the task. Fix the module and restart`,
        { context: { stream: this.module.name, partition: this.partition }, cause: error },
      );
    }
    this.build();
  }

  /** Re-evaluates idle inputs (called on a processing-time timer). */
  tick(): void {
    this.ctx.advanceWatermark(this.watermarks.tick());
    if (this.pipelineError !== undefined) this.recover(false);
  }

  /** Moves the watermark to at least `watermark` (the test driver's advanceWatermark). */
  forceWatermark(watermark: number): void {
    this.ctx.advanceWatermark(this.watermarks.force(watermark));
    if (this.pipelineError !== undefined) this.recover(false);
  }

  get watermark(): number {
    return this.ctx.watermark;
  }

  /** What changed since the last checkpoint: state entries and the watermark. */
  checkpoint(): TaskCheckpoint {
    const entries: StateEntry[] = [];
    for (const [store, s] of this.ctx.storeEntries()) {
      for (const [id, value] of s.drainChanges()) entries.push({ store, id, value });
    }
    return { entries, watermark: this.watermarks.snapshot() };
  }

  /** Puts state back from the changelog (before any record), then resubscribes so operators index it. */
  restore(entries: Iterable<StateEntry>, watermark: WatermarkSnapshot | undefined): void {
    const unknown = new Set<string>();
    for (const entry of entries) {
      const store = this.ctx.getStore(entry.store);
      if (store) store.restore(entry.id, entry.value);
      else unknown.add(entry.store);
    }
    for (const name of unknown) {
      this.ctx.warn(`the changelog holds state of '${name}', which this pipeline does not have (renamed or removed?); that state is dropped`);
    }
    this.build();
    if (watermark) {
      this.watermarks.restore(watermark);
      this.ctx.advanceWatermark(this.watermarks.watermark);
    }
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.ctx.resetPipeline();
  }
}
