/**
 * The per-module Prometheus metrics, labelled `module`. Counters and gauges are filled at
 * scrape time from the runners' status (collect callbacks); the two histograms are
 * observed as the runner reports its timings (RunnerOptions.onTiming). docs/metrics.md
 * lists them for users; keep the two in step.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TimingSource } from './sources.js';
import type { ModuleSnapshot, ModuleSnapshots, ModuleTotals } from './module-snapshot.js';

const STATES = ['idle', 'waiting', 'running', 'stopped', 'failed'] as const;

/** One counter per total; `key` is the RunnerStatus field it mirrors. */
const COUNTERS: { name: string; help: string; key: keyof ModuleTotals }[] = [
  { name: 'fastdata_module_input_records_total', help: 'Input records read and decoded by the module (dead-lettered decode failures excluded).', key: 'records' },
  { name: 'fastdata_module_output_records_total', help: 'Output records the module emitted.', key: 'outputs' },
  { name: 'fastdata_module_late_records_total', help: 'Input records that arrived after their window closed (sent to the dead-letter topic).', key: 'late' },
  { name: 'fastdata_module_dead_lettered_records_total', help: 'Records sent to the dead-letter topic, for any reason (late, decode, invalid output, …).', key: 'deadLettered' },
  {
    name: 'fastdata_module_future_records_total',
    help: 'Input records whose event time was further ahead of the processing clock than watermark.maxFutureSkew (dead-lettered as future-event-time; they move no watermark).',
    key: 'future',
  },
  {
    name: 'fastdata_module_watermark_resets_total',
    help: 'Tasks restored without their checkpointed watermark, which was further ahead of the processing clock than watermark.maxFutureSkew (moved by a record from the future).',
    key: 'watermarkResets',
  },
  { name: 'fastdata_module_checkpoints_total', help: 'Checkpoints written (outputs, state and input offsets made durable).', key: 'checkpoints' },
];

export class ModuleMetrics {
  private readonly batchSeconds: Histogram<'module'>;
  private readonly commitSeconds: Histogram<'module'>;

  constructor(registry: Registry, snapshots: ModuleSnapshots) {
    const registers = [registry];
    for (const { name, help, key } of COUNTERS) {
      new Counter({
        name,
        help,
        labelNames: ['module'],
        registers,
        collect() {
          this.reset();
          for (const s of snapshots.read()) this.inc({ module: s.module }, s.totals[key]);
        },
      });
    }
    const perPartition = (name: string, help: string, pick: (s: ModuleSnapshot) => Record<number, number>) =>
      new Gauge({
        name,
        help,
        labelNames: ['module', 'partition'],
        registers,
        collect() {
          // Reset first: a partition that moved to another worker is no longer reported here.
          this.reset();
          for (const s of snapshots.read()) {
            for (const [partition, value] of Object.entries(pick(s))) this.set({ module: s.module, partition }, value);
          }
        },
      });
    perPartition('fastdata_module_consumer_lag_records', 'Records in the input partition not yet processed by the module (high watermark minus next offset).', (s) => s.lag);
    perPartition('fastdata_module_watermark_delay_seconds', 'Processing time now minus the watermark of the partition, in seconds: how far event time lags behind.', (s) => s.watermarkDelay);
    perPartition(
      'fastdata_module_watermark_ahead_seconds',
      'The watermark of the partition minus processing time now, in seconds (0 when behind): above watermark.maxFutureSkew, records from the future moved it and later records are taken for late.',
      (s) => s.watermarkAhead,
    );
    new Gauge({
      name: 'fastdata_module_assigned_partitions',
      help: 'Input partitions this process owns for the module.',
      labelNames: ['module'],
      registers,
      collect() {
        this.reset();
        for (const s of snapshots.read()) this.set({ module: s.module }, s.partitions.length);
      },
    });
    new Gauge({
      name: 'fastdata_module_state',
      help: 'The module runner state: 1 for the current state, 0 for the others.',
      labelNames: ['module', 'state'],
      registers,
      collect() {
        this.reset();
        for (const s of snapshots.read()) for (const state of STATES) this.set({ module: s.module, state }, s.state === state ? 1 : 0);
      },
    });
    this.batchSeconds = new Histogram({
      name: 'fastdata_module_batch_duration_seconds',
      help: 'Time to decode one batch of one input partition, run it through the module and encode its outputs (before the checkpoint makes them durable).',
      labelNames: ['module'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'fastdata_module_commit_latency_seconds',
      help: 'Per checkpoint: time from reading its oldest record to its outputs, state and offsets being durable (worst read-to-commit latency of the records it covers).',
      labelNames: ['module'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
  }

  /** RunnerOptions.onTiming of every runner. */
  observe(timing: TimingSource): void {
    (timing.kind === 'batch' ? this.batchSeconds : this.commitSeconds).observe({ module: timing.module }, timing.seconds);
  }
}
