/**
 * The sinks of a worker (Cassandra), from their status() at scrape time: rows written,
 * dead letters, retries, lag per partition, and the state (paused during an outage). A
 * sink's counts start at zero when it starts; they only grow while it runs.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SinkStatusSource } from './sources.js';

type Sinks = () => readonly SinkStatusSource[];

const STATES: readonly SinkStatusSource['state'][] = ['starting', 'running', 'paused', 'stopped', 'failed'];

export function registerSinkMetrics(registry: Registry, sinks: Sinks): void {
  const registers = [registry];
  const labels = (s: SinkStatusSource) => ({ sink: s.sink, table: s.table, topic: s.topic });
  const counter = (name: string, help: string, value: (s: SinkStatusSource) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['sink', 'table', 'topic'],
      registers,
      collect() {
        this.reset();
        for (const s of sinks()) this.inc(labels(s), value(s));
      },
    });
  counter('fastdata_sink_written_records_total', 'Records the sink wrote (acknowledged by the database) since it started.', (s) => s.written);
  counter('fastdata_sink_dead_lettered_records_total', 'Records the sink could never write, sent to the dead-letter topic.', (s) => s.deadLettered);
  counter('fastdata_sink_retries_total', 'Writes retried after a transient error.', (s) => s.retries);
  new Gauge({
    name: 'fastdata_sink_lag_records',
    help: 'Records of the output topic the sink has not written yet, per partition.',
    labelNames: ['sink', 'table', 'topic', 'partition'],
    registers,
    collect() {
      this.reset();
      for (const s of sinks()) for (const [partition, lag] of Object.entries(s.lag)) this.set({ ...labels(s), partition }, lag);
    },
  });
  new Gauge({
    name: 'fastdata_sink_state',
    help: 'The state of the sink: 1 for the state it is in (paused: waiting for the database).',
    labelNames: ['sink', 'table', 'topic', 'state'],
    registers,
    collect() {
      this.reset();
      for (const s of sinks()) for (const state of STATES) this.set({ ...labels(s), state }, s.state === state ? 1 : 0);
    },
  });
}
