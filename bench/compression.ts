/**
 * Compression benchmark: what each log.compression codec costs and saves on the local broker,
 * in one run.
 *
 *   node --import tsx bench/compression.ts [--events N] [--sensors N] [--partitions N] [--codecs none,gzip,lz4,zstd]
 *
 * N of the demo's Avro sensor readings (bench/workload.ts, schemas/sensor-reading.avsc,
 * Confluent framing, keyed by sensor: what a source or a module's output holds) are encoded
 * once, then for each codec produced through KafkaLog to a fresh topic whose log.compression
 * entry is that codec, in produce calls of 10,000 records (as bench/kafka.ts fills its input),
 * and read back through a KafkaLog reader to the end. Per codec: produce and consume records/s,
 * this process's CPU (user + system, process.cpuUsage, the thread pool where lz4 and zstd run
 * included; the broker's JVM, which decompresses each batch to validate it, not) per record,
 * and the bytes of the topic's segment files in the broker's log dir (asked of the broker),
 * with their ratio to none. The servers come from scripts/infra (started if they are not
 * running, stopped again at the end only if this run started them); the topics are deleted
 * at the end. Nothing here is a test.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { CompressionCodec } from '../src/config/project-config.js';
import type { ProduceRecord } from '../src/log/types.js';
import type { SensorReading as Reading } from '../streams/types.js';
import { ensureBuilt } from '../scripts/ensure-build.js';
import { ensureServers, stopServers } from '../scripts/infra/index.js';
import { intArg } from './args.js';
import { readings } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The compiled package, as users run it (see bench/engine.ts for why not src/).
ensureBuilt(ROOT, (message) => console.log(`${message} ...`));
const fromDist = (path: string) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
// kafkajs as fastdata loads it (src/log/kafka/client.ts).
const { Kafka, logLevel, ConfigResourceTypes } = ((await fromDist('log/kafka/client.js')) as typeof import('../src/log/kafka/client.js')).default;
const { KafkaLog } = (await fromDist('log/kafka/kafka-log.js')) as typeof import('../src/log/kafka/kafka-log.js');
const { RemoteSchemaRegistry } = (await fromDist('schema/remote-registry.js')) as typeof import('../src/schema/remote-registry.js');
const { AvroSerde } = (await fromDist('schema/serde.js')) as typeof import('../src/schema/serde.js');
const { readSchemaSource } = (await fromDist('schema/schema-file.js')) as typeof import('../src/schema/schema-file.js');
const { COMPRESSION_CODECS } = (await fromDist('config/project-config.js')) as typeof import('../src/config/project-config.js');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    sensors: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '2' },
    codecs: { type: 'string', default: 'none,gzip,lz4,zstd' },
  },
});
const EVENTS = intArg('events', args.events, 1_000, 20_000_000);
const SENSORS = intArg('sensors', args.sensors, 1, 100_000);
const PARTITIONS = intArg('partitions', args.partitions, 1, 64);
const CODECS = args.codecs.split(',').map((c) => c.trim()) as CompressionCodec[];
for (const codec of CODECS) {
  if (!COMPRESSION_CODECS.includes(codec)) {
    console.error(`--codecs: unknown codec ${codec}; the codecs are ${COMPRESSION_CODECS.join(', ')}`);
    process.exit(2);
  }
}
const CHUNK = 10_000;
const RUN = Date.now().toString(36);
const topicOf = (codec: CompressionCodec) => `bench.compression.${codec}.${RUN}`;
const warmupTopicOf = (codec: CompressionCodec) => `bench.compression.warmup.${codec}.${RUN}`;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Measured {
  seconds: number;
  /** CPU microseconds of this process per record. */
  cpu: number;
}

async function measure(work: () => Promise<void>): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpu: (cpu.user + cpu.system) / EVENTS };
}

/** The broker's log dir, asked of the broker (its `log.dirs`): the bench reads the topics' segment files there. */
async function brokerLogDir(brokers: string[]): Promise<string> {
  const admin = new Kafka({ clientId: 'bench-compression-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { brokers: nodes } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(nodes[0]!.nodeId), configNames: ['log.dirs', 'log.dir'] }] });
    const entries = resources[0]!.configEntries;
    return (entries.find((e) => e.configName === 'log.dirs')?.configValue ?? entries.find((e) => e.configName === 'log.dir')!.configValue).split(',')[0]!;
  } finally {
    await admin.disconnect();
  }
}

/** Bytes of a topic's segment files (*.log of every partition; indexes left out). */
function bytesOnDisk(logDir: string, topic: string): number {
  let bytes = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const dir = join(logDir, `${topic}-${p}`);
    for (const file of readdirSync(dir)) if (file.endsWith('.log')) bytes += statSync(join(dir, file)).size;
  }
  return bytes;
}

