/**
 * What the metrics know about the stream modules, read from the runners' own status at
 * scrape time (no counters threaded through the runner): totals made monotonic, and the
 * gauges per partition.
 */
import { MonotonicTotals, type Totals } from './monotonic-totals.js';
import type { MeteredModule, ModuleStatusSource } from './sources.js';

export const MODULE_TOTALS = ['records', 'outputs', 'late', 'deadLettered', 'future', 'watermarkResets', 'checkpoints'] as const;
export type ModuleTotals = Totals<(typeof MODULE_TOTALS)[number]>;

export interface ModuleSnapshot {
  module: string;
  state: ModuleStatusSource['state'];
  /** Assigned partitions. */
  partitions: number[];
  totals: ModuleTotals;
  /** Per assigned partition: input records not yet processed. */
  lag: Record<number, number>;
  /** Per assigned partition with a watermark: now minus the watermark, in seconds. */
  watermarkDelay: Record<number, number>;
  /**
   * Per assigned partition with a watermark: the watermark minus now, in seconds, 0 when
   * behind. More than the module's maxFutureSkew: it was moved by records from the future.
   */
  watermarkAhead: Record<number, number>;
  /** The last checkpointed watermark left out at restore for being too far ahead, if any. */
  lastWatermarkReset: ModuleStatusSource['lastWatermarkReset'];
}

export class ModuleSnapshots {
  private readonly totals = new MonotonicTotals(MODULE_TOTALS);

  constructor(
    private readonly runners: () => Iterable<MeteredModule>,
    private readonly now: () => number,
  ) {}

  read(): ModuleSnapshot[] {
    const now = this.now();
    const snapshots: ModuleSnapshot[] = [];
    for (const runner of this.runners()) {
      const status = runner.status();
      const watermarkDelay: Record<number, number> = {};
      const watermarkAhead: Record<number, number> = {};
      for (const [partition, watermark] of Object.entries(status.watermarks)) {
        // A task that has seen no record yet has no watermark (−∞): no delay to report.
        if (!(Number.isFinite(watermark) && watermark > 0)) continue;
        watermarkDelay[Number(partition)] = Math.max(0, (now - watermark) / 1000);
        watermarkAhead[Number(partition)] = Math.max(0, (watermark - now) / 1000);
      }
      snapshots.push({
        module: status.module,
        state: status.state,
        partitions: status.partitions,
        totals: this.totals.update(status.module, runner, totalsOf(status)),
        lag: status.lag,
        watermarkDelay,
        watermarkAhead,
        lastWatermarkReset: status.lastWatermarkReset,
      });
    }
    return snapshots;
  }

  /** A runner replaced (hot reload) or removed: what it counted stays in its module's totals. */
  retire(runner: MeteredModule): void {
    const status = runner.status();
    this.totals.retire(status.module, runner, totalsOf(status));
  }
}

function totalsOf(status: ModuleStatusSource): ModuleTotals {
  return { ...status, future: status.future ?? 0, watermarkResets: status.watermarkResets ?? 0 };
}
