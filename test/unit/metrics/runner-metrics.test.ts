/**
 * A stream module run over the embedded log, scraped through `GET /metrics` as Prometheus
 * would: the per-module series count what was processed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, tumbling } from 'fastdata';
import { map } from 'rxjs';
import type { FastifyInstance } from 'fastify';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { startServer } from '../../../src/serve/server.js';
import { StreamRunner } from '../../../src/stream/runner.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { parseExposition, sumOf, valueOf } from './exposition.js';

interface Reading {
  sensorId: string;
  ts: number;
}
const readingSchema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: 'long' },
  ],
};
const countSchema = {
  type: 'record',
  name: 'Count',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'n', type: 'long' },
  ],
};

const counts = defineStream<{ readings: Reading }, { sensorId: string; n: number }>({
  name: 'counts',
  inputs: { readings: 'readings' },
  output: { topic: 'counts', schema: countSchema, key: (c) => c.sensorId },
  eventTime: (r) => r.ts,
  watermark: { idleTimeout: '200ms' },
  commitInterval: 20,
  pipeline: ({ readings }) =>
    readings.pipe(
      keyBy((r) => r.sensorId, { partitioned: 'input' }),
      tumbling('10s', { grace: 0, emit: 'final' }),
      aggregate({ n: count() }),
      map((w) => ({ sensorId: w.key, n: w.n })),
    ),
});

describe('metrics of a stream module', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let serde: AvroSerde;
  let runner: StreamRunner;
  let metrics: MetricsRegistry;
  let server: { app: FastifyInstance; url: string };

  beforeEach(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(`${dir.path}/log`, { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(`${dir.path}/registry`);
    serde = new AvroSerde(registry);
    await log.createTopic({ name: 'readings', partitions: 3 });
    const runners: StreamRunner[] = [];
    metrics = new MetricsRegistry({ runners: () => runners });
    runner = new StreamRunner(counts, { log, serde, root: dir.path, defaultPartitions: 2, onTiming: metrics.observeTiming });
    runners.push(runner);
    server = await startServer({ status: async () => ({}), host: '127.0.0.1', port: 0, metrics });
  });
  afterEach(async () => {
    await runner.stop();
    await server.app.close();
    await log.close();
    await registry.close();
    await dir.remove();
  });

  async function produce(readings: Reading[]) {
    const encoder = await serde.encoderFor('readings-value', readingSchema);
    await log.produce('readings', readings.map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts })));
  }
  /** 4 sensors, one reading a second for 30 s: three 10 s windows each. */
  const readings = Array.from({ length: 30 }, (_, sec) => Array.from({ length: 4 }, (_, s) => ({ sensorId: `s${s}`, ts: sec * 1000 }))).flat();

  /** Waits for the 12 windows; a runner that failed says why. */
  const allWindowsOut = () =>
    eventually(() => runner.status().outputs === 12).catch((error) => {
      throw new Error(`runner: ${JSON.stringify(runner.status())}`, { cause: error });
    });

  async function scrape() {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  }

  it('counts inputs, outputs, late and dead-lettered records, and checkpoints, per module', async () => {
    await produce(readings);
    await runner.start();
    await allWindowsOut();
    // Two readings of a window long closed (the watermark is past 29 s): late, dead-lettered.
    await produce([{ sensorId: 's0', ts: 1000 }, { sensorId: 's1', ts: 2000 }]);
    await eventually(() => runner.status().late === 2 && runner.status().checkpoints > 0);

    const { samples, types } = await scrape();
    const module = { module: 'counts' };
    expect(valueOf(samples, 'fastdata_module_input_records_total', module)).toBe(122);
    expect(valueOf(samples, 'fastdata_module_output_records_total', module)).toBe(12);
    expect(valueOf(samples, 'fastdata_module_late_records_total', module)).toBe(2);
    expect(valueOf(samples, 'fastdata_module_dead_lettered_records_total', module)).toBe(2);
    expect(valueOf(samples, 'fastdata_module_checkpoints_total', module)).toBe(runner.status().checkpoints);
    expect(valueOf(samples, 'fastdata_module_state', { module: 'counts', state: 'running' })).toBe(1);
    expect(valueOf(samples, 'fastdata_module_assigned_partitions', module)).toBe(3);
    // Everything read: no lag on any of the three partitions.
    expect(samples.filter((s) => s.name === 'fastdata_module_consumer_lag_records').map((s) => s.labels.partition).sort()).toEqual(['0', '1', '2']);
    expect(sumOf(samples, 'fastdata_module_consumer_lag_records', module)).toBe(0);
    // Event time is 1970: the watermark is decades behind the wall clock.
    expect(valueOf(samples, 'fastdata_module_watermark_delay_seconds', { module: 'counts', partition: '0' })).toBeGreaterThan(1e9);
    // Each batch and each checkpoint observed once.
    expect(valueOf(samples, 'fastdata_module_batch_duration_seconds_count', module)).toBeGreaterThan(0);
    expect(valueOf(samples, 'fastdata_module_commit_latency_seconds_count', module)).toBeGreaterThan(0);
    expect(types).toMatchObject({
      fastdata_module_input_records_total: 'counter',
      fastdata_module_consumer_lag_records: 'gauge',
      fastdata_module_batch_duration_seconds: 'histogram',
      fastdata_module_commit_latency_seconds: 'histogram',
      process_cpu_user_seconds_total: 'counter',
    });
  });

  it('keeps the counters once the runner stopped and gave its partitions up', async () => {
    await produce(readings);
    await runner.start();
    await allWindowsOut();
    expect(valueOf((await scrape()).samples, 'fastdata_module_input_records_total', { module: 'counts' })).toBe(120);
    await runner.stop();
    expect(runner.status()).toMatchObject({ partitions: [], records: 120 }); // its tasks are gone, not what they counted…
    const { samples } = await scrape();
    expect(valueOf(samples, 'fastdata_module_input_records_total', { module: 'counts' })).toBe(120); // …the counter is not
    expect(valueOf(samples, 'fastdata_module_state', { module: 'counts', state: 'stopped' })).toBe(1);
    expect(samples.some((s) => s.name === 'fastdata_module_consumer_lag_records')).toBe(false);
  });

  it('answers the index page’s per-module figures as JSON', async () => {
    await produce(readings);
    await runner.start();
    await allWindowsOut();
    const { modules } = (await (await fetch(`${server.url}/api/metrics/modules`)).json()) as { modules: Record<string, unknown>[] };
    expect(modules).toHaveLength(1);
    expect(modules[0]).toMatchObject({ module: 'counts', state: 'running', records: 120, outputs: 12, late: 0, deadLettered: 0, lag: 0 });
    // The first sample: no rate yet.
    expect(modules[0]!.inputRate).toBeNull();
    expect(modules[0]!.watermarkDelaySeconds).toBeGreaterThan(1e9);
  });
});
