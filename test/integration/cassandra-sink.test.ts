/**
 * The Cassandra sink against the real Kafka, schema registry and Cassandra that the global
 * setup starts (scripts/infra). The tests produce a module's output records themselves,
 * so they know what the table must hold, and compare it row by row:
 *   - rows equal the output records (the last record of each key and window);
 *   - a sink killed with SIGKILL mid-stream and started again leaves exactly one row per
 *     key and window, none missing;
 *   - Cassandra stopped while records keep coming, then started again: the sink pauses,
 *     the producer is not held up, and the sink catches up with nothing lost;
 *   - a poison record (undecodable, or a row Cassandra refuses) lands in the dead-letter
 *     topic with the reason, the rest is written;
 *   - a compatible schema change adds a column; a type change is refused;
 *   - the access layer answers a key's latest record and range from the table.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServers, stopServers } from '../../scripts/infra/index.js';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import type { LogRecord } from '../../src/log/types.js';
import { readSchemaSource } from '../../src/schema/schema-file.js';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { valueSubject } from '../../src/schema/types.js';
import { AccessLayer } from '../../src/serve/access/access-layer.js';
import { type CassandraClient, CassandraResultStore, CassandraSink, type CassandraSettings, SINK_DLQ_REASON, createCassandraClient, sinkGroupId } from '../../src/sinks/cassandra/index.js';
import { recordOfRow } from '../../src/sinks/cassandra/rows.js';
import type { StreamModule } from '../../src/stream/define.js';
import type { SensorStats } from '../../streams/types.js';
import { eventually } from '../helpers/eventually.js';
import { cassandraContactPoints, cassandraDataCenter, kafkaBrokers, registryUrl } from '../helpers/servers.js';
import { statsModule } from './cassandra-sink-module.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// Names of this run's own (modules, so topics and groups; the keyspace, so tables), so a run
// against servers that earlier runs used starts clean.
const RUN = Date.now().toString(36);
const KEYSPACE = `fastdata_test_${RUN}`;
const named = (base: string) => `${base}-${RUN}`;
const PARTITIONS = 4;
/** Recent, on a minute: Kafka's retention deletes records by timestamp. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;

/** One window per sensor and minute, figures that differ between windows. */
function stats(sensors: number, fromMinute: number, toMinute: number): SensorStats[] {
  const out: SensorStats[] = [];
  for (let minute = fromMinute; minute < toMinute; minute++) {
    for (let s = 0; s < sensors; s++) {
      const windowStart = BASE + minute * 60_000;
      const t = 20 + ((s * 7 + minute * 3) % 17);
      out.push({ sensorId: `sensor-${String(s).padStart(3, '0')}`, windowStart, windowEnd: windowStart + 60_000, count: 12 + (s % 5), meanTemperature: t + 0.25, minTemperature: t - 1, maxTemperature: t + 1.5, stddevTemperature: 0.5 + (s % 3) / 10, meanHumidity: 40 + (s % 10) });
    }
  }
  return out;
}

const windowKey = (s: { sensorId: string; windowStart: number }) => `${s.sensorId}@${s.windowStart}`;

/** What the table must hold: the last record of each key and window. */
function lastOfEach(records: SensorStats[]): Map<string, SensorStats> {
  const expected = new Map<string, SensorStats>();
  for (const r of records) expected.set(windowKey(r), r);
  return expected;
}

