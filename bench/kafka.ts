/**
 * Kafka benchmark: events/s end to end on the local broker, fastdata against the client's
 * ceiling, in one run.
 *
 *   node --import tsx bench/kafka.ts [--events N] [--sensors N] [--partitions N] [--exactly-once]
 *   npm run bench:kafka -- --events 1000000
 *
 * The servers come from scripts/infra (started if they are not running, and stopped again
 * at the end if this run started them). N Avro readings (Confluent framing) are produced
 * once into a fresh input topic with P partitions; then, each in its own consumer group:
 *
 *   a. bare kafkajs loop (the baseline, the client ceiling): consume every record and
 *      produce its bytes unchanged to another topic, a send per fetched batch, partitions
 *      fetched concurrently, offsets committed every second (kafkajs's auto-commit) as
 *      fastdata checkpoints every second. No decoding, no processing. Also, for scale,
 *      the same loop consuming only (what reading alone costs).
 *   b. fastdata, at-least-once: the demo's windowed module (streams/sensor-stats.ts: Avro
 *      in, per-sensor one-minute windows, Avro out) in a StreamRunner, as `fastdata run`
 *      runs it: decode, aggregate, encode, checkpoint (outputs, changelog, commit).
 *   c. with --exactly-once, the same in Kafka transactions.
 *   d. fastdata, at-least-once, a 1:1 map (every reading decoded, converted, encoded and
 *      produced): as many outputs as the bare loop writes, the like-for-like comparison
 *      (the windowed module writes one output per sensor and minute).
 *
 * Each is timed from the moment its group has its partitions until every input offset is
 * committed, so the group join is left out of both. Loopback only; bounded by a timeout;
 * the bench's topics are deleted at the end. Nothing here is a test.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { StreamModule } from '../src/stream/define.js';
import type { SensorReading as Reading, SensorStats } from '../streams/types.js';
import { ensureBuilt } from '../scripts/ensure-build.js';
import { ensureServers, stopServers } from '../scripts/infra/index.js';
import { intArg } from './args.js';
import { generateReadings, mapModule } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The compiled package, as users run it (see bench/engine.ts for why not src/).
ensureBuilt(ROOT, (message) => console.log(`${message} ...`));
const fromDist = (path: string) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const { KafkaLog } = (await fromDist('log/kafka/kafka-log.js')) as typeof import('../src/log/kafka/kafka-log.js');
const { RemoteSchemaRegistry } = (await fromDist('schema/remote-registry.js')) as typeof import('../src/schema/remote-registry.js');
const { AvroSerde } = (await fromDist('schema/serde.js')) as typeof import('../src/schema/serde.js');
const { readSchemaSource } = (await fromDist('schema/schema-file.js')) as typeof import('../src/schema/schema-file.js');
const { StreamRunner } = (await fromDist('stream/runner.js')) as typeof import('../src/stream/runner.js');
const { defineStream, internalTopics } = (await fromDist('stream/define.js')) as typeof import('../src/stream/define.js');
const sensorStats = (await import('../streams/sensor-stats.js')).default as unknown as StreamModule<{ readings: Reading }, SensorStats>;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '500000' },
    sensors: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '4' },
    'exactly-once': { type: 'boolean', default: false },
  },
});
const EVENTS = intArg('events', args.events, 1_000, 10_000_000);
const SENSORS = intArg('sensors', args.sensors, 1, 100_000);
const PARTITIONS = intArg('partitions', args.partitions, 1, 64);
const RUN_TIMEOUT_MS = Math.max(120_000, (EVENTS / 5_000) * 1000);
const RUN = Date.now().toString(36);

/** Readings end a minute ago: recent, because the broker's retention deletes records by timestamp (event time here). */
const readingsStart = () => Date.now() - 60_000 - Math.ceil(EVENTS / SENSORS) * 1000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const servers = await ensureServers({ log: (m) => console.log(`infra: ${m}`) });
  const startedHere = Object.values(servers.outcomes).some((o) => o.outcome === 'started');
  const brokers = servers.kafkaBrokers;
  const log = await KafkaLog.connect({ brokers, clientId: 'bench', onWarning: () => {} });
  const serde = new AvroSerde(new RemoteSchemaRegistry({ url: servers.registryUrl }));
  const input = `bench.readings.${RUN}`;
  const topics = [input, `bench.copy.${RUN}`];
  try {
    // --- input, produced once
    await log.createTopic({ name: input, partitions: PARTITIONS });
    const encoder = await serde.encoderFor<Reading>(`${input}-value`, await readSchemaSource('schemas/sensor-reading.avsc', ROOT));
    const readings = generateReadings(EVENTS, SENSORS, readingsStart());
    let t = performance.now();
    for (let i = 0; i < readings.length; i += 10_000) {
      await log.produce(input, readings.slice(i, i + 10_000).map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts })));
    }
    const produceSeconds = (performance.now() - t) / 1000;
    console.log(`\nproduced ${fmt(EVENTS)} Avro readings (${SENSORS} sensors, ${PARTITIONS} partitions) in ${produceSeconds.toFixed(1)} s: ${fmt(EVENTS / produceSeconds)}/s`);

    // --- a. bare kafkajs loops
    const consumeOnly = await bareLoop(brokers, input, undefined);
    console.log(`a. bare kafkajs loop, consume only: ${fmt(consumeOnly)} events/s`);
    const bare = await bareLoop(brokers, input, topics[1]!);
    console.log(`a. bare kafkajs loop, consume + produce the bytes: ${fmt(bare)} events/s`);

    // --- b./c. fastdata
    const results: [string, number][] = [];
    for (const guarantee of args['exactly-once'] ? (['at-least-once', 'exactly-once'] as const) : (['at-least-once'] as const)) {
      const name = `bench-${guarantee === 'exactly-once' ? 'eos' : 'alo'}-${RUN}`;
      const output = `bench.stats.${name}`;
      topics.push(output, internalTopics(name).changelog, internalTopics(name).deadLetter);
      const rate = await fastdataRun(log, serde, { ...sensorStats, name, groupId: `fastdata.${name}`, topics: internalTopics(name), inputs: [{ ...sensorStats.inputs[0]!, topic: input }], output: { ...sensorStats.output, topic: output } }, guarantee);
      results.push([guarantee, rate]);
      console.log(`${guarantee === 'exactly-once' ? 'c' : 'b'}. fastdata ${guarantee}, windowed module (Avro in, Avro out): ${fmt(rate)} events/s`);
    }

    {
      const name = `bench-map-${RUN}`;
      const output = `bench.enriched.${RUN}`;
      topics.push(output, internalTopics(name).changelog, internalTopics(name).deadLetter);
      const rate = await fastdataRun(log, serde, mapModule(defineStream, name, input, output) as unknown as StreamModule, 'at-least-once');
      results.push(['at-least-once, 1:1 map', rate]);
      console.log(`d. fastdata at-least-once, 1:1 map (Avro in, Avro out, one output per input): ${fmt(rate)} events/s`);
    }

    console.log('\n| run | events/s | vs bare loop |\n| --- | --- | --- |');
    console.log(`| bare kafkajs loop, consume only | ${fmt(consumeOnly)} | ${(consumeOnly / bare).toFixed(2)} |`);
    console.log(`| bare kafkajs loop, consume + produce (baseline) | ${fmt(bare)} | 1.00 |`);
    for (const [guarantee, rate] of results) console.log(`| fastdata ${guarantee} | ${fmt(rate)} | ${(rate / bare).toFixed(2)} |`);
    console.log('\ntargets: fastdata >= 0.70 of the bare loop; 100,000 events/s end to end');
  } finally {
    for (const topic of topics) await log.deleteTopic(topic).catch(() => undefined);
    await log.close();
    if (startedHere) await stopServers({ log: (m) => console.log(`infra: ${m}`) });
  }
}

