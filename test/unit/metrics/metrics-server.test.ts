/** The /metrics server of `fastdata run --metrics-port`: scrapable, and a clear error when the port is taken. */
import { describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../../src/metrics/metrics-server.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import type { RunnerStatus } from '../../../src/stream/runner.js';
import { parseExposition, valueOf } from './exposition.js';

const status = (records: number): RunnerStatus => ({
  module: 'm',
  state: 'running',
  partitions: [0],
  records,
  outputs: 1,
  late: 0,
  deadLettered: 0,
  checkpoints: 1,
  lastCheckpointAt: undefined,
  lag: { 0: 3 },
  watermarks: { 0: 1_000 },
});

describe('the metrics server of a worker', () => {
  it('serves /metrics on 127.0.0.1', async () => {
    const runner = { status: () => status(7) };
    const metrics = new MetricsRegistry({ runners: () => [runner], clock: { now: () => 11_000, every: () => () => {} } });
    const server = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { samples } = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
      expect(valueOf(samples, 'fastdata_module_input_records_total', { module: 'm' })).toBe(7);
      expect(valueOf(samples, 'fastdata_module_consumer_lag_records', { module: 'm', partition: '0' })).toBe(3);
      expect(valueOf(samples, 'fastdata_module_watermark_delay_seconds', { module: 'm', partition: '0' })).toBe(10);
    } finally {
      await server.close();
    }
  });

  it('names the setting and the fix when the port is taken', async () => {
    const metrics = new MetricsRegistry({ runners: () => [], processMetrics: false });
    const first = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
    try {
      const port = Number(new URL(first.url).port);
      await expect(startMetricsServer(metrics, { host: '127.0.0.1', port })).rejects.toThrow(/--metrics-port \(metrics\.port\)/);
    } finally {
      await first.close();
    }
  });
});
