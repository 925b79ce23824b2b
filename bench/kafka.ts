/**
 * Kafka benchmark: events/s and CPU time per event end to end on the local broker,
 * fastdata against the client's ceiling, in one run.
 *
 *   node --import tsx bench/kafka.ts [--events N] [--sensors N] [--partitions N] [--exactly-once] [--runs a,b,…] [--commit-interval MS] [--drivers kafkajs,platformatic]
 *   npm run bench:kafka -- --sensors 10000 --partitions 2 --events 8000000 --runs consume,decode,windowed
 *   npm run bench:kafka -- --sensors 10000 --partitions 2 --events 1000000 --drivers kafkajs,platformatic
 *   npm run bench:kafka -- --events 2000000 --runs windowed --policies default --profile .scratch/kprof
 *
 * The servers come from scripts/infra (started if they are not running, and stopped again
 * at the end if this run started them). N Avro readings (Confluent framing) are produced
 * once into a fresh input topic with P partitions, with the broker's and fastdata's default
 * settings (max.message.bytes 1 MiB); then each run, in its own consumer group:
 *
 *   consume   bare kafkajs loop: consume every record, nothing else (what reading alone costs)
 *   decode    bare kafkajs loop that also decodes every record's Avro (the baseline of a
 *             windowed module: it reads and decodes as much, and writes little)
 *   logread   the driver's own Log consumer (log.consumer, what fastdata's processor host reads
 *             with: a group member, batches per partition) decoding every record's Avro, with
 *             no host and no module: the fastdata runs' read path alone, a baseline that is
 *             the same code on both drivers
 *   copy      bare kafkajs loop that produces every record's bytes unchanged to another
 *             topic, a send per fetched batch, offsets auto-committed every second (the
 *             baseline of a module that writes one output per input)
 *   windowed  fastdata at-least-once, the demo's windowed module (streams/sensor-stats.ts:
 *             Avro in, per-sensor one-minute windows, Avro out), as `fastdata run` runs it;
 *             with --exactly-once, the same in Kafka transactions; once per commit policy
 *             of --policies: `default` (commitInterval 200 ms, stretched under load up to
 *             maxCommitInterval 2 s so that checkpoints take at most a fifth of the time:
 *             src/stream/host/commit-policy.ts), or a number, a fixed interval of that many
 *             ms (commitInterval = maxCommitInterval; 200 is the policy before the adaptive one)
 *   map       fastdata at-least-once, a 1:1 map (every reading decoded, converted,
 *             encoded and produced): as many outputs as `copy` writes
 *
 * With --drivers, every run is made once per Kafka driver (log.driver): the bare loops with
 * that client's own API (kafkajs's eachBatch; @platformatic/kafka's message stream), the
 * fastdata runs on that driver's Log; each driver's rows are compared with its own
 * consume + decode loop.
 *
 * Each is timed from the moment its group has its partitions until every input offset is
 * committed (or every record seen, for the bare loops), so the group join is left out; CPU
 * is this process's (user + system, `process.cpuUsage`) over the same span, per event: the
 * broker's JVM is not in it. Loopback only; bounded by a timeout; the bench's topics are
 * deleted at the end. Nothing here is a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Admin as PltAdmin, Consumer as PltConsumer, Producer as PltProducer, type MessageToProduce } from '@platformatic/kafka';
import type { StreamModule } from '../src/stream/define.js';
import type { SensorReading as Reading, SensorStats } from '../streams/types.js';
import { ensureBuilt } from '../scripts/ensure-build.js';
import { ensureServers, stopServers } from '../scripts/infra/index.js';
import { intArg } from './args.js';
import { mapModule, readings } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The compiled package, as users run it (see bench/engine.ts for why not src/).
ensureBuilt(ROOT, (message) => console.log(`${message} ...`));
const fromDist = (path: string) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
// kafkajs as fastdata loads it (src/log/kafka/client.ts: a linear grouping of a send's
// messages), for the bare loops too, so that both sides of a ratio use the same client.
const { Kafka, logLevel } = ((await fromDist('log/kafka/client.js')) as typeof import('../src/log/kafka/client.js')).default;
const { KafkaLog } = (await fromDist('log/kafka/kafka-log.js')) as typeof import('../src/log/kafka/kafka-log.js');
const { PlatformaticLog } = (await fromDist('log/platformatic/platformatic-log.js')) as typeof import('../src/log/platformatic/platformatic-log.js');
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
    runs: { type: 'string', default: 'consume,decode,logread,copy,windowed,map' },
    'commit-interval': { type: 'string' },
    policies: { type: 'string', default: 'default,1000' },
    'max-buffered': { type: 'string' },
    drivers: { type: 'string', default: 'kafkajs' },
    profile: { type: 'string' },
  },
});
/** With --profile DIR: a V8 CPU profile of each run's timed span, DIR/<driver>-<run>.cpuprofile (read with bench/cpuprofile-top.mjs). */
const PROFILE_DIR = args.profile;
const DRIVERS = args.drivers.split(',').map((d) => d.trim());
for (const driver of DRIVERS) {
  if (driver !== 'kafkajs' && driver !== 'platformatic') throw new Error(`--drivers: unknown driver ${driver}; the drivers are kafkajs, platformatic (log.driver)`);
}
type Driver = 'kafkajs' | 'platformatic';
/** The commit policies of the windowed runs: the module's own (`default`), or a fixed interval in ms. */
const POLICIES = args.policies.split(',').map((p) => p.trim()).map((p) => (p === 'default' ? ('default' as const) : intArg('policies', p, 10, 600_000)));
/** Outputs buffered before a checkpoint is forced (the runner's maxBufferedOutputs; default 5,000). */
const MAX_BUFFERED = args['max-buffered'] === undefined ? undefined : intArg('max-buffered', args['max-buffered'], 1, 10_000_000);
/** Overrides the fastdata modules' commitInterval (ms), as `modules.<name>.commitInterval` does in a project. */
const COMMIT_INTERVAL = args['commit-interval'] === undefined ? undefined : intArg('commit-interval', args['commit-interval'], 10, 600_000);
const RUNS = new Set(args.runs.split(',').map((r) => r.trim()));
for (const run of RUNS) {
  if (!['consume', 'decode', 'logread', 'copy', 'windowed', 'map'].includes(run)) throw new Error(`--runs: unknown run ${run}; the runs are consume, decode, logread, copy, windowed, map`);
}
const EVENTS = intArg('events', args.events, 1_000, 20_000_000);
const SENSORS = intArg('sensors', args.sensors, 1, 100_000);
const PARTITIONS = intArg('partitions', args.partitions, 1, 64);
const RUN_TIMEOUT_MS = Math.max(120_000, (EVENTS / 5_000) * 1000);
const RUN = Date.now().toString(36);