async function main(): Promise<void> {
  const servers = await ensureServers({ log: (m) => console.log(`infra: ${m}`) });
  const startedHere = Object.values(servers.outcomes).some((o) => o.outcome === 'started');
  const brokers = servers.kafkaBrokers;
  const compression = { default: 'none' as const, topics: Object.fromEntries(CODECS.flatMap((c) => [[topicOf(c), c], [warmupTopicOf(c), c]])) };
  const log = await KafkaLog.connect({ brokers, clientId: 'bench-compression', onWarning: () => {}, compression });
  const serde = new AvroSerde(new RemoteSchemaRegistry({ url: servers.registryUrl }));
  const logDir = await brokerLogDir(brokers);
  const rows: { codec: CompressionCodec; produce: Measured; consume: Measured; bytes: number }[] = [];
  try {
    // The same encoded records for every codec, encoded before any timing.
    const schema = await readSchemaSource('schemas/sensor-reading.avsc', ROOT);
    const encoder = await serde.encoderFor<Reading>(`bench.compression.readings-value`, schema);
    const chunks: ProduceRecord[][] = [];
    let chunk: ProduceRecord[] = [];
    let valueBytes = 0;
    for (const r of readings(EVENTS, SENSORS, Date.now() - 60_000 - Math.ceil(EVENTS / SENSORS) * 1000)) {
      const value = encoder.encode(r);
      valueBytes += value.length;
      chunk.push({ key: r.sensorId, value, timestamp: r.ts });
      if (chunk.length === CHUNK) {
        chunks.push(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) chunks.push(chunk);
    console.log(`${fmt(EVENTS)} Avro readings encoded (${SENSORS} sensors, ${(valueBytes / EVENTS).toFixed(1)} bytes a value on average), ${PARTITIONS} partitions`);

    // Every codec's path once, untimed, so the first codec measured does not pay for the JIT's warm-up.
    for (const codec of CODECS) {
      await log.createTopic({ name: warmupTopicOf(codec), partitions: PARTITIONS });
      for (const c of chunks.slice(0, 5)) await log.produce(warmupTopicOf(codec), c);
      const reader = log.reader({ topic: warmupTopicOf(codec), stopAtEnd: true });
      for await (const _ of reader);
      await reader.close();
    }

    for (const codec of CODECS) {
      const topic = topicOf(codec);
      await log.createTopic({ name: topic, partitions: PARTITIONS });
      const produce = await measure(async () => {
        for (const c of chunks) await log.produce(topic, c);
      });
      let read = 0;
      const consume = await measure(async () => {
        const reader = log.reader({ topic, stopAtEnd: true });
        for await (const batch of reader) read += batch.records.length;
        await reader.close();
      });
      if (read !== EVENTS) throw new Error(`${codec}: read ${read} records back, wrote ${EVENTS}`);
      const bytes = bytesOnDisk(logDir, topic);
      rows.push({ codec, produce, consume, bytes });
      console.log(`${codec}: produce ${fmt(EVENTS / produce.seconds)}/s, consume ${fmt(EVENTS / consume.seconds)}/s, ${fmt(bytes)} bytes on disk`);
    }

    const none = rows.find((r) => r.codec === 'none');
    console.log(`\n${fmt(EVENTS)} Avro sensor readings, ${SENSORS} sensors, ${PARTITIONS} partitions, produce calls of ${fmt(CHUNK)} records\n`);
    console.log('| codec | produce records/s | produce CPU µs/record | consume records/s | consume CPU µs/record | bytes on the broker | vs none |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      console.log(
        `| ${r.codec} | ${fmt(EVENTS / r.produce.seconds)} | ${r.produce.cpu.toFixed(2)} | ${fmt(EVENTS / r.consume.seconds)} | ${r.consume.cpu.toFixed(2)} | ${fmt(r.bytes)} (${(r.bytes / EVENTS).toFixed(1)} B/record) | ${none ? (r.bytes / none.bytes).toFixed(3) : '–'} |`,
      );
    }
  } finally {
    for (const codec of CODECS) for (const topic of [topicOf(codec), warmupTopicOf(codec)]) await log.deleteTopic(topic).catch(() => undefined);
    await log.close();
    if (startedHere) await stopServers({ log: (m) => console.log(`infra: ${m}`) });
  }
}

await main();
