/**
 * A stream task: one running instance of a module's pipeline for one partition, with its
 * state. It knows nothing of the log, of Avro or of how event time is told: the processor
 * host (or the test driver) feeds it decoded records with their event times and moves its
 * watermark, and takes what it emits through its host.
 */
import type { Subscription } from 'rxjs';
import { FastdataError, errorMessage } from '../errors.js';
import type { LogRecord } from '../log/types.js';
import type { Clock } from '../time/clock.js';
import { AsyncSteps, type StepScope } from './async-steps.js';
import type { StreamModule } from './define.js';
import { type TaskHost, TaskContext, isSubscribedLate, nextWithTaskContext, withTaskContext } from './task-context.js';
import type { StateEntry } from './host/changelog.js';
import { Keyed } from './ops/keyed.js';
import { Table } from './ops/table.js';
import { TaskInput } from './task-input.js';

export interface StreamTaskHost extends TaskHost {
  /** A value the pipeline emitted, with the timestamp its output record gets. */
  output(value: unknown, timestamp: number): void;
}

/** A target that calls what it is given: an asynchronous step's continuation goes through `run` as a payload. */
const CALL = { next: (fn: () => void) => fn() };

/** After how many consecutive pipeline failures without a record getting through the task gives up. */
const MAX_CONSECUTIVE_FAILURES = 100;

export class StreamTask {
  readonly ctx: TaskContext;
  readonly partition: number;
  private readonly module: StreamModule;
  private readonly host: StreamTaskHost;
  private subjects = new Map<string, TaskInput<unknown>>();
  private subscription: Subscription | undefined;
  private pipelineError: unknown = undefined;
  private consecutiveFailures = 0;
  private completed = false;
  /** The pipeline's asynchronous steps (mapAsync, model scoring): what is in flight, and what waits for it. */
  private readonly steps: AsyncSteps;
  /** Where a new watermark goes (made once: the watermark moves with nearly every in-order record). */
  private readonly watermarks: { next(watermark: number): void };

  constructor(module: StreamModule, partition: number, clock: Clock, host: StreamTaskHost) {
    this.module = module;
    this.partition = partition;
    this.host = host;
    this.ctx = new TaskContext(module.name, partition, clock, host);
    const ctx = this.ctx;
    this.watermarks = { next: (watermark) => ctx.advanceWatermark(watermark) };
    this.steps = new AsyncSteps({
      capture: () => ({ source: this.ctx.source, sourceValue: this.ctx.sourceValue, eventTime: this.ctx.eventTime, emitTime: this.ctx.emitTime }),
      resume: (scope, fn) => this.resume(scope, fn),
      applyWatermark: (watermark) => this.applyWatermark(watermark),
      deadLetter: (scope, message) => this.ctx.deadLetter({ reason: 'pipeline-error', message, source: scope.source, ...(scope.source ? {} : { value: scope.sourceValue }) }),
    });
    this.ctx.steps = this.steps;
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
    const tables = Object.fromEntries(this.module.tables.map((t) => [t.alias, new Table(t.alias, t.topic)]));
    this.pipelineError = undefined;
    this.completed = false;
    this.ctx.building = true;
    try {
      this.subscribe(inputs, tables);
    } finally {
      this.ctx.building = false;
    }
  }

