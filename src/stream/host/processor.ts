/**
 * What a processor gives the host, and what the host gives its tasks. A processor is
 * anything that consumes topics: a stream module, the alert evaluator, a sink, a topic
 * view of the serving layer. The host (processor-host.ts) owns everything they share:
 * membership and fetching (a feed), decoding with one dead-letter format, event time and
 * watermarks, output buffering, checkpoints under the log's size limits, and commits.
 * A processor owns only what is its own: what a record does to its state and outputs.
 */
import type { LogRecord, ProduceRecord, TopicPartition } from '../../log/types.js';
import type { StateEntry } from './changelog.js';
import type { DeadLetter } from './dead-letters.js';

/** One instance of a processor's logic, over the topic-partitions the host gives it. */
export interface HostedTask {
  /**
   * A decoded record, with its event time (NaN when the processor keeps no time). Outputs
   * and dead letters go through the TaskIo the task was created with.
   */
  process(value: unknown, record: LogRecord, eventTime: number): void;
  /** A tombstone (a null value) of an input: nothing to decode. Default: skipped. */
  tombstone?(record: LogRecord): void;
  /** A clock of the task moved forward (event-time.ts): close windows, fire deadlines. */
  advanceWatermark?(clock: string, watermark: number): void;
  /** Processing time passed (idle timeouts and timers ran before). */
  tick?(): void;
  /**
   * Resolves once at most `limit` (default 0) values are in flight in the task's
   * asynchronous steps (a module's mapAsync or model scoring): their outputs and state
   * changes come after `process` returned. The host awaits `settle()` before every
   * checkpoint, and `settle(n)` after a batch to bound what is in flight. Without it: all
   * of a record's work is done when `process` returns.
   */
  settle?(limit?: number): Promise<void>;
  /** After each batch, before the next: work that must not wait for the checkpoint (alert notifications). */
  afterBatch?(): Promise<void>;
  /** State changes since the last checkpoint (processors with a changelog). */
  drainState?(): StateEntry[];
  /**
   * Whether the state changed with no record read (a watermark moved by idleness fired an
   * alert deadline): such a change is checkpointed too. Without it, only records make a task dirty.
   */
  stateChanged?(): boolean;
  /** The last outputs of a checkpoint, after everything the task processed for it (a module's watermark markers). */
  beforeCheckpoint?(): void;
  /** What the checkpoint marker carries for this processor beside positions and watermarks. */
  checkpointMeta?(): unknown;
  /**
   * Writes outside the log that must be durable before the input positions are committed
   * (a sink's rows). Answers the positions up to which everything is durable, per lane,
   * when it could not write it all (an outage): the host commits those and reads again
   * from there. Undefined: all of it is durable.
   */
  flush?(): Promise<Map<string, number> | undefined>;
  /** What `flush` would write (a sink's pending rows): the host checkpoints early when it piles up. */
  backlog?(): number;
  /** The task is given up (its partitions moved, or the processor stops). */
  stop(): void;
}

/** What a task sends through its host. */
export interface TaskIo {
  /** An encoded record for one of the processor's output topics. */
  output(topic: string, record: ProduceRecord): void;
  deadLetter(letter: DeadLetter): void;
  warn(message: string): void;
  /** The watermark of one of the task's clocks (event-time.ts); -Infinity before any. */
  watermark(clock: string): number;
  /** Whether the task has read all its lanes hold (as far as the host knows): an idle input is one with nothing left to read. */
  caughtUp(): boolean;
  /**
   * Headers that name this task and the epoch of the checkpoint its outputs will belong to:
   * outputs carry them, so outputs re-derived after a crash are recognised (output-dedupe.ts).
   */
  originHeaders(): Record<string, string>;
}

/** What a restored task starts from. */
export interface TaskRestore {
  entries: StateEntry[];
  /** The marker's `meta` (checkpointMeta of the task that wrote it). */
  meta: unknown;
}

/** How the host creates a task: its id (a partition number, or 0 for a task of everything) and its lanes. */
export interface TaskFactory<T extends HostedTask> {
  (id: number, lanes: readonly TopicPartition[], io: TaskIo, restored: TaskRestore | undefined): T;
}

/** The key of a lane (one topic-partition) in maps the host hands out. */
export const laneKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
