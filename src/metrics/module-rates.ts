/**
 * The per-module figures of the index page, with input and output rates computed here
 * rather than in the browser, so every viewer sees the same figure. A rate is the change
 * of a monotonic total over the samples of the last RATE_WINDOW_MS (taken when the page
 * asks, every second or two); with a single sample there is no rate yet (null).
 */
import type { ModuleStatusSource } from './sources.js';
import type { ModuleSnapshot } from './module-snapshot.js';

const RATE_WINDOW_MS = 10_000;
/** Samples closer than this to the newest are not used for the rate (too noisy). */
const MIN_SPAN_MS = 900;
/** However often the page asks, a module keeps at most this many samples. */
const MAX_SAMPLES = 64;

export interface ModuleSummary {
  module: string;
  state: ModuleStatusSource['state'];
  /** Input / output records per second, or null until two samples a second apart exist. */
  inputRate: number | null;
  outputRate: number | null;
  records: number;
  outputs: number;
  late: number;
  deadLettered: number;
  checkpoints: number;
  /** Unprocessed input records, over the partitions this process owns. */
  lag: number;
  /** The largest watermark delay over those partitions, in seconds, or null without a watermark. */
  watermarkDelaySeconds: number | null;
  /** How far the furthest watermark of those partitions is ahead of now, in seconds (0: none is), or null without a watermark. */
  watermarkAheadSeconds: number | null;
  /** The last checkpointed watermark left out at restore for being too far ahead, if any. */
  lastWatermarkReset: ModuleStatusSource['lastWatermarkReset'] | null;
}

interface Sample {
  at: number;
  records: number;
  outputs: number;
}

export class ModuleRates {
  private readonly samples = new Map<string, Sample[]>();

  /** `at`: a monotonic time in ms (performance.now()). */
  summarize(snapshots: ModuleSnapshot[], at: number): ModuleSummary[] {
    return snapshots.map((s) => {
      const history = this.record(s.module, { at, records: s.totals.records, outputs: s.totals.outputs });
      const oldest = history[0]!;
      const span = at - oldest.at;
      const rate = (now: number, then: number) => (span >= MIN_SPAN_MS ? ((now - then) * 1000) / span : null);
      const delays = Object.values(s.watermarkDelay);
      const ahead = Object.values(s.watermarkAhead);
      return {
        module: s.module,
        state: s.state,
        inputRate: rate(s.totals.records, oldest.records),
        outputRate: rate(s.totals.outputs, oldest.outputs),
        ...s.totals,
        lag: Object.values(s.lag).reduce((a, b) => a + b, 0),
        watermarkDelaySeconds: delays.length > 0 ? Math.max(...delays) : null,
        watermarkAheadSeconds: ahead.length > 0 ? Math.max(...ahead) : null,
        lastWatermarkReset: s.lastWatermarkReset ?? null,
      };
    });
  }

  private record(module: string, sample: Sample): Sample[] {
    const history = (this.samples.get(module) ?? []).filter((old) => sample.at - old.at <= RATE_WINDOW_MS);
    history.push(sample);
    if (history.length > MAX_SAMPLES) history.splice(1, history.length - MAX_SAMPLES);
    this.samples.set(module, history);
    return history;
  }
}
