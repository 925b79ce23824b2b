/**
 * The watermark of a task: how far event time has progressed, so windows know when to close.
 *
 * Per input (partition p of each input topic): the highest event time seen, minus the
 * allowed lateness. The task's watermark is the lowest over its inputs, so a slow input
 * holds windows open rather than having its records declared late.
 *
 * Idleness: an input that has sent nothing for `idleTimeout` (processing time) stops
 * holding the others back, and its own watermark moves on with the wall clock from where
 * it stood: maxEventTime − lateness + (time idle − idleTimeout). A quiet partition thus
 * still closes its windows, about idleTimeout after they would have closed with traffic,
 * whether its event times are live or replayed history. An input that never sent anything
 * does not hold the others back once it has been idle that long. An input whose sender
 * tells its idleness itself (another task's watermark markers) has no timeout: it holds
 * the others until its sender says it is idle (`markIdle`).
 */
import type { Clock } from '../time/clock.js';

interface InputProgress {
  maxEventTime: number;
  lastActivity: number;
  /** Its sender said it is idle (a watermark marker): it does not hold the others back until it sends again. */
  saidIdle: boolean;
}

export interface WatermarkSnapshot {
  /** Highest event time seen per input alias. */
  maxEventTime: Record<string, number>;
  watermark: number;
}

export class WatermarkTracker {
  private readonly inputs = new Map<string, InputProgress>();
  private readonly lateness: number;
  private readonly idleTimeout: number;
  private readonly clock: Clock;
  private current = Number.NEGATIVE_INFINITY;
  /** The input of a task that has only one (most tasks): `observe` needs no scan of the others. */
  private only: InputProgress | undefined;

  constructor(aliases: readonly string[], lateness: number, idleTimeout: number, clock: Clock) {
    this.lateness = lateness;
    this.idleTimeout = idleTimeout;
    this.clock = clock;
    const now = clock.now();
    for (const alias of aliases) this.inputs.set(alias, { maxEventTime: Number.NEGATIVE_INFINITY, lastActivity: now, saidIdle: false });
    this.only = this.inputs.size === 1 && idleTimeout > 0 ? this.inputs.values().next().value : undefined;
  }

  /** An input that joins later (a topic that appeared after the others): it holds the watermark from now until it is idle. */
  addInput(alias: string): void {
    if (this.inputs.has(alias)) return;
    this.inputs.set(alias, { maxEventTime: Number.NEGATIVE_INFINITY, lastActivity: this.clock.now(), saidIdle: false });
    this.only = this.inputs.size === 1 && this.idleTimeout > 0 ? this.inputs.values().next().value : undefined;
  }

  /**
   * Records an event time seen on an input at processing time `now` (default: the clock's).
   * Returns the task watermark.
   *
   * Called for every record, so it reads the clock at most once (a read costs about as much
   * as the rest of this method), and with a single input it skips the scan: the input that
   * just sent a record is not idle, so its mark is the watermark, as `compute` would find.
   */
  observe(alias: string, eventTime: number, now = this.clock.now()): number {
    const only = this.only;
    if (only !== undefined) {
      if (eventTime > only.maxEventTime) only.maxEventTime = eventTime;
      only.lastActivity = now;
      only.saidIdle = false;
      const mark = only.maxEventTime - this.lateness;
      if (mark > this.current) this.current = mark;
      return this.current;
    }
    const input = this.inputs.get(alias)!;
    if (eventTime > input.maxEventTime) input.maxEventTime = eventTime;
    input.lastActivity = now;
    input.saidIdle = false;
    return this.compute(now);
  }

  /** The sender of an input says it is idle: the input stops holding the others back until its next `observe`. Returns the watermark. */
  markIdle(alias: string): number {
    const input = this.inputs.get(alias);
    if (input) input.saidIdle = true;
    return this.compute(this.clock.now());
  }

  /** Whether no input holds the watermark back any more: each has been idle for the timeout, or said it is. */
  isIdle(now = this.clock.now()): boolean {
    for (const input of this.inputs.values()) if (!input.saidIdle && now - input.lastActivity < this.idleTimeout) return false;
    return true;
  }

  /** Re-evaluates idleness (called on a timer). Returns the task watermark. */
  tick(): number {
    return this.compute(this.clock.now());
  }

  get watermark(): number {
    return this.current;
  }

  private compute(now: number): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const input of this.inputs.values()) {
      if (input.saidIdle) continue;
      const idleFor = now - input.lastActivity;
      const idle = idleFor >= this.idleTimeout;
      let mark: number;
      if (input.maxEventTime === Number.NEGATIVE_INFINITY) {
        if (idle) continue; // never sent anything: do not hold the others back
        mark = Number.NEGATIVE_INFINITY;
      } else {
        mark = input.maxEventTime - this.lateness + (idle ? idleFor - this.idleTimeout : 0);
      }
      if (mark < lowest) lowest = mark;
    }
    if (lowest !== Number.POSITIVE_INFINITY && lowest > this.current) this.current = lowest;
    return this.current;
  }

  snapshot(): WatermarkSnapshot {
    const maxEventTime: Record<string, number> = {};
    for (const [alias, input] of this.inputs) if (input.maxEventTime > Number.NEGATIVE_INFINITY) maxEventTime[alias] = input.maxEventTime;
    return { maxEventTime, watermark: this.current };
  }

  /**
   * Puts checkpointed progress back. What lies beyond `horizon` (event time no record may
   * have today: a record from the future, taken before such records were refused) is not
   * put back: an input's highest event time beyond it is forgotten, as if the input had sent
   * nothing yet, and so is a watermark beyond it. Forgetting only holds windows back; the
   * next records set the progress again. Returns what was left out.
   */
  restore(snapshot: WatermarkSnapshot, horizon = Number.POSITIVE_INFINITY): { inputs: string[]; watermark: number | undefined } {
    const now = this.clock.now();
    const dropped: string[] = [];
    for (const [alias, max] of Object.entries(snapshot.maxEventTime)) {
      const input = this.inputs.get(alias);
      if (!input) continue;
      if (max > horizon) {
        dropped.push(alias);
        continue;
      }
      input.maxEventTime = max;
      input.lastActivity = now;
    }
    const beyond = Number.isFinite(snapshot.watermark) && snapshot.watermark > horizon;
    if (!beyond && Number.isFinite(snapshot.watermark) && snapshot.watermark > this.current) this.current = snapshot.watermark;
    return { inputs: dropped, watermark: beyond ? snapshot.watermark : undefined };
  }

  /** For tests and the test driver: moves the watermark to at least `watermark`. */
  force(watermark: number): number {
    if (watermark > this.current) this.current = watermark;
    return this.current;
  }
}
