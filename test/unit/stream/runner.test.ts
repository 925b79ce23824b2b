import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, max, tumbling } from 'fastdata';
import { map } from 'rxjs';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { StreamRunner } from '../../../src/stream/runner.js';
import type { RunnerEvent } from '../../../src/stream/runner-events.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface Reading {
  sensorId: string;
  ts: number;
  temperature: number;
}

const readingSchema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'temperature', type: 'double' },
  ],
};
const statsSchema = {
  type: 'record',
  name: 'Stats',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'n', type: 'long' },
    { name: 'max', type: 'double' },
  ],
};

const stats = defineStream<{ readings: Reading }, { sensorId: string; windowStart: number; n: number; max: number }>({
  name: 'stats',
  inputs: { readings: 'readings' },
  output: { topic: 'stats', schema: statsSchema, key: (s) => s.sensorId },
  eventTime: (r) => r.ts,
  watermark: { idleTimeout: '200ms' },
  commitInterval: 20,
  pipeline: ({ readings }) =>
    readings.pipe(
      keyBy((r) => r.sensorId, { partitioned: 'input' }),
      tumbling('10s', { grace: '1s', emit: 'final' }),
      aggregate({ n: count(), max: max((r) => r.temperature) }),
      map((w) => ({ sensorId: w.key, windowStart: w.windowStart, n: w.n, max: w.max })),
    ),
});

