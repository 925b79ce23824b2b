/**
 * The demo's sensor-stats, site-stats and sensor-health modules on Kafka and the schema
 * registry, in two `fastdata run` worker processes of one consumer group per module.
 * site-stats groups by site, not by the sensor the input is keyed by, so most readings go
 * through its repartition topic; sensor-health joins sensor.stats with the sensor.metadata
 * table the test writes (one sensor has no row: its minutes are dead letters). Mid-stream one worker is killed with SIGKILL; the survivor takes its
 * partitions over, restores their windows from the changelogs, and the closed windows in
 * sensor.stats, site.stats and sensor.health are compared with what the test computes from the
 * input it produced: with at-least-once nothing is missing (a window may come
 * twice, with the same figures); with exactly-once, read with read_committed, nothing is
 * missing and nothing is duplicated.
 *
 * The same kill once more per guarantee with the second Kafka driver (log.driver platformatic,
 * docs/kafka-drivers.md), in a leaner variant to spare CI's minutes: sensor-stats alone and
 * fewer minutes of input, checked against the same ground truth. In this file, not its own,
 * so it never runs beside the kafkajs scenarios on the same topics.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import { AccessLayer } from '../../src/serve/access/access-layer.js';
import type { Log } from '../../src/log/types.js';
import { readSchemaSource } from '../../src/schema/schema-file.js';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { valueSubject } from '../../src/schema/types.js';
import { runCli, startCli } from '../helpers/cli.js';
import { readWithPlainClients } from '../helpers/plain-consumer.js';
import { eventually } from '../helpers/eventually.js';
import { kafkaBrokers, registryUrl } from '../helpers/servers.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { SensorReading as Reading } from '../../streams/types.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const INPUT = 'sensor.readings';
const OUTPUT = 'sensor.stats';
const SITE_OUTPUT = 'site.stats';
const METADATA = 'sensor.metadata';
const HEALTH_OUTPUT = 'sensor.health';
/** The sensor the metadata table has no row for. */
const UNLISTED = 'sensor-05';
const limitOf = (s: number) => 30 + (s % 5);
const MODULE_TOPICS = [
  INPUT,
  OUTPUT,
  'fastdata.sensor-stats.changelog',
  'fastdata.sensor-stats.dlq',
  SITE_OUTPUT,
  'fastdata.site-stats.changelog',
  'fastdata.site-stats.dlq',
  'fastdata.site-stats.by-site.repartition',
  METADATA,
  HEALTH_OUTPUT,
  'fastdata.sensor-health.changelog',
  'fastdata.sensor-health.dlq',
];
const SENSORS = 24;
const MINUTES = 8;
const ALL_MODULES = ['sensor-stats', 'site-stats', 'sensor-health'];

/** Which Kafka client the workers use, which modules they run and how many minutes of input they get. */
interface Variant {
  driver: 'kafkajs' | 'platformatic';
  modules: string[];
  minutes: number;
}
const FULL: Variant = { driver: 'kafkajs', modules: ALL_MODULES, minutes: MINUTES };
const LEAN_PLATFORMATIC: Variant = { driver: 'platformatic', modules: ['sensor-stats'], minutes: 5 };
/**
 * Event time of the first reading: half an hour ago, on a minute. Recent, because Kafka's
 * retention (7 days by default) deletes records by their timestamp, which is event time.
 */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;


/** One reading per sensor every 5 s of event time; temperatures vary so windows differ. */
function readingsOfMinute(minute: number): Reading[] {
  const out: Reading[] = [];
  for (let second = 0; second < 60; second += 5) {
    for (let s = 0; s < SENSORS; s++) {
      const ts = BASE + minute * 60_000 + second * 1000;
      out.push({ sensorId: `sensor-${String(s).padStart(2, '0')}`, site: `site-${s % 3}`, ts, temperature: 20 + ((s * 7 + second + minute * 3) % 17), humidity: 40 + (s % 10), battery: 90 });
    }
  }
  return out;
}