/** Consume every record of `input` (and send its bytes to `output`); events/s from assignment to the last record. */
async function bareLoop(brokers: string[], input: string, output: string | undefined): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  if (output) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: output, numPartitions: PARTITIONS }] });
    await admin.disconnect();
    await producer.connect();
  }
  const consumer = kafka.consumer({ groupId: `bench-bare-${output ? 'copy' : 'read'}-${RUN}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  let t0 = 0;
  let seen = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    t0 ||= performance.now();
  });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1_000,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch }) => {
      if (output) {
        await producer.send({ topic: output, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, partition: batch.partition, timestamp: m.timestamp })) });
      }
      seen += batch.messages.length;
      if (seen >= EVENTS) finish();
    },
  });
  await withTimeout(finished, 'the bare loop');
  const seconds = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  if (output) await producer.disconnect();
  return EVENTS / seconds;
}

async function fastdataRun(
  log: import('../src/log/kafka/kafka-log.js').KafkaLog,
  serde: InstanceType<typeof AvroSerde>,
  module: StreamModule,
  guarantee: 'at-least-once' | 'exactly-once',
): Promise<number> {
  let t0 = 0;
  const runner = new StreamRunner(module, {
    log,
    serde,
    root: ROOT,
    defaultPartitions: PARTITIONS,
    guarantee,
    onEvent: (event) => {
      if (event.type === 'assigned') t0 ||= performance.now();
      if (event.type === 'failed') console.error(`fastdata ${guarantee}: FAILED: ${String(event.error)}`);
    },
  });
  await runner.start();
  const input = module.inputs[0]!.topic;
  const done = (async () => {
    for (;;) {
      const committed = (await log.committed(module.groupId, input)).reduce((n, o) => n + o.offset, 0);
      if (committed >= EVENTS) return;
      if (runner.status().state === 'failed') throw new Error(`fastdata ${guarantee} failed: ${runner.status().error}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await withTimeout(done, `fastdata ${guarantee}`);
  const seconds = (performance.now() - t0) / 1000;
  await runner.stop();
  return EVENTS / seconds;
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

await main();