/** Readings end a minute ago: recent, because the broker's retention deletes records by timestamp (event time here). */
const readingsStart = () => Date.now() - 60_000 - Math.ceil(EVENTS / SENSORS) * 1000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Measured {
  driver: Driver;
  run: string;
  rate: number;
  /** CPU microseconds of this process per event. */
  cpu: number;
}

interface Marks {
  /** The group has its partitions: timing starts. */
  start(): void;
  /** Every event processed: timing ends (before the run's own shutdown). */
  end(): void;
}

/** Times `work` from its `start` mark to its `end` mark, with this process's CPU over the same span. */
async function measure(driver: Driver, run: string, work: (marks: Marks) => Promise<void>): Promise<Measured> {
  let t0 = 0;
  let t1 = 0;
  let cpu0: NodeJS.CpuUsage = process.cpuUsage();
  let cpu: NodeJS.CpuUsage | undefined;
  const profiler = PROFILE_DIR === undefined ? undefined : spanProfiler(join(PROFILE_DIR, `${driver}-${run.replace(/[^A-Za-z0-9.-]+/g, '-')}.cpuprofile`));
  await work({
    start: () => {
      if (t0 !== 0) return;
      profiler?.start();
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    },
    end: () => {
      t1 = performance.now();
      cpu = process.cpuUsage(cpu0);
      profiler?.stop();
    },
  });
  if (!cpu) throw new Error(`${run}: the run ended without its end mark`);
  const seconds = (t1 - t0) / 1000;
  const result = { driver, run, rate: EVENTS / seconds, cpu: (cpu.user + cpu.system) / EVENTS };
  console.log(`${driver}, ${run}: ${fmt(result.rate)} events/s, ${result.cpu.toFixed(2)} µs CPU per event`);
  return result;
}