/** What sensor-health must emit: per sensor@minute, the minute's max against the sensor's limit (none for the unlisted sensor). */
function expectedHealth(readings: Reading[]): Map<string, { limit: number; headroom: number }> {
  const max = new Map<string, number>();
  for (const r of readings) {
    if (r.sensorId === UNLISTED) continue;
    const key = `${r.sensorId}@${Math.floor(r.ts / 60_000) * 60_000}`;
    max.set(key, Math.max(max.get(key) ?? Number.NEGATIVE_INFINITY, r.temperature));
  }
  return new Map(
    [...max].map(([key, m]) => {
      const limit = limitOf(Number(key.slice('sensor-'.length, key.indexOf('@'))));
      return [key, { limit, headroom: Math.round((limit - m) * 100) / 100 }];
    }),
  );
}

/** What sensor.health holds: sensor@windowStart -> every record written for it. */
async function healthRecords(log: Log, serde: AvroSerde): Promise<Map<string, { limit: number; headroom: number }[]>> {
  const received = new Map<string, { limit: number; headroom: number }[]>();
  const reader = log.reader({ topic: HEALTH_OUTPUT, from: 'earliest', stopAtEnd: true });
  try {
    for await (const batch of reader) {
      for (const record of batch.records) {
        const h = (await serde.decode(record.value!)) as { sensorId: string; windowStart: number; limit: number; headroom: number };
        const key = `${h.sensorId}@${h.windowStart}`;
        received.set(key, [...(received.get(key) ?? []), { limit: h.limit, headroom: h.headroom }]);
      }
    }
  } finally {
    await reader.close();
  }
  return received;
}

/** The windows a module must emit for `readings`, grouped by `keyOf`: key@minute -> count. */
function expectedWindows(readings: Reading[], keyOf: (r: Reading) => string = (r) => r.sensorId): Map<string, number> {
  const windows = new Map<string, number>();
  for (const r of readings) {
    const key = `${keyOf(r)}@${Math.floor(r.ts / 60_000) * 60_000}`;
    windows.set(key, (windows.get(key) ?? 0) + 1);
  }
  return windows;
}

/** What `topic` holds, read to its end: key@windowStart -> the counts written for it. */
async function windowCounts(log: Log, serde: AvroSerde, topic: string, keyField: string): Promise<Map<string, number[]>> {
  const received = new Map<string, number[]>();
  const reader = log.reader({ topic, from: 'earliest', stopAtEnd: true });
  try {
    for await (const batch of reader) {
      for (const record of batch.records) {
        const stats = (await serde.decode(record.value!)) as Record<string, unknown> & { windowStart: number; count: number };
        const key = `${String(stats[keyField])}@${stats.windowStart}`;
        received.set(key, [...(received.get(key) ?? []), stats.count]);
      }
    }
  } finally {
    await reader.close();
  }
  return received;
}

async function deleteTopics(log: Log): Promise<void> {
  for (const topic of MODULE_TOPICS) if (await log.describeTopic(topic)) await log.deleteTopic(topic);
  await eventually(async () => (await Promise.all(MODULE_TOPICS.map((t) => log.describeTopic(t)))).every((d) => d === undefined), { timeoutMs: 30_000 });
}

