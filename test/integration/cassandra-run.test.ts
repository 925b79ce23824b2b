/**
 * `fastdata run` with a `cassandra` section (production mode): the worker runs a windowed
 * module and, beside it, the Cassandra sink its output declares; the table ends up with
 * exactly the windows the module wrote to its output topic. The project is a temporary
 * one (its own topics, so it cannot meet the demo's topics that workers.test.ts uses in
 * the same run), its module written like the demo's sensor-stats. It lives under the
 * repository's .cache/ so that its `import 'fastdata'` and 'rxjs' resolve as the demo's do.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import { readSchemaSource } from '../../src/schema/schema-file.js';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { valueSubject } from '../../src/schema/types.js';
import { type CassandraClient, createCassandraClient } from '../../src/sinks/cassandra/index.js';
import type { SensorReading, SensorStats } from '../../streams/types.js';
import { startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { cassandraContactPoints, cassandraDataCenter, kafkaBrokers, registryUrl } from '../helpers/servers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// Names of this run's own, so a run against servers that earlier runs used starts clean.
const RUN = Date.now().toString(36);
const INPUT = `runsink.readings.${RUN}`;
const OUTPUT = `runsink.stats.${RUN}`;
const KEYSPACE = `fastdata_run_${RUN}`;
const SENSORS = 12;
const MINUTES = 5;
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

/** The demo's sensor-stats, on this test's topics, with a short idle timeout so the last minute closes soon. */
const moduleSource = `
import { aggregate, count, defineStream, keyBy, max, mean, min, stddev, tumbling } from 'fastdata';
import { map } from 'rxjs';
export default defineStream({
  name: 'run-sink-stats',
  inputs: { readings: ${JSON.stringify(INPUT)} },
  output: {
    topic: ${JSON.stringify(OUTPUT)},
    schema: ${JSON.stringify(join(repo, 'schemas', 'sensor-stats.avsc'))},
    key: (s) => s.sensorId,
    sinks: { cassandra: { table: 'run_sink_stats', partitionKey: ['sensorId'], clusteringKey: ['windowStart'] } },
  },
  eventTime: (r) => r.ts,
  watermark: { idleTimeout: '2s' },
  pipeline: ({ readings }) => readings.pipe(
    keyBy((r) => r.sensorId),
    tumbling('1m', { grace: '1s', emit: 'final' }),
    aggregate({ count: count(), meanTemperature: mean((r) => r.temperature), minTemperature: min((r) => r.temperature),
      maxTemperature: max((r) => r.temperature), stddevTemperature: stddev((r) => r.temperature), meanHumidity: mean((r) => r.humidity) }, { name: 'minute' }),
    map(({ key, ...stats }) => ({ sensorId: key, ...stats })),
  ),
});
`;

describe.skipIf(!kafkaBrokers || !registryUrl || !cassandraContactPoints)('fastdata run writes a module output to Cassandra', () => {
  let log: KafkaLog;
  let serde: AvroSerde;
  let client: CassandraClient;
  let project: { path: string; remove: () => Promise<void> };
  let worker: ReturnType<typeof startCli> | undefined;

  beforeAll(async () => {
    log = await KafkaLog.connect({ brokers: kafkaBrokers!, clientId: 'cassandra-run-test', onWarning: () => {} });
    serde = new AvroSerde(new RemoteSchemaRegistry({ url: registryUrl! }));
    client = createCassandraClient({
      contactPoints: cassandraContactPoints!,
      localDataCenter: cassandraDataCenter!,
      keyspace: KEYSPACE,
      replication: { class: 'SimpleStrategy', replicationFactor: 1, dataCenters: {} },
      consistency: 'LOCAL_QUORUM',
      concurrency: 64,
    });
    await mkdir(join(repo, '.cache', 'test-projects'), { recursive: true });
    const path = await mkdtemp(join(repo, '.cache', 'test-projects', 'cassandra-run-'));
    project = { path, remove: () => rm(path, { recursive: true, force: true }) };
    await mkdir(join(project.path, 'streams'));
    await writeFile(join(project.path, 'streams', 'run-sink-stats.ts'), moduleSource);
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await client?.shutdown();
    await log?.close();
    await project?.remove();
  });

  it('the table holds exactly the windows of the output topic', { timeout: 240_000 }, async () => {
    await log.createTopic({ name: INPUT, partitions: 4 });
    const encoder = await serde.encoderFor<SensorReading>(valueSubject(INPUT), await readSchemaSource('schemas/sensor-reading.avsc', repo));
    const readings: SensorReading[] = [];
    for (let minute = 0; minute < MINUTES; minute++) {
      for (let second = 0; second < 60; second += 10) {
        for (let s = 0; s < SENSORS; s++) {
          readings.push({ sensorId: `s-${s}`, site: 'plant', ts: BASE + minute * 60_000 + second * 1000, temperature: 20 + ((s + second + minute) % 9), humidity: 40, battery: 90 });
        }
      }
    }
    await log.produce(INPUT, readings.map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts })));

    worker = startCli(['run', '--dir', project.path, '--data-dir', join(project.path, '.fastdata'), '--no-alerts'], {
      cwd: project.path,
      env: {
        FASTDATA_LOG__KIND: 'kafka',
        FASTDATA_LOG__BROKERS: kafkaBrokers!.join(','),
        FASTDATA_REGISTRY__URL: registryUrl!,
        FASTDATA_CASSANDRA__CONTACT_POINTS: cassandraContactPoints!.join(','),
        FASTDATA_CASSANDRA__LOCAL_DATA_CENTER: cassandraDataCenter!,
        FASTDATA_CASSANDRA__KEYSPACE: KEYSPACE,
      },
    });
    const expectedWindows = SENSORS * MINUTES;
    const rowCount = async () => {
      try {
        return (await client.execute(`SELECT count(*) FROM ${KEYSPACE}.run_sink_stats`)).first()['count'].toNumber() as number;
      } catch {
        return 0; // the table does not exist yet
      }
    };
    await eventually(async () => (await rowCount()) === expectedWindows, { timeoutMs: 150_000, intervalMs: 500 }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- fastdata run ---\n${worker!.output.stderr}`);
    });
    expect(worker.output.stderr).toContain(`run-sink-stats:cassandra: running, ${OUTPUT} -> ${KEYSPACE}.run_sink_stats (4 partitions)`);

    // The rows are the windows of the output topic (the last copy of each).
    const windows = new Map<string, SensorStats>();
    const reader = log.reader({ topic: OUTPUT, from: 'earliest', stopAtEnd: true });
    for await (const batch of reader) {
      for (const record of batch.records) {
        const value = (await serde.decode(record.value!)) as SensorStats;
        windows.set(`${value.sensorId}@${value.windowStart}`, value);
      }
    }
    expect(windows.size).toBe(expectedWindows);
    const rows = (await client.execute(`SELECT "sensorId", "windowStart", "count", "meanTemperature" FROM ${KEYSPACE}.run_sink_stats`)).rows;
    for (const row of rows) {
      const window = windows.get(`${row['sensorId']}@${(row['windowStart'] as Date).getTime()}`);
      expect(window, `row ${row['sensorId']}@${row['windowStart']}`).toBeDefined();
      expect(row['count'].toNumber()).toBe(window!.count);
      expect(row['meanTemperature']).toBe(window!.meanTemperature);
    }
    expect(await worker.stop('SIGTERM')).toBe(0);
  });
});