  private subscribe(inputs: Record<string, unknown>, tables: Record<string, unknown>): void {
    withTaskContext(this.ctx, () => {
      let output;
      try {
        output = this.module.pipeline(inputs as never, tables as never);
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
        next: (value) => this.host.output(value, this.ctx.emitTime),
        error: (error) => {
          this.pipelineError = error ?? new Error('the pipeline signalled an error without a value');
        },
        complete: () => {
          this.completed = true;
        },
      });
    });
  }

  /** Pushes one input record, with its event time, through the pipeline. */
  process(alias: string, value: unknown, source: LogRecord | undefined, eventTime: number): void {
    const subject = this.subjects.get(alias);
    if (!subject) throw new FastdataError('FD_ARGUMENT_INVALID', `stream ${this.module.name} has no input ${alias}; its inputs are ${[...this.subjects.keys()].join(', ')}`);
    this.push(value, source, eventTime, subject, value);
  }

  /** A record of a table's topic: the new row of `key`, or its deletion (null, a tombstone). */
  updateTable(alias: string, key: string, value: unknown): void {
    this.ctx.tables.apply(alias, key, value);
  }

  /** A record another task sent to keyBy `keyBy` of this pipeline (its key belongs to this task): on from that keyBy. */
  arrive(keyBy: string, key: string, value: unknown, source: LogRecord | undefined, eventTime: number): void {
    this.push(value, source, eventTime, this.ctx.arrivalsOf(keyBy), new Keyed(key, value, eventTime));
  }

  /** Delivers `payload` to `target` (an input, or a keyBy's arrivals) as the processing of input record `value`. */
  private push<P>(value: unknown, source: LogRecord | undefined, eventTime: number, target: { next(payload: P): void }, payload: P): void {
    // An asynchronous step's result failed the task beyond recovery (see AsyncSteps): stop here too.
    if (this.steps.failed !== undefined) throw this.steps.failed;
    if (this.completed) return;
    this.steps.nextRecord();
    this.run(value, source, eventTime, eventTime, target, payload);
  }

  /** An asynchronous step's result goes on down the pipeline in the context of the record it serves. */
  private resume(scope: StepScope, deliver: () => void): void {
    if (this.completed) return;
    const ctx = this.ctx;
    const outer = { source: ctx.source, sourceValue: ctx.sourceValue, eventTime: ctx.eventTime, emitTime: ctx.emitTime };
    try {
      this.run(scope.sourceValue, scope.source, scope.eventTime, scope.emitTime, CALL, deliver);
    } finally {
      Object.assign(ctx, outer);
    }
  }

  private run<P>(value: unknown, source: LogRecord | undefined, eventTime: number, emitTime: number, target: { next(payload: P): void }, payload: P): void {
    const ctx = this.ctx;
    ctx.source = source;
    ctx.sourceValue = value;
    ctx.eventTime = eventTime;
    ctx.emitTime = emitTime;
    try {
      // The context is there for operators subscribed as records flow (inside a mergeMap):
      // fastdata's own refuse it by name (currentTaskContext), with what to write instead.
      nextWithTaskContext(ctx, target, payload);
      if (this.pipelineError !== undefined) this.recover(true);
      else this.consecutiveFailures = 0;
    } finally {
      ctx.source = undefined;
      ctx.sourceValue = undefined;
      ctx.eventTime = Number.NaN;
    }
  }

  /**
   * The pipeline errored (an exception in a user operator). The record goes to the
   * dead-letter topic and the pipeline is subscribed again; state lives in the task's
   * stores, so it carries over.
   */
  private recover(duringRecord: boolean): void {
    const error = this.pipelineError;
    this.pipelineError = undefined;
    // A pipeline that nests fastdata's operators in a higher-order one fails on every record alike: stop, saying why.
    if (isSubscribedLate(error)) throw error;
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

  /**
   * Event time moved forward: windows the watermark passes close. While asynchronous steps
   * have records in flight, it is held until they have gone on (AsyncSteps, point 2).
   */
  advanceWatermark(watermark: number): void {
    if (this.steps.failed !== undefined) throw this.steps.failed;
    if (this.steps.holdWatermark(watermark)) return;
    // Most moves are due nowhere (no window closes at them): then the number moves, nothing runs.
    if (!this.ctx.advanceWatermarkQuietly(watermark)) this.applyWatermark(watermark);
  }

  private applyWatermark(watermark: number): void {
    nextWithTaskContext(this.ctx, this.watermarks, watermark);
    if (this.pipelineError !== undefined) this.recover(false);
  }

  /** Values asynchronous steps hold in flight (their results have not gone on yet). */
  get pendingWork(): number {
    return this.steps.pending;
  }

  /**
   * Resolves once at most `limit` values are in flight in asynchronous steps (0: none, and
   * no watermark held). Whoever checkpoints the task awaits `settle()` first: then every
   * record pushed so far has all its outputs and state changes (AsyncSteps, point 1).
   * Rejects with an error the task could not recover from while a step's result went on.
   */
  settle(limit = 0): Promise<void> {
    return this.steps.settle(limit);
  }

  /** Processing time passed: a pipeline that failed in a timer of its own is subscribed again. */
  tick(): void {
    if (this.pipelineError !== undefined) this.recover(false);
  }

  get watermark(): number {
    return this.ctx.watermark;
  }

  /** The state entries changed since the last checkpoint (`value` null: deleted). */
  drainState(): StateEntry[] {
    const entries: StateEntry[] = [];
    for (const [store, s] of this.ctx.storeEntries()) {
      for (const [id, value] of s.drainChanges()) entries.push({ store, id, value });
    }
    return entries;
  }

  /** Puts state back from the changelog (before any record), then resubscribes so operators index it. */
  restore(entries: Iterable<StateEntry>): void {
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
  }

  stop(): void {
    this.steps.stop();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.ctx.resetPipeline();
  }
}
