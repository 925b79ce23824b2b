/**
 * The asynchronous steps of one stream task (`mapAsync`, ONNX scoring): what is in flight,
 * and what waits for it.
 *
 * A pipeline is synchronous: when the host has pushed a record, everything that record
 * causes (outputs, state, forwarded records) has happened. An asynchronous step breaks
 * that: its result arrives later, from a promise. Three things keep the task correct:
 *
 * 1. **Checkpoints wait.** Every job is counted from the moment the step receives its
 *    value until its result has gone on down the pipeline (`begin`/`complete`). The host,
 *    the test driver and replay wait for the count to reach zero (`settle`) before they
 *    checkpoint, so input offsets are never committed ahead of the outputs and state of
 *    their records.
 * 2. **The watermark waits.** A watermark the host moves while jobs are in flight would
 *    close windows downstream before those jobs' records reach them (they would be late).
 *    Each record pushed gets a number; a job carries the number of the record it serves (a
 *    job started by another job's result carries the same one, and a job started while the
 *    watermark moves carries the last record's). A watermark that arrives after record n is
 *    held until no job of a record up to n is in flight, then applied (`holdWatermark`).
 * 3. **Results come back in the record's context.** A job captures the task context of its
 *    record (source record, event time, emit time) and restores it while its result goes
 *    on (`complete` runs it through the task's `resume`), so output timestamps, dead
 *    letters and keyBy forwarding are as if the step had been synchronous.
 */
import type { LogRecord } from '../log/types.js';

/** The task context of the record (or watermark) a job serves, captured when it began. */
export interface StepScope {
  source: LogRecord | undefined;
  sourceValue: unknown;
  eventTime: number;
  emitTime: number;
  /** The number of the record it serves (see the file comment, point 2). */
  seq: number;
}

/** A job of an asynchronous step: one value in flight. */
export interface StepJob {
  readonly scope: StepScope;
  /** Set once it completed or was abandoned: a second end does nothing. */
  ended: boolean;
}

/** What the task gives its steps. */
export interface StepHooks {
  /** The context fields of the record being processed now. */
  capture(): Omit<StepScope, 'seq'>;
  /** Runs `fn` with `scope` as the task context, handling pipeline errors as during a record. */
  resume(scope: StepScope, fn: () => void): void;
  /** Applies a watermark that was held. */
  applyWatermark(watermark: number): void;
  /** Sends a record that cannot finish to the dead-letter topic. */
  deadLetter(scope: StepScope, message: string): void;
}

interface Waiter {
  limit: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AsyncSteps {
  /** The number of the record being (or last) processed. */
  private seq = 0;
  /** While a job's result goes on: the record number jobs begun now carry. */
  private resuming: number | undefined;
  /** Jobs in flight per record number. */
  private readonly inFlight = new Map<number, number>();
  private count = 0;
  /** Watermarks held, in order, each with the last record number it must wait for. */
  private held: { after: number; watermark: number }[] = [];
  private waiters: Waiter[] = [];
  /** A failure the task could not recover from inside a job's completion: settle rejects with it. */
  private failure: unknown = undefined;
  /** Set when the task stops: late results are dropped, nothing more is applied. */
  private stopped = false;

  constructor(private readonly hooks: StepHooks) {}

  /** Jobs in flight (begun, not yet completed or abandoned). */
  get pending(): number {
    return this.count;
  }

  /** The host pushes a new record. */
  nextRecord(): void {
    this.seq++;
  }

  /** A step received a value: one more job in flight, serving the current record (or the job whose result is going on). */
  begin(): StepJob {
    const seq = this.resuming ?? this.seq;
    this.inFlight.set(seq, (this.inFlight.get(seq) ?? 0) + 1);
    this.count++;
    return { scope: { ...this.hooks.capture(), seq }, ended: false };
  }

  /** The job's result is ready: `emit` runs in its record's context, then the job ends. */
  complete(job: StepJob, emit: () => void): void {
    if (job.ended) return;
    if (!this.stopped) {
      const outer = this.resuming;
      this.resuming = job.scope.seq;
      try {
        this.hooks.resume(job.scope, emit);
      } catch (error) {
        this.fail(error);
      } finally {
        this.resuming = outer;
      }
    }
    this.end(job);
  }

  /**
   * The step is torn down with the job in flight (the pipeline is rebuilt after another
   * record's error): its record cannot finish, so it goes to the dead-letter topic rather
   * than vanish behind a committed offset.
   */
  abandon(job: StepJob, message: string): void {
    if (job.ended) return;
    if (!this.stopped) this.hooks.deadLetter(job.scope, message);
    this.end(job);
  }

  private end(job: StepJob): void {
    job.ended = true;
    const seq = job.scope.seq;
    const left = this.inFlight.get(seq)! - 1;
    if (left === 0) this.inFlight.delete(seq);
    else this.inFlight.set(seq, left);
    this.count--;
    if (!this.stopped) this.release();
    this.wake();
  }

  /** The host moves the watermark: true if it must wait for jobs in flight (it is applied when they end). */
  holdWatermark(watermark: number): boolean {
    if (this.count === 0 && this.held.length === 0) return false;
    const last = this.held[this.held.length - 1];
    // Held watermarks only grow: one that waits for the same record replaces the last.
    if (last !== undefined && last.after === this.seq) last.watermark = Math.max(last.watermark, watermark);
    else this.held.push({ after: this.seq, watermark });
    this.release();
    return true;
  }

  /** Applies the held watermarks no job in flight comes before. */
  private release(): void {
    while (this.held.length > 0) {
      const oldest = this.oldestInFlight();
      const next = this.held[0]!;
      if (oldest !== undefined && oldest <= next.after) return;
      this.held.shift();
      const outer = this.resuming;
      this.resuming = next.after;
      try {
        this.hooks.applyWatermark(next.watermark);
      } catch (error) {
        this.fail(error);
        return;
      } finally {
        this.resuming = outer;
      }
    }
  }

  private oldestInFlight(): number | undefined {
    let oldest: number | undefined;
    for (const seq of this.inFlight.keys()) if (oldest === undefined || seq < oldest) oldest = seq;
    return oldest;
  }

  /**
   * Resolves once at most `limit` jobs are in flight (0: none, and no watermark held);
   * rejects with a failure the task could not recover from while a job completed.
   */
  settle(limit = 0): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.idleAt(limit)) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ limit, resolve, reject }));
  }

  private idleAt(limit: number): boolean {
    return this.count <= limit && (limit > 0 || this.held.length === 0);
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.failure !== undefined) w.reject(this.failure);
      else if (this.idleAt(w.limit)) w.resolve();
      else this.waiters.push(w);
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.wake();
  }

  /** A failure from a job's completion, for the task to throw at its next record. */
  get failed(): unknown {
    return this.failure;
  }

  /** The task stops: results still to come are dropped; whoever waits is let go. */
  stop(): void {
    this.stopped = true;
    this.held = [];
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.resolve();
  }
}