describe('StreamRunner on the embedded log', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let serde: AvroSerde;
  const events: RunnerEvent[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(`${dir.path}/log`, { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(`${dir.path}/registry`);
    serde = new AvroSerde(registry);
    events.length = 0;
    await log.createTopic({ name: 'readings', partitions: 3 });
  });
  afterEach(async () => {
    await log.close();
    await registry.close();
    await dir.remove();
  });

  const runner = () => new StreamRunner(stats, { log, serde, root: dir.path, defaultPartitions: 2, onEvent: (e) => events.push(e) });

  async function produceReadings(readings: Reading[]) {
    const encoder = await serde.encoderFor('readings-value', readingSchema);
    await log.produce(
      'readings',
      readings.map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts })),
    );
  }

  async function outputs() {
    const records = await readAll(log, 'stats');
    return Promise.all(records.map(async (r) => (await serde.decode(r.value!)) as { sensorId: string; windowStart: number; n: number; max: number }));
  }

  const readingsFor = (sensors: number, seconds: number, from = 0) =>
    Array.from({ length: seconds }, (_, sec) => Array.from({ length: sensors }, (_, s) => ({ sensorId: `s${s}`, ts: (from + sec) * 1000, temperature: 20 + s + (sec % 7) }))).flat();

  it('consumes Avro input, aggregates per key and window, and writes Avro output keyed by entity', async () => {
    await produceReadings(readingsFor(5, 30));
    const r = runner();
    await r.start();
    // Three 10s windows per sensor; the last closes by idleness.
    await eventually(async () => (await outputs()).length === 15);
    const out = await outputs();
    for (const w of out) {
      expect(w.n).toBe(10);
      const sensor = Number(w.sensorId.slice(1));
      expect(w.max).toBe(20 + sensor + 6);
    }
    const records = await readAll(log, 'stats');
    expect(new Set(records.map((rec) => rec.key!.toString()))).toEqual(new Set(['s0', 's1', 's2', 's3', 's4']));
    expect(records[0]!.headers['fastdata.task']!.toString()).toMatch(/^stats\/\d$/);
    expect(await registry.listSubjects()).toContain('stats-value');
    await eventually(async () => (await log.committed('fastdata.stats', 'readings')).reduce((n, c) => n + c.offset, 0) === 150);
    await r.stop();
  });

  it('dead-letters undecodable input with the reason in headers and keeps running', async () => {
    await produceReadings(readingsFor(1, 5));
    await log.produce('readings', [{ key: 's0', value: Buffer.from('not avro'), partition: 0 }]);
    await log.produce('readings', [{ key: 's0', value: Buffer.from([0, 0, 0, 0, 99, 1, 2]) }]);
    await produceReadings(readingsFor(1, 10, 5));
    await produceReadings(readingsFor(1, 1, 40)); // moves the watermark past [10s,20s)
    const r = runner();
    await r.start();
    await eventually(async () => (await outputs()).length === 2);
    expect((await outputs()).map((w) => w.n)).toEqual([10, 5]);
    const letters = await readAll(log, 'fastdata.stats.dlq');
    expect(letters.map((l) => l.headers['fastdata.dlq.reason']!.toString())).toEqual(['decode', 'decode']);
    expect(letters[0]!.value!.toString()).toBe('not avro');
    expect(letters[0]!.headers['fastdata.dlq.message']!.toString()).toMatch(/magic byte/i);
    expect(letters[1]!.headers['fastdata.dlq.message']!.toString()).toMatch(/99/);
    expect(letters[0]!.headers['fastdata.source.topic']!.toString()).toBe('readings');
    await r.stop();
  });

  it('resumes after a stop from its state and offsets: every window once, none lost', async () => {
    await produceReadings(readingsFor(3, 25));
    const first = runner();
    await first.start();
    await eventually(async () => (await outputs()).length === 6);
    await first.stop();
    // Stopping checkpointed and committed everything it had read.
    expect((await log.committed('fastdata.stats', 'readings')).reduce((n, c) => n + c.offset, 0)).toBe(75);
    expect(events.filter((e) => e.type === 'failed')).toEqual([]);
    // Windows [20s,30s) are open in the state; the rest of them arrives now.
    await produceReadings(readingsFor(3, 15, 25));
    await produceReadings(readingsFor(3, 1, 50)); // moves the watermark past [30s,40s)
    const second = runner();
    await second.start();
    await eventually(async () => (await outputs()).length === 12);
    const out = await outputs();
    const ids = out.map((w) => `${w.sensorId}@${w.windowStart}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(out.every((w) => w.n === 10)).toBe(true);
    expect(events.some((e) => e.type === 'restored' && e.entries > 0)).toBe(true);
    await second.stop();
  });

  it('does not write outputs twice when a crash falls between the outputs and the changelog', async () => {
    await produceReadings(readingsFor(4, 30));
    // The first runner's log fails its first changelog append, after the outputs of that
    // checkpoint are written: the state of a process that died between the two writes.
    let armed = true;
    const faulty = new Proxy(log, {
      get(target, prop, receiver) {
        if (prop === 'produce') {
          return async (topic: string, records: Parameters<EmbeddedLog['produce']>[1]) => {
            if (armed && topic === 'fastdata.stats.changelog') {
              armed = false;
              throw new Error('simulated crash');
            }
            return target.produce(topic, records);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const first = new StreamRunner(stats, { log: faulty, serde, root: dir.path, defaultPartitions: 2, onEvent: (e) => events.push(e) });
    await first.start();
    await eventually(() => first.status().state === 'failed');
    const written = (await outputs()).length;
    expect(written).toBeGreaterThan(0);
    await first.stop();

    const second = runner();
    await second.start();
    await eventually(async () => (await outputs()).length === 12);
    const ids = (await outputs()).map((w) => `${w.sensorId}@${w.windowStart}`);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(events.some((e) => e.type === 'restored' && e.duplicatesToSkip > 0)).toBe(true);
    await second.stop();
  });

  it('refuses to start with an output schema incompatible with the registered one', async () => {
    await registry.register('stats-value', { type: 'record', name: 'Stats', fields: [{ name: 'other', type: 'string' }] });
    await expect(runner().start()).rejects.toThrow(/stream stats: its output schema cannot replace the one registered for stats/);
  });

  it('waits for an input topic that does not exist yet', async () => {
    const lonely = defineStream<{ later: Reading }, Reading>({
      name: 'lonely',
      inputs: { later: 'later' },
      output: { topic: 'lonely-out', schema: readingSchema, key: (r) => r.sensorId },
      pipeline: ({ later }) => later,
    });
    const r = new StreamRunner(lonely, { log, serde, root: dir.path, defaultPartitions: 1, topicPollMs: 20, onEvent: (e) => events.push(e) });
    const starting = r.start();
    await eventually(() => events.some((e) => e.type === 'waiting' && e.topics.includes('later')));
    await r.stop();
    await starting;
  });
});