describe.skipIf(!kafkaBrokers || !registryUrl || !cassandraContactPoints)('Cassandra sink on Kafka', () => {
  let log: KafkaLog;
  let registry: RemoteSchemaRegistry;
  let serde: AvroSerde;
  let client: CassandraClient;
  let settings: CassandraSettings;
  const sinks: CassandraSink[] = [];

  beforeAll(async () => {
    log = await KafkaLog.connect({ brokers: kafkaBrokers!, clientId: 'cassandra-sink-test', onWarning: () => {} });
    registry = new RemoteSchemaRegistry({ url: registryUrl! });
    serde = new AvroSerde(registry);
    settings = {
      contactPoints: cassandraContactPoints!,
      localDataCenter: cassandraDataCenter!,
      keyspace: KEYSPACE,
      replication: { class: 'SimpleStrategy', replicationFactor: 1, dataCenters: {} },
      consistency: 'LOCAL_QUORUM',
      concurrency: 64,
    };
    client = createCassandraClient(settings);
  });
  afterAll(async () => {
    await Promise.all(sinks.map((s) => s.stop()));
    await client?.shutdown();
    await log?.close();
  });

  /** The topics the module's runner would create, and an encoder for its output. */
  async function prepare(module: StreamModule) {
    await log.createTopic({ name: module.output.topic, partitions: PARTITIONS });
    await log.createTopic({ name: module.topics.deadLetter, partitions: PARTITIONS });
    const encoder = await serde.encoderFor<SensorStats>(valueSubject(module.output.topic), await readSchemaSource(module.output.schema, repo));
    const produce = (records: SensorStats[]) =>
      log.produce(module.output.topic, records.map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.windowEnd })));
    return { produce };
  }

  function startSink(module: StreamModule, options: { concurrency?: number } = {}) {
    const events: string[] = [];
    const sink = new CassandraSink({
      module,
      log,
      serde,
      client,
      settings: { ...settings, ...(options.concurrency ? { concurrency: options.concurrency } : {}) },
      root: repo,
      // Short backoff: a test waits for Cassandra to come back, not for the cap.
      backoff: { initialMs: 50, maxMs: 1_000 },
      onEvent: (e) => events.push(JSON.stringify(e)),
    });
    sinks.push(sink);
    return { sink, events };
  }

  async function caughtUp(sink: CassandraSink, timeoutMs = 60_000) {
    await eventually(async () => (await sink.lag()) === 0, { timeoutMs, intervalMs: 250 });
  }

  async function rows(sink: CassandraSink): Promise<Map<string, SensorStats>> {
    const shape = sink.table;
    const result = await client.execute(`SELECT * FROM ${shape.keyspace}.${shape.table}`, [], { fetchSize: 100_000 });
    const out = new Map<string, SensorStats>();
    for (const row of result.rows) {
      const value = recordOfRow(shape, row).value as unknown as SensorStats;
      expect(out.has(windowKey(value)), `row ${windowKey(value)} twice`).toBe(false);
      out.set(windowKey(value), value);
    }
    return out;
  }

  it('writes one row per key and window, equal to the last output record of it', { timeout: 120_000 }, async () => {
    const module = statsModule(named('sink-rows'), { table: 'sink_rows' });
    const { produce } = await prepare(module);
    const first = stats(20, 0, 10);
    // At-least-once replays write some windows again, with the same figures: still one row each.
    const records = [...first, ...first.slice(0, 50)];
    await produce(records);
    const { sink } = startSink(module);
    await sink.start();
    await sink.whenRunning();
    await caughtUp(sink);
    const expected = lastOfEach(records);
    const table = await rows(sink);
    expect(table.size).toBe(expected.size);
    for (const [key, value] of expected) expect(table.get(key), key).toEqual(value);

    // A raw look at the columns, as another application reads them.
    const raw = (await client.execute(`SELECT "sensorId", "windowStart", "count", fastdata_partition, fastdata_offset FROM ${KEYSPACE}.sink_rows WHERE "sensorId" = ? LIMIT 1`, ['sensor-000'], { prepare: true })).first();
    expect(raw['windowStart']).toEqual(new Date(BASE));
    expect(raw['count'].toNumber()).toBe(12);
    expect(raw['fastdata_partition']).toBeGreaterThanOrEqual(0);
    expect(sink.status()).toMatchObject({ state: 'running', deadLettered: 0 });
    expect(Object.values(sink.status().lag).every((n) => n === 0)).toBe(true);

    // The access layer reads a key's latest record and its range from the table.
    const store = new CassandraResultStore({ settings, modules: () => [module], root: repo, client });
    const access = new AccessLayer({ log, registry, serde, modules: () => [module], results: store });
    try {
      const latest = await access.latestOf(module.output.topic, 'sensor-003');
      expect(latest?.value).toEqual(expected.get(`sensor-003@${BASE + 9 * 60_000}`));
      const page = await access.range(module.output.topic, { from: BASE, to: BASE + 5 * 60_000 + 1, key: 'sensor-003', limit: 3 });
      // Windows ending at BASE+1m..BASE+5m: five, in log order (by offset) of the record each
      // row holds; minutes 0-2 were written again later (the replays), so they come last.
      expect(page.records.map((r) => (r.value as SensorStats).windowStart)).toEqual([BASE + 180_000, BASE + 240_000, BASE]);
      expect(page.next).toBeDefined();
      const rest = await access.range(module.output.topic, { from: BASE, to: BASE + 5 * 60_000 + 1, key: 'sensor-003', limit: 3, cursor: page.next! });
      expect(rest.records.map((r) => (r.value as SensorStats).windowStart)).toEqual([BASE + 60_000, BASE + 120_000]);
      expect(rest.next).toBeUndefined();
      // The log answers the same range with the same records (it holds the replayed duplicates too, Cassandra one row each).
      const fromLog = new AccessLayer({ log, registry, serde, modules: () => [module] });
      const logPage = await fromLog.range(module.output.topic, { from: BASE, to: BASE + 5 * 60_000 + 1, key: 'sensor-003', limit: 100 });
      expect(new Map(logPage.records.map((r) => [windowKey(r.value as SensorStats), r.value]))).toEqual(new Map([...page.records, ...rest.records].map((r) => [windowKey(r.value as SensorStats), r.value])));
      await fromLog.close();
    } finally {
      await access.close();
      await store.close();
    }
  });

  it('a sink killed with SIGKILL mid-stream and started again leaves exactly one row per key and window', { timeout: 180_000 }, async () => {
    const name = named('sink-killed');
    const module = statsModule(name);
    const { produce } = await prepare(module);
    const records = stats(100, 0, 60); // 6,000 windows
    await produce(records);
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./cassandra-sink-process.ts', import.meta.url))], {
      cwd: repo,
      env: { ...process.env, CASSANDRA_SINK_MODULE: name, CASSANDRA_SINK_TABLE: 'sink_killed', KAFKA_BROKERS: kafkaBrokers!.join(','), REGISTRY_URL: registryUrl!, CASSANDRA_CONTACT_POINTS: cassandraContactPoints!.join(','), CASSANDRA_KEYSPACE: KEYSPACE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise((resolve) => child.once('close', resolve));
    try {
      // Killed once it has written (and committed) part of the stream, not all of it.
      await eventually(async () => (await client.execute(`SELECT count(*) FROM ${KEYSPACE}.sink_killed`)).first()['count'].toNumber() > 500, { timeoutMs: 90_000, intervalMs: 100 }).catch((error: Error) => {
        throw new Error(`${error.message}\n--- sink process ---\n${output}`);
      });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const committed = (await log.committed(sinkGroupId(module), module.output.topic)).reduce((n, c) => n + c.offset, 0);
    expect(committed, 'the kill came before the end of the stream').toBeLessThan(records.length);

    const { sink } = startSink(module);
    await sink.start();
    await sink.whenRunning();
    await caughtUp(sink);
    const expected = lastOfEach(records);
    const table = await rows(sink);
    expect(table.size).toBe(expected.size);
    for (const [key, value] of expected) expect(table.get(key), key).toEqual(value);
  });

  it('Cassandra stopped while records keep coming: the sink pauses, then catches up with nothing lost', { timeout: 300_000 }, async () => {
    const module = statsModule(named('sink-outage'), { table: 'sink_outage' });
    const { produce } = await prepare(module);
    const before = stats(30, 0, 10);
    await produce(before);
    const { sink, events } = startSink(module);
    await sink.start();
    await sink.whenRunning();
    await caughtUp(sink);

    await stopServers({ only: ['cassandra'], log: () => {} });
    try {
      // The producer (the module) is not held up: its writes go to Kafka as before.
      const during = stats(30, 10, 20);
      await produce(during);
      await eventually(() => sink.status().state === 'paused', { timeoutMs: 60_000, intervalMs: 100 });
      expect(await sink.lag()).toBeGreaterThan(0);
    } finally {
      await ensureServers({ only: ['cassandra'], log: () => {} });
    }
    await caughtUp(sink, 120_000);
    await eventually(() => sink.status().state === 'running', { timeoutMs: 30_000, intervalMs: 100 });
    expect(events.some((e) => e.includes('paused, retrying with backoff'))).toBe(true);
    expect(events.some((e) => e.includes('resumed'))).toBe(true);
    const expected = lastOfEach([...before, ...stats(30, 10, 20)]);
    const table = await rows(sink);
    expect(table.size).toBe(expected.size);
    for (const [key, value] of expected) expect(table.get(key), key).toEqual(value);
  });

  it('sends a poison record to the dead-letter topic with the reason, and writes the rest', { timeout: 120_000 }, async () => {
    const module = statsModule(named('sink-poison'), { table: 'sink_poison' });
    const { produce } = await prepare(module);
    const good = stats(5, 0, 4);
    await produce(good.slice(0, 10));
    // Cassandra refuses an empty partition key; and a record that is not Avro at all.
    const [emptyKey] = await produce([{ ...good[0]!, sensorId: '' }]);
    const [garbage] = await log.produce(module.output.topic, [{ key: 'sensor-000', value: Buffer.from('not avro'), timestamp: BASE }]);
    await produce(good.slice(10));
    const { sink } = startSink(module);
    await sink.start();
    await sink.whenRunning();
    await caughtUp(sink);

    const table = await rows(sink);
    expect([...table.keys()].sort()).toEqual([...lastOfEach(good).keys()].sort());
    expect(sink.status().deadLettered).toBe(2);

    const letters: LogRecord[] = [];
    await eventually(async () => {
      letters.length = 0;
      const reader = log.reader({ topic: module.topics.deadLetter, from: 'earliest', stopAtEnd: true });
      for await (const batch of reader) letters.push(...batch.records);
      return letters.length === 2;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const header = (r: LogRecord, name: string) => r.headers[name]?.toString('utf8');
    const byOffset = new Map(letters.map((r) => [`${header(r, 'fastdata.source.partition')}:${header(r, 'fastdata.source.offset')}`, r]));
    const refused = byOffset.get(`${emptyKey!.partition}:${emptyKey!.offset}`)!;
    expect(header(refused, 'fastdata.dlq.reason')).toBe(SINK_DLQ_REASON);
    // The processor host's one dead-letter format: the processor is the sink, `<module>:cassandra`.
    expect(header(refused, 'fastdata.dlq.module')).toBe(`${named('sink-poison')}:cassandra`);
    expect(header(refused, 'fastdata.dlq.sink')).toBe('cassandra');
    expect(header(refused, 'fastdata.dlq.message')).toMatch(/Cassandra refused the row.*Key may not be empty/);
    expect(header(refused, 'fastdata.source.topic')).toBe(module.output.topic);
    const undecodable = byOffset.get(`${garbage!.partition}:${garbage!.offset}`)!;
    expect(header(undecodable, 'fastdata.dlq.reason')).toBe('decode');
    expect(header(undecodable, 'fastdata.dlq.message')).toMatch(/magic byte/);
    expect(undecodable.value?.toString()).toBe('not avro');
  });

  it('adds a column for a field a compatible schema change added, and refuses a type change', { timeout: 120_000 }, async () => {
    const v1 = JSON.parse(await readSchemaSource('schemas/sensor-stats.avsc', repo) as string) as { fields: object[] };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'site', type: ['null', 'string'], default: null }] };
    const first = statsModule(named('sink-evolve'), { schema: v1, table: 'sink_evolve' });
    const { produce } = await prepare(first);
    await produce(stats(3, 0, 2));
    const a = startSink(first);
    await a.sink.start();
    await a.sink.whenRunning();
    await caughtUp(a.sink);
    await a.sink.stop();

    const second = statsModule(named('sink-evolve'), { schema: v2, table: 'sink_evolve' });
    const b = startSink(second);
    await b.sink.start();
    await b.sink.whenRunning();
    expect(b.events.some((e) => e.includes(`ALTER TABLE ${KEYSPACE}.sink_evolve ADD \\"site\\" text`))).toBe(true);
    const columns = await client.execute("SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'sink_evolve'", [KEYSPACE]);
    expect(columns.rows.find((r) => r['column_name'] === 'site')?.['type']).toBe('text');
    await b.sink.stop();

    // count as double: Cassandra cannot change a column's type in place.
    const v3 = { ...v1, fields: v1.fields.map((f) => ((f as { name: string }).name === 'count' ? { name: 'count', type: 'double' } : f)) };
    const c = startSink(statsModule(named('sink-evolve'), { schema: v3, table: 'sink_evolve' }));
    await c.sink.start();
    await expect(c.sink.whenRunning()).rejects.toThrow(`column "count" of ${KEYSPACE}.sink_evolve is bigint, the schema now maps field count (double) to double; Cassandra cannot change a column type`);
    expect(c.sink.status().state).toBe('failed');
  });
});
