import type { DeadLetterReason } from './host/dead-letters.js';

/**
 * What a runner reports, as typed events: the CLI prints them, metrics count them, tests
 * wait for them. Nothing in the runner writes to the console itself.
 */
export type RunnerEvent =
  | { type: 'waiting'; module: string; topics: string[] }
  | { type: 'started'; module: string; inputs: string[]; output: string; partitions: number }
  | { type: 'assigned'; module: string; partitions: number[] }
  /** Partitions left this worker; `checkpointed` false: they had moved already, their uncommitted work was dropped. */
  | { type: 'revoked'; module: string; partitions: number[]; checkpointed: boolean }
  | { type: 'restored'; module: string; partition: number; entries: number; offsets: Record<string, number>; duplicatesToSkip: number }
  | { type: 'checkpoint'; module: string; outputs: number; deadLetters: number; partitions: number; at: number }
  | { type: 'dead-letter'; module: string; reason: DeadLetterReason; message: string; topic: string | undefined; partition: number; offset: number | undefined }
  | { type: 'warning'; module: string; message: string }
  | { type: 'failed'; module: string; error: unknown }
  | { type: 'stopped'; module: string };