/** Profiles the span between `start` and `stop` with the inspector, into `file` (the set-up and the other runs stay out of it). */
function spanProfiler(file: string): { start(): void; stop(): void } {
  const session = new inspector.Session();
  session.connect();
  return {
    start: () => {
      session.post('Profiler.enable');
      session.post('Profiler.start');
    },
    stop: () => {
      session.post('Profiler.stop', (error, result) => {
        if (error) console.error(`--profile: ${error.message}`);
        else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, JSON.stringify(result.profile));
          console.log(`  (profile: ${file})`);
        }
        session.disconnect();
      });
    },
  };
}

async function main(): Promise<void> {
  const servers = await ensureServers({ log: (m) => console.log(`infra: ${m}`) });
  const startedHere = Object.values(servers.outcomes).some((o) => o.outcome === 'started');
  const brokers = servers.kafkaBrokers;
  const log = await KafkaLog.connect({ brokers, clientId: 'bench', onWarning: () => {} });
  const serde = new AvroSerde(new RemoteSchemaRegistry({ url: servers.registryUrl }));
  const input = `bench.readings.${RUN}`;
  const topics = [input, `bench.copy.${RUN}`];
  try {
    // --- input, produced once, generated as it goes (8M readings do not fit in memory at once)
    await log.createTopic({ name: input, partitions: PARTITIONS });
    const encoder = await serde.encoderFor<Reading>(`${input}-value`, await readSchemaSource('schemas/sensor-reading.avsc', ROOT));
    const t = performance.now();
    let chunk: Parameters<typeof log.produce>[1] = [];
    for (const r of readings(EVENTS, SENSORS, readingsStart())) {
      chunk.push({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts });
      if (chunk.length === 10_000) {
        await log.produce(input, chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await log.produce(input, chunk);
    const produceSeconds = (performance.now() - t) / 1000;
    console.log(`\nproduced ${fmt(EVENTS)} Avro readings (${SENSORS} sensors, ${PARTITIONS} partitions) in ${produceSeconds.toFixed(1)} s: ${fmt(EVENTS / produceSeconds)}/s`);

    const results: Measured[] = [];
    for (const driver of DRIVERS as Driver[]) {
      // kafkajs: the Log that produced the input; platformatic: its own Log, on the same broker.
      const driverLog = driver === 'kafkajs' ? log : await PlatformaticLog.connect({ brokers, clientId: 'bench', onWarning: () => {} });
      const tag = driver === 'kafkajs' ? RUN : `${RUN}-plt`;
      const copy = `bench.copy.${tag}`;
      topics.push(copy);
      const bare = driver === 'kafkajs' ? bareLoop : barePlatformaticLoop;
      try {
        if (RUNS.has('consume')) results.push(await measure(driver, 'bare loop, consume only', (marks) => bare(brokers, input, { marks })));
        if (RUNS.has('decode')) results.push(await measure(driver, 'bare loop, consume + decode Avro', (marks) => bare(brokers, input, { marks, decode: serde })));
        if (RUNS.has('logread')) results.push(await measure(driver, "the driver's Log consumer + decode Avro (no host)", (marks) => logConsumerLoop(driverLog, input, serde, marks)));
        if (RUNS.has('copy')) results.push(await measure(driver, 'bare loop, consume + produce the bytes', (marks) => bare(brokers, input, { marks, output: copy })));
        if (RUNS.has('windowed')) {
          for (const guarantee of args['exactly-once'] ? (['at-least-once', 'exactly-once'] as const) : (['at-least-once'] as const)) for (const policy of POLICIES) {
            const name = `bench-${guarantee === 'exactly-once' ? 'eos' : 'alo'}-${policy}-${tag}`;
            const output = `bench.stats.${name}`;
            topics.push(output, internalTopics(name).changelog, internalTopics(name).deadLetter);
            const module = {
              ...sensorStats,
              name,
              groupId: `fastdata.${name}`,
              topics: internalTopics(name),
              inputs: [{ ...sensorStats.inputs[0]!, topic: input }],
              output: { ...sensorStats.output, topic: output },
              ...(policy === 'default'
                ? { commitInterval: COMMIT_INTERVAL ?? sensorStats.commitInterval, maxCommitInterval: Math.max(COMMIT_INTERVAL ?? 0, sensorStats.maxCommitInterval) }
                : { commitInterval: policy, maxCommitInterval: policy }),
            };
            const label = policy === 'default' ? `default policy (${module.commitInterval} ms, up to ${module.maxCommitInterval} ms under load)` : `fixed ${policy} ms`;
            results.push(await measure(driver, `fastdata ${guarantee}, windowed module (Avro in, Avro out), ${label}`, (marks) => fastdataRun(driverLog, serde, module, guarantee, marks)));
          }
        }
        if (RUNS.has('map')) {
          const name = `bench-map-${tag}`;
          const output = `bench.enriched.${tag}`;
          topics.push(output, internalTopics(name).changelog, internalTopics(name).deadLetter);
          const mapped = mapModule(defineStream, name, input, output) as unknown as StreamModule;
          const module = { ...mapped, commitInterval: COMMIT_INTERVAL ?? mapped.commitInterval };
          results.push(await measure(driver, 'fastdata at-least-once, 1:1 map (one output per input)', (marks) => fastdataRun(driverLog, serde, module, 'at-least-once', marks)));
        }
      } finally {
        if (driverLog !== log) await driverLog.close();
      }
    }

    console.log(`\n${fmt(EVENTS)} events, ${SENSORS} sensors, ${PARTITIONS} partitions; map: commit interval ${COMMIT_INTERVAL ?? sensorStats.commitInterval} ms, outputs buffered up to ${MAX_BUFFERED ?? 5_000}\n`);
    console.log(`| driver | run | events/s | CPU µs per event | vs the driver's bare consume + decode | vs its Log consumer + decode |\n| --- | --- | --- | --- | --- | --- |`);
    const ratio = (r: Measured, run: string) => {
      const baseline = results.find((b) => b.driver === r.driver && b.run.includes(run));
      return baseline ? (r.rate / baseline.rate).toFixed(2) : '–';
    };
    for (const r of results) console.log(`| ${r.driver} | ${r.run} | ${fmt(r.rate)} | ${r.cpu.toFixed(2)} | ${ratio(r, 'bare loop, consume + decode')} | ${ratio(r, 'Log consumer + decode')} |`);
  } finally {
    for (const topic of topics) await log.deleteTopic(topic).catch(() => undefined);
    await log.close();
    if (startedHere) await stopServers({ log: (m) => console.log(`infra: ${m}`) });
  }
}

/** Consumes every record of `input` (decoding it, or sending its bytes to `output`, if asked); `mark` once the group has its partitions. */
async function bareLoop(brokers: string[], input: string, options: { marks: Marks; output?: string; decode?: InstanceType<typeof AvroSerde> }): Promise<void> {
  const { output, decode } = options;
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  if (output) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: output, numPartitions: PARTITIONS }] });
    await admin.disconnect();
    await producer.connect();
  }
  const consumer = kafka.consumer({ groupId: `bench-bare-${output ? 'copy' : decode ? 'decode' : 'read'}-${RUN}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  let seen = 0;
  let decoded = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => options.marks.start());
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1_000,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch }) => {
      if (output) {
        await producer.send({ topic: output, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, partition: batch.partition, timestamp: m.timestamp })) });
      }
      if (decode) for (const m of batch.messages) if (decode.decodeSync(m.value!) !== undefined) decoded++;
      seen += batch.messages.length;
      if (seen >= EVENTS) finish();
    },
  });
  await withTimeout(finished, 'the bare loop');
  options.marks.end();
  await consumer.disconnect();
  if (output) await producer.disconnect();
  if (decode && decoded !== EVENTS) throw new Error(`the decoding loop decoded ${decoded} of ${EVENTS} records`);
}

/** The driver's Log consumer (what the processor host reads with) decoding every record, in a group of its own; `start` once it has its partitions. */
async function logConsumerLoop(driverLog: import('../src/log/types.js').Log, input: string, serde: InstanceType<typeof AvroSerde>, marks: Marks): Promise<void> {
  const consumer = driverLog.consumer({ groupId: `bench-logread-${RUN}-${driverLog.constructor.name}`, topics: [input] });
  let decoded = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    onAssigned: async () => marks.start(),
    eachBatch: async (batch) => {
      for (const record of batch.records) if (record.value !== null && serde.decodeSync(record.value) !== undefined) decoded++;
      if (decoded >= EVENTS) finish();
    },
  });
  await withTimeout(finished, "the driver's Log consumer loop");
  marks.end();
  await consumer.stop();
  if (decoded !== EVENTS) throw new Error(`the Log consumer loop decoded ${decoded} of ${EVENTS} records`);
}

/**
 * The same loops on @platformatic/kafka's own API: its message stream (the library's way to
 * consume: a Readable of single messages, fetched ahead), offsets auto-committed every
 * second; the copy sends what arrived, a send at a time, the stream paused meanwhile.
 */
async function barePlatformaticLoop(brokers: string[], input: string, options: { marks: Marks; output?: string; decode?: InstanceType<typeof AvroSerde> }): Promise<void> {
  const { output, decode } = options;
  const client = { clientId: 'bench-bare', bootstrapBrokers: brokers };
  const producer = new PltProducer({ ...client, idempotent: true });
  if (output) {
    const admin = new PltAdmin(client);
    await admin.createTopics({ topics: [output], partitions: PARTITIONS, replicas: -1 }).catch(() => undefined);
    await admin.close();
  }
  const consumer = new PltConsumer({ ...client, groupId: `bench-bare-plt-${output ? 'copy' : decode ? 'decode' : 'read'}-${RUN}`, maxWaitTime: 200 });
  consumer.on('consumer:group:join', () => options.marks.start());
  let seen = 0;
  let sent = 0;
  let decoded = 0;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const stream = await consumer.consume({ topics: [input], mode: 'earliest', autocommit: 1_000, maxWaitTime: 200 });
  let pending: MessageToProduce[] = [];
  let sending = false;
  const flush = () => {
    if (sending || pending.length === 0) return;
    sending = true;
    const batch = pending;
    pending = [];
    stream.pause();
    producer.send({ messages: batch }).then(
      () => {
        sending = false;
        sent += batch.length;
        if (sent >= EVENTS) finish();
        stream.resume();
        if (pending.length >= 1_000 || seen >= EVENTS) flush();
      },
      (error) => fail(error),
    );
  };
  stream.on('data', (m) => {
    seen++;
    if (decode && decode.decodeSync(m.value) !== undefined) decoded++;
    if (output) {
      pending.push({ topic: output, key: m.key, value: m.value, partition: m.partition, timestamp: m.timestamp });
      if (pending.length >= 1_000 || seen >= EVENTS) flush();
    } else if (seen >= EVENTS) finish();
  });
  stream.on('error', (error) => fail(error));
  await withTimeout(finished, 'the bare platformatic loop');
  options.marks.end();
  await stream.close();
  await consumer.close(true);
  await producer.close();
  if (decode && decoded !== EVENTS) throw new Error(`the decoding loop decoded ${decoded} of ${EVENTS} records`);
}

async function fastdataRun(
  log: import('../src/log/types.js').Log,
  serde: InstanceType<typeof AvroSerde>,
  module: StreamModule,
  guarantee: 'at-least-once' | 'exactly-once',
  marks: Marks,
): Promise<void> {
  const runner = new StreamRunner(module, {
    log,
    serde,
    root: ROOT,
    defaultPartitions: PARTITIONS,
    guarantee,
    ...(MAX_BUFFERED === undefined ? {} : { maxBufferedOutputs: MAX_BUFFERED }),
    onEvent: (event) => {
      if (event.type === 'assigned') marks.start();
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
  marks.end();
  console.log(`  (${runner.status().checkpoints} checkpoints)`);
  await runner.stop();
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
