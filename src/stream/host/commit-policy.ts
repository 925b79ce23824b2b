/**
 * When the processor host checkpoints.
 *
 * A checkpoint stops processing while it writes (the outputs, each task's state changes and
 * marker, the input positions: several round trips to the log), so at a fixed interval its
 * cost is paid in throughput, and that cost grows with the state that changed since the
 * last one: with 10,000 windows changing between checkpoints 200 ms apart, a windowed
 * module on Kafka ran at half the rate it reached at 1 s (bench/kafka.ts). Kafka Streams
 * answers with a fixed, longer interval (30 s by default; 100 ms under exactly-once). This
 * policy keeps the short interval while checkpoints are cheap and stretches it when they
 * are not:
 *
 * - a checkpoint is due once `interval` (the module's commitInterval) has passed since the
 *   last one began, and
 * - once the time since the last one ended is at least `(1 - share) / share` times what
 *   that one took: checkpoints then take at most `share` of the time, however much state
 *   changes between them;
 * - never later than `maxInterval` after the last one began, whatever the cost (the bound
 *   on how much a crash makes the module redo, and on exactly-once output latency).
 *
 * Durations are read on the host's clock, so under a test's stopped clock a checkpoint
 * costs nothing and the policy is the plain interval.
 */
export interface CommitPolicyOptions {
  /** Least time between the starts of two checkpoints (the module's commitInterval), ms. */
  interval: number;
  /** Largest share of the time checkpoints may take under load (0 < share <= 1). Default 0.2. */
  share?: number;
  /** Longest time between the starts of two checkpoints while there is work, ms. Default: max(interval, 2 s). */
  maxInterval?: number;
}

export const DEFAULT_CHECKPOINT_SHARE = 0.2;
export const DEFAULT_MAX_COMMIT_INTERVAL = 2_000;

export class CommitPolicy {
  readonly interval: number;
  readonly share: number;
  readonly maxInterval: number;
  private lastStart: number | undefined;
  private lastEnd: number | undefined;
  private lastCost = 0;

  constructor(options: CommitPolicyOptions) {
    this.interval = options.interval;
    this.share = options.share ?? DEFAULT_CHECKPOINT_SHARE;
    if (!(this.share > 0 && this.share <= 1)) throw new RangeError(`commit policy share must be in (0, 1], got ${this.share}`);
    this.maxInterval = Math.max(this.interval, options.maxInterval ?? DEFAULT_MAX_COMMIT_INTERVAL);
  }

  /**
   * Whether a checkpoint is due at `now` (the caller also checks there is work to write).
   * Before the first, the interval counts from the clock's 0: on the system clock that is
   * at once; a test's stopped clock keeps it from checkpointing until it moves.
   */
  due(now: number): boolean {
    const sinceStart = now - (this.lastStart ?? 0);
    if (sinceStart < this.interval) return false;
    if (this.lastEnd === undefined || sinceStart >= this.maxInterval) return true;
    return now - this.lastEnd >= this.lastCost * ((1 - this.share) / this.share);
  }

  /** The gap the policy now asks for between the starts of two checkpoints, ms (what status pages show). */
  get currentInterval(): number {
    return Math.min(this.maxInterval, Math.max(this.interval, this.lastCost + this.lastCost * ((1 - this.share) / this.share)));
  }

  /** A checkpoint ran from `start` to `end` (host clock). */
  checkpointed(start: number, end: number): void {
    this.lastStart = start;
    this.lastEnd = end;
    this.lastCost = Math.max(0, end - start);
  }
}