describe.skipIf(!kafkaBrokers || !registryUrl)('fastdata run: two workers on Kafka, one killed mid-stream', () => {
  let log: KafkaLog;
  let registry: RemoteSchemaRegistry;
  let serde: AvroSerde;
  let data: { path: string; remove: () => Promise<void> };
  const workers: ReturnType<typeof startCli>[] = [];

  beforeAll(async () => {
    log = await KafkaLog.connect({ brokers: kafkaBrokers!, clientId: 'workers-test', onWarning: () => {} });
    registry = new RemoteSchemaRegistry({ url: registryUrl! });
    serde = new AvroSerde(registry);
    data = await tempDir();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await log?.close();
    await data?.remove();
  });

  const startWorker = (guarantee: string, variant: Variant) => {
    // --no-alerts: this test is about the modules (alerting on Kafka is alerts-kafka.test.ts), and the demo's audit receiver would write into the repo's .fastdata/.
    const worker = startCli(['run', ...variant.modules.flatMap((m) => ['--module', m]), '--no-alerts', '--data-dir', data.path], {
      cwd: repo,
      env: {
        FASTDATA_LOG__KIND: 'kafka',
        FASTDATA_LOG__DRIVER: variant.driver,
        FASTDATA_LOG__BROKERS: kafkaBrokers!.join(','),
        FASTDATA_LOG__CLIENT_ID: 'workers-test',
        FASTDATA_REGISTRY__URL: registryUrl!,
        FASTDATA_PROCESSING__GUARANTEE: guarantee,
      },
    });
    workers.push(worker);
    return worker;
  };

  async function runScenario(guarantee: 'at-least-once' | 'exactly-once', variant: Variant = FULL) {
    const everyModule = variant.modules.length === ALL_MODULES.length;
    const minutes = variant.minutes;
    // Produced before the workers start, then before the kill, then after it.
    const [beforeStart, beforeKill] = [Math.round((minutes * 3) / 8), Math.round((minutes * 5) / 8)];
    await deleteTopics(log);
    await log.createTopic({ name: INPUT, partitions: 4 });
    // The table sensor-health joins with: a row per sensor but one, co-partitioned with the readings.
    await log.createTopic({ name: METADATA, partitions: 4, config: { cleanupPolicy: 'compact' } });
    const metadataEncoder = await serde.encoderFor(valueSubject(METADATA), await readSchemaSource('schemas/sensor-metadata.avsc', repo));
    const rows = Array.from({ length: SENSORS }, (_, s) => `sensor-${String(s).padStart(2, '0')}`)
      .filter((id) => id !== UNLISTED)
      .map((id, i) => ({ sensorId: id, site: `site-${i % 3}`, location: `hall ${i % 4}`, model: 'TH-200', installedAt: BASE, maxTemperature: limitOf(Number(id.slice(7))) }));
    await log.produce(METADATA, rows.map((row) => ({ key: row.sensorId, value: metadataEncoder.encode(row) })));
    const encoder = await serde.encoderFor<Reading>(valueSubject(INPUT), await readSchemaSource('schemas/sensor-reading.avsc', repo));
    const produceMinutes = async (from: number, to: number) => {
      for (let minute = from; minute < to; minute++) {
        await log.produce(INPUT, readingsOfMinute(minute).map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts })));
      }
    };
    const all = Array.from({ length: minutes }, (_, m) => readingsOfMinute(m)).flat();
    const expected = expectedWindows(all);
    const expectedSites = everyModule ? expectedWindows(all, (r) => r.site) : new Map<string, number>();
    const expectedHealthy = everyModule ? expectedHealth(all) : new Map<string, { limit: number; headroom: number }>();

    await produceMinutes(0, beforeStart);
    const a = startWorker(guarantee, variant);
    const b = startWorker(guarantee, variant);
    // Generous: two workers start (tsx-compiled modules, a group join) on 2 cores shared with
    // three JVMs and the other test files; a full run once took over 60 s here.
    await eventually(() => /assigned partitions/.test(a.output.stderr) && /assigned partitions/.test(b.output.stderr), { timeoutMs: 150_000, intervalMs: 200 }).catch((error: Error) => {
      throw new Error(`${error.message}: the workers did not both get partitions\n--- first ---\n${a.output.stderr}\n--- second ---\n${b.output.stderr}`);
    });
    // Windows of every partition are out (and checkpointed) before the kill, so the survivor
    // must restore the killed worker's: sensor.stats is keyed by sensor, as the input, so
    // output partition p is written by the task of input partition p.
    await eventually(async () => (await log.offsets(OUTPUT)).every((o) => o.end > 0), { timeoutMs: 60_000, intervalMs: 250 });
    await produceMinutes(beforeStart, beforeKill);
    a.child.kill('SIGKILL');
    await a.exited;
    await produceMinutes(beforeKill, minutes);

    // The survivor owns every partition once the broker has noticed the death (session timeout).
    await eventually(() => /assigned partitions 0, 1, 2, 3|restored/.test(b.output.stderr), { timeoutMs: 60_000, intervalMs: 250 });
    let received = new Map<string, number[]>();
    let receivedSites = new Map<string, number[]>();
    let receivedHealth = new Map<string, { limit: number; headroom: number }[]>();
    const outputsComplete = eventually(
      async () => {
        received = await windowCounts(log, serde, OUTPUT, 'sensorId');
        if (everyModule) {
          receivedSites = await windowCounts(log, serde, SITE_OUTPUT, 'site');
          receivedHealth = await healthRecords(log, serde);
        }
        return (
          [...expected.keys()].every((key) => received.has(key)) &&
          [...expectedSites.keys()].every((key) => receivedSites.has(key)) &&
          [...expectedHealthy.keys()].every((key) => receivedHealth.has(key))
        );
      },
      // The last minute closes when its partitions go idle (15 s) and the watermark follows the clock.
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    await outputsComplete.catch((error: Error) => {
      const missing = [...expected.keys()].filter((key) => !received.has(key));
      const missingSites = [...expectedSites.keys()].filter((key) => !receivedSites.has(key));
      const missingHealth = [...expectedHealthy.keys()].filter((key) => !receivedHealth.has(key));
      throw new Error(
        `${error.message}: ${missing.length} of ${expected.size} sensor windows missing (e.g. ${missing.slice(0, 5).join(', ')}), ` +
          `${missingSites.length} of ${expectedSites.size} site windows missing (e.g. ${missingSites.slice(0, 5).join(', ')}), ` +
          `${missingHealth.length} of ${expectedHealthy.size} health records missing (e.g. ${missingHealth.slice(0, 5).join(', ')})\n--- killed worker ---\n${a.output.stderr}\n--- survivor ---\n${b.output.stderr}`,
      );
    });
    const code = await b.stop('SIGTERM');
    expect(code).toBe(0);
    // The join: every minute of a listed sensor against its own limit, none of the unlisted one.
    expect([...receivedHealth.keys()].sort()).toEqual([...expectedHealthy.keys()].sort());
    for (const [key, records] of receivedHealth) for (const h of records) expect(h, key).toEqual(expectedHealthy.get(key));
    return { expected, received, expectedSites, receivedSites, receivedHealth, a, b };
  }

  it('at-least-once: every window of the input is in sensor.stats, with the right count', { timeout: 300_000 }, async () => {
    const { expected, received, expectedSites, receivedSites, b } = await runScenario('at-least-once');
    expect([...received.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, counts] of received) for (const count of counts) expect(count, key).toBe(expected.get(key));
    // Per site, through the repartition topic: every window, each time with every reading of its site.
    expect([...receivedSites.keys()].sort()).toEqual([...expectedSites.keys()].sort());
    for (const [key, counts] of receivedSites) for (const count of counts) expect(count, key).toBe(expectedSites.get(key));
    expect(b.output.stderr).toMatch(/restored \d+ state entries/);

    // The access layer over Kafka: the latest window of every sensor, as REST answers it.
    const sensorStats = (await import('../../streams/sensor-stats.js')).default;
    const access = new AccessLayer({ log, registry, serde, modules: () => [sensorStats] });
    try {
      const view = await access.view(OUTPUT);
      const { records, total } = view.latest();
      expect(total).toBe(SENSORS);
      for (const r of records) expect((r.value as { windowStart: number }).windowStart).toBe(BASE + (MINUTES - 1) * 60_000);
    } finally {
      await access.close();
    }

    // The read commands on Kafka, configured by the environment alone.
    const env = { FASTDATA_LOG__KIND: 'kafka', FASTDATA_LOG__BROKERS: kafkaBrokers!.join(','), FASTDATA_REGISTRY__URL: registryUrl! };
    const topics = await runCli(['topics', '--json'], { cwd: repo, env });
    expect(topics.code).toBe(0);
    const listed = topics.stdout.trim().split('\n').map((line) => JSON.parse(line) as { name: string; partitions: number });
    expect(listed).toContainEqual(expect.objectContaining({ name: OUTPUT, partitions: 4 }));
    const tailed = await runCli(['tail', OUTPUT, '--from-beginning', '--limit', '3'], { cwd: repo, env, timeoutMs: 60_000 });
    expect(tailed.code).toBe(0);
    const lines = tailed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { key: string; value: { sensorId: string } });
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.value.sensorId).toBe(line.key);
  });

  it('exactly-once: every window exactly once (read_committed), with the right count', { timeout: 300_000 }, async () => {
    const { expected, received, expectedSites, receivedSites, receivedHealth, b } = await runScenario('exactly-once');
    expect([...receivedHealth].filter(([, records]) => records.length > 1).map(([key]) => key)).toEqual([]);
    expect([...received.keys()].sort()).toEqual([...expected.keys()].sort());
    const duplicated = [...received].filter(([, counts]) => counts.length > 1).map(([key]) => key);
    expect(duplicated).toEqual([]);
    for (const [key, [count]] of received) expect(count, key).toBe(expected.get(key));
    // Per site, through the repartition topic (written in the same transactions): every window once, with every reading.
    expect([...receivedSites.keys()].sort()).toEqual([...expectedSites.keys()].sort());
    expect([...receivedSites].filter(([, counts]) => counts.length > 1).map(([key]) => key)).toEqual([]);
    for (const [key, [count]] of receivedSites) expect(count, key).toBe(expectedSites.get(key));
    expect(b.output.stderr).toMatch(/restored \d+ state entries/);
    // Written in transactions: every commit marker takes an offset that no record has.
    const ends = (await log.offsets(OUTPUT)).reduce((n, o) => n + o.end, 0);
    expect(ends).toBeGreaterThan(received.size);

    // Another team's consumer, with plain kafkajs and the Confluent registry client, reads the same.
    const plain = await readWithPlainClients(kafkaBrokers!, registryUrl!, OUTPUT);
    expect(plain).toHaveLength(received.size);
    for (const { key, value } of plain) {
      expect(key).toBe(value.sensorId);
      expect(value.count, `${key}@${value.windowStart}`).toBe(expected.get(`${value.sensorId}@${value.windowStart}`));
      expect(value.windowEnd).toBe((value.windowStart as number) + 60_000);
    }
  });

  it('second driver (log.driver platformatic), at-least-once: a worker killed mid-stream loses no window of sensor.stats', { timeout: 300_000 }, async () => {
    const { expected, received, a, b } = await runScenario('at-least-once', LEAN_PLATFORMATIC);
    // Both workers ran on the driver the environment chose (the start line names it).
    for (const worker of [a, b]) expect(worker.output.stderr).toMatch(/worker up on Kafka at \S+ \(platformatic\)/);
    expect([...received.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, counts] of received) for (const count of counts) expect(count, key).toBe(expected.get(key));
    expect(b.output.stderr).toMatch(/restored \d+ state entries/);
  });

  it('second driver (log.driver platformatic), exactly-once: every window of sensor.stats exactly once (read_committed)', { timeout: 300_000 }, async () => {
    const { expected, received, a, b } = await runScenario('exactly-once', LEAN_PLATFORMATIC);
    for (const worker of [a, b]) expect(worker.output.stderr).toMatch(/worker up on Kafka at \S+ \(platformatic\)/);
    expect([...received.keys()].sort()).toEqual([...expected.keys()].sort());
    expect([...received].filter(([, counts]) => counts.length > 1).map(([key]) => key)).toEqual([]);
    for (const [key, [count]] of received) expect(count, key).toBe(expected.get(key));
    expect(b.output.stderr).toMatch(/restored \d+ state entries/);
    // Written in transactions: every commit marker takes an offset that no record has.
    expect((await log.offsets(OUTPUT)).reduce((n, o) => n + o.end, 0)).toBeGreaterThan(received.size);
  });
});
