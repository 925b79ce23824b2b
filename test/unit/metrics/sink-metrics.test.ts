/**
 * The sink series of /metrics: what the sinks' status() says at scrape time, labelled by
 * sink, table and topic, lag per partition, and one state set to 1.
 */
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import type { SinkStatus } from '../../../src/sinks/cassandra/sink.js';
import { parseExposition, valueOf } from './exposition.js';

const status = (over: Partial<SinkStatus>): SinkStatus => ({
  sink: 'sensor-stats/cassandra',
  topic: 'sensor.stats',
  table: 'sensor_stats',
  groupId: 'fastdata.sensor-stats.sink.cassandra.sensor_stats',
  state: 'running',
  written: 0,
  deadLettered: 0,
  retries: 0,
  lag: {},
  ...over,
});

describe('sink metrics', () => {
  it('exposes written, dead-lettered, retries, lag per partition and the state of each sink', async () => {
    let now = status({ written: 120, deadLettered: 2, retries: 5, lag: { 0: 3, 1: 0 }, state: 'paused' });
    const metrics = new MetricsRegistry({ runners: () => [], sinks: () => [now], processMetrics: false });
    const labels = { sink: now.sink, table: 'sensor_stats', topic: 'sensor.stats' };

    let { samples, types } = parseExposition(await metrics.text());
    expect(types.fastdata_sink_written_records_total).toBe('counter');
    expect(valueOf(samples, 'fastdata_sink_written_records_total', labels)).toBe(120);
    expect(valueOf(samples, 'fastdata_sink_dead_lettered_records_total', labels)).toBe(2);
    expect(valueOf(samples, 'fastdata_sink_retries_total', labels)).toBe(5);
    expect(valueOf(samples, 'fastdata_sink_lag_records', { ...labels, partition: '0' })).toBe(3);
    expect(valueOf(samples, 'fastdata_sink_lag_records', { ...labels, partition: '1' })).toBe(0);
    expect(valueOf(samples, 'fastdata_sink_state', { ...labels, state: 'paused' })).toBe(1);
    expect(valueOf(samples, 'fastdata_sink_state', { ...labels, state: 'running' })).toBe(0);

    // Caught up: the next scrape says so.
    now = status({ written: 125, deadLettered: 2, retries: 5, lag: { 0: 0, 1: 0 }, state: 'running' });
    ({ samples } = parseExposition(await metrics.text()));
    expect(valueOf(samples, 'fastdata_sink_written_records_total', labels)).toBe(125);
    expect(valueOf(samples, 'fastdata_sink_lag_records', { ...labels, partition: '0' })).toBe(0);
    expect(valueOf(samples, 'fastdata_sink_state', { ...labels, state: 'running' })).toBe(1);
  });
});
