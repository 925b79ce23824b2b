/**
 * The declared sources of a process (sources/*.yaml), from the sources role at scrape
 * time: records written into their topics and records dead-lettered, by reason. The
 * counts are the process's: they carry over a source's reloads.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SourceStatusSource } from './sources.js';

type Sources = () => readonly SourceStatusSource[];

export function registerSourceMetrics(registry: Registry, sources: Sources): void {
  const registers = [registry];
  new Counter({
    name: 'fastdata_source_records_total',
    help: 'Records a declared source wrote into its topic since the process started.',
    labelNames: ['source', 'kind', 'topic'],
    registers,
    collect() {
      this.reset();
      for (const s of sources()) this.inc({ source: s.source, kind: s.kind, topic: s.topic }, s.written);
    },
  });
  new Counter({
    name: 'fastdata_source_dead_letters_total',
    help: 'Records a declared source could not write (not parsed, not fitting the schema, no key or event time), sent to fastdata.source.<name>.dlq.',
    labelNames: ['source', 'kind', 'topic', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const s of sources()) for (const [reason, n] of Object.entries(s.deadLettersByReason)) this.inc({ source: s.source, kind: s.kind, topic: s.topic, reason }, n ?? 0);
    },
  });
  new Gauge({
    name: 'fastdata_source_up',
    help: 'Whether a declared source is reading (1) or not (0: failed, waiting for its input, done).',
    labelNames: ['source', 'kind', 'topic', 'state'],
    registers,
    collect() {
      this.reset();
      for (const s of sources()) this.set({ source: s.source, kind: s.kind, topic: s.topic, state: s.state }, s.state === 'running' ? 1 : 0);
    },
  });
}
