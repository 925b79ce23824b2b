/**
 * Keeps a crash in the middle of a checkpoint from duplicating outputs.
 *
 * A checkpoint writes the outputs first, then the changelog (state, input offsets), then
 * commits. If the process dies between the two, the restarted task resumes from the
 * previous checkpoint and emits those outputs again. Every output record carries its task
 * and the epoch of the checkpoint it belongs to (headers), and every marker records where
 * the output topics ended; on restore the task reads what was written past those ends by
 * its own later epochs and suppresses each identical record the replay produces again.
 * What is left is exactly-once output in the embedded log, as long as the pipeline is
 * deterministic (the same inputs give the same outputs), which windowed aggregates are.
 */
import type { Log, LogRecord } from '../../log/types.js';

export const TASK_HEADER = 'fastdata.task';
export const EPOCH_HEADER = 'fastdata.epoch';

const fingerprint = (topic: string, key: Buffer | null, value: Buffer | null) =>
  `${topic}\u0000${key?.toString('latin1') ?? ''}\u0000${value === null ? '\u0001' : value.toString('latin1')}`;

export class OutputDedupe {
  private readonly pending = new Map<string, number>();

  get size(): number {
    return this.pending.size;
  }

  /**
   * Collects the records of `task` with an epoch after `epoch` written past `ends` (per
   * topic, per partition; from the start where unknown).
   */
  static async load(log: Log, topics: readonly string[], ends: Record<string, number[]> | undefined, task: string, epoch: number): Promise<OutputDedupe> {
    const dedupe = new OutputDedupe();
    for (const topic of topics) {
      if (!(await log.describeTopic(topic))) continue;
      const from = Object.fromEntries((ends?.[topic] ?? []).map((offset, partition) => [partition, offset]));
      const reader = log.reader({ topic, from, stopAtEnd: true });
      try {
        for await (const batch of reader) for (const record of batch.records) dedupe.consider(record, task, epoch);
      } finally {
        await reader.close();
      }
    }
    return dedupe;
  }

  private consider(record: LogRecord, task: string, epoch: number): void {
    if (record.headers[TASK_HEADER]?.toString() !== task) return;
    const recordEpoch = Number(record.headers[EPOCH_HEADER]?.toString());
    if (!(recordEpoch > epoch)) return;
    const id = fingerprint(record.topic, record.key, record.value);
    this.pending.set(id, (this.pending.get(id) ?? 0) + 1);
  }

  /** True if this record was already written before the crash (and is now accounted for). */
  suppress(topic: string, key: Buffer | null, value: Buffer | null): boolean {
    if (this.pending.size === 0) return false;
    const id = fingerprint(topic, key, value);
    const n = this.pending.get(id);
    if (n === undefined) return false;
    if (n === 1) this.pending.delete(id);
    else this.pending.set(id, n - 1);
    return true;
  }
}
