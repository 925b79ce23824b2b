/**
 * What the embedded log lost to damage (a flipped byte, a segment cut by hand), from its
 * damage report at scrape time: the offsets each partition lost (quarantined, never
 * reused), how often readers and groups passed over a lost range, and torn tails cut on
 * open. Zero on a healthy log; alert on any lost offset.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LogDamageSource } from './sources.js';

export function registerLogMetrics(registry: Registry, damage: () => LogDamageSource | undefined): void {
  const registers = [registry];
  new Gauge({
    name: 'fastdata_log_lost_offsets',
    help: 'Offsets of acknowledged records the embedded log lost to damage (quarantined beside the segments, never handed out again), per partition.',
    labelNames: ['topic', 'partition'],
    registers,
    collect() {
      this.reset();
      const lost = new Map<string, { topic: string; partition: number; n: number }>();
      for (const h of damage()?.holes ?? []) {
        const key = `${h.topic}\u0000${h.partition}`;
        const entry = lost.get(key) ?? { topic: h.topic, partition: h.partition, n: 0 };
        entry.n += h.to - h.from + 1;
        lost.set(key, entry);
      }
      for (const e of lost.values()) this.set({ topic: e.topic, partition: String(e.partition) }, e.n);
    },
  });
  new Counter({
    name: 'fastdata_log_hole_skips_total',
    help: 'Times a reader (group "") or a consumer group passed over a lost offset range, since the process started.',
    labelNames: ['topic', 'partition', 'group'],
    registers,
    collect() {
      this.reset();
      for (const s of damage()?.skips ?? []) this.inc({ topic: s.topic, partition: String(s.partition), group: s.group ?? '' }, s.count);
    },
  });
  new Gauge({
    name: 'fastdata_log_torn_tails',
    help: 'Torn tails (appends never finished) cut when the embedded log opened.',
    registers,
    collect() {
      this.set(damage()?.tornTails ?? 0);
    },
  });
}
