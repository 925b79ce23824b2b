/**
 * Engine benchmark: how fast the stream engine runs the demo's windowed aggregation.
 *
 *   node --import tsx bench/engine.ts [--events N] [--sensors N] [--reps N] [--log-reps N] [--partitions N] [--fsync interval|never|always] [--no-log]
 *   npm run bench:engine -- --events 2000000
 *
 * Three measurements in one process, each after a warm-up, repeated, reporting the median
 * (and min–max) in events per second:
 *
 *   a. pipeline in memory: a StreamTask (the engine's core, what the runner drives) runs
 *      the demo module (streams/sensor-stats.ts) over pre-generated record objects; the
 *      watermark advances per record as in production, and processing time (for idleness)
 *      is read from the system clock once per 1,000 records, as the runner reads it once
 *      per fetched batch.
 *   b. hand-written loop: the same semantics written plainly (a Map per key of open
 *      windows, the same accumulators, windows closed as the watermark passes end + grace,
 *      the same result objects in the same order). The bench checks that (a) and (b)
 *      produce identical results before it prints any figure.
 *   c. through the embedded log with Avro: N readings pre-produced (Avro, Confluent framing)
 *      into an EmbeddedLog in a temp dir, then a StreamRunner from start until all input is
 *      committed; for the windowed aggregation and for a 1:1 map (every record decoded and
 *      encoded). The producer side (encode + append) is reported too.
 *   d. the same log and readings, two more modules, each compared with (c)'s runs of the same
 *      repetition:
 *      - per-site aggregation: keyBy site (not how the readings are partitioned, so records
 *        of a site on another partition go through the keyBy's repartition topic), the
 *        demo's window and aggregators; timed until the input and the repartition topic are
 *        both committed to their end. Its windows are checked against counts computed here.
 *      - stream-table join: each reading joined with its sensor's row of a compacted table
 *        topic (one row per sensor, co-partitioned), one output per reading; every output is
 *        read back and checked against its sensor's row.
 *      Both are read back and checked in the warm-up and the first repetition (the others
 *      run the same computation on the same input, and check their output counts). Their
 *      ratios are paired: the median over repetitions of the module's events/s over the
 *      demo module's (or the map's) in the same repetition.
 *
 * The StreamTask rather than the TestDriver is measured for (a): the driver validates each
 * output against the schema and builds a source record per input, which the runtime does
 * not do; its figure is printed as information so the difference stays visible.
 *
 * It runs the compiled package (dist/, rebuilt first when src/ is newer), as users do.
 * Loopback and temp dirs only; the temp dir is removed at the end. Never a test: nothing
 * here asserts anything about time, only about results.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { map } from 'rxjs';
import type { EmbeddedLog as EmbeddedLogType } from '../src/log/embedded/embedded-log.js';
import type { AvroSerde as AvroSerdeType } from '../src/schema/serde.js';
import type { StreamModule } from '../src/stream/define.js';
import type { SensorReading as Reading, SensorMetadata, SensorStats } from '../streams/types.js';
import { ensureBuilt } from '../scripts/ensure-build.js';
import { intArg } from './args.js';
import { generateReadings, mapModule } from './workload.js';

/** The project root: where the demo module's schema paths resolve. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readingSchema = JSON.parse(readFileSync(join(ROOT, 'schemas/sensor-reading.avsc'), 'utf8')) as object;
const metadataSchema = JSON.parse(readFileSync(join(ROOT, 'schemas/sensor-metadata.avsc'), 'utf8')) as object;

// ---------------------------------------------------------------------------------------
// The runtime, as users run it: the compiled package in dist/, which the demo module's
// `import ... from 'fastdata'` loads. Importing src/ here as well would put a second copy
// of fastdata in the process (and measure tsx's transform of it); so the bench rebuilds
// dist/ first when a source file is newer, and takes everything from there. Types come
// from src/ (erased at run time), so type-checking needs no build.

ensureBuilt(ROOT, (message) => console.log(`${message} ...`));
const fromDist = (path: string) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const { EmbeddedLog } = (await fromDist('log/embedded/embedded-log.js')) as typeof import('../src/log/embedded/embedded-log.js');
const { EmbeddedSchemaRegistry } = (await fromDist('schema/embedded-registry.js')) as typeof import('../src/schema/embedded-registry.js');
const { AvroSerde } = (await fromDist('schema/serde.js')) as typeof import('../src/schema/serde.js');
const { defineStream } = (await fromDist('stream/define.js')) as typeof import('../src/stream/define.js');
const { StreamRunner } = (await fromDist('stream/runner.js')) as typeof import('../src/stream/runner.js');
const { StreamTask } = (await fromDist('stream/task.js')) as typeof import('../src/stream/task.js');
const { TaskEventTime } = (await fromDist('stream/host/event-time.js')) as typeof import('../src/stream/host/event-time.js');
const { moduleTimeSpec } = (await fromDist('stream/module-time.js')) as typeof import('../src/stream/module-time.js');
const { TestDriver } = (await fromDist('testing/driver.js')) as typeof import('../src/testing/driver.js');
const { partitionForStringKey } = (await fromDist('log/partitioner.js')) as typeof import('../src/log/partitioner.js');
const { aggregate, count, joinTable, keyBy, max, mean, min, stddev, tumbling } = (await fromDist('index.js')) as typeof import('../src/index.js');
const { systemClock } = (await fromDist('time/clock.js')) as typeof import('../src/time/clock.js');
const sensorStats = (await import('../streams/sensor-stats.js')).default as unknown as StreamModule<{ readings: Reading }, SensorStats>;

// ---------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    sensors: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '5' },
    'log-reps': { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
    fsync: { type: 'string', default: 'interval' },
    'no-log': { type: 'boolean', default: false },
  },
});


const EVENTS = intArg('events', args.events, 1_000, 20_000_000);
const SENSORS = intArg('sensors', args.sensors, 1, 100_000);
const REPS = intArg('reps', args.reps, 1, 50);
const LOG_REPS = intArg('log-reps', args['log-reps'], 1, 20);
const PARTITIONS = intArg('partitions', args.partitions, 1, 64);
const FSYNC = args.fsync as 'interval' | 'never' | 'always';
if (!['interval', 'never', 'always'].includes(FSYNC)) {
  console.error(`--fsync must be interval, never or always, got ${JSON.stringify(args.fsync)}`);
  process.exit(2);
}
/** A runner that has not committed everything by then is reported as failed, not waited for. */
const RUN_TIMEOUT_MS = Math.max(60_000, (EVENTS / 20_000) * 1000);

// ---------------------------------------------------------------------------------------
// The data: the demo's sensor readings, in event-time order with a little jitter


const T0 = Date.UTC(2025, 0, 1);

// ---------------------------------------------------------------------------------------
// The modules: the demo's sensor-stats, and a 1:1 map

// The demo module (streams/sensor-stats.ts): keyBy sensorId, tumbling 1m, grace 10s, emit
// final, count and mean/min/max/stddev of the temperature and mean humidity. The loop
// below hard-codes the same window.
const WINDOW_MS = 60_000;
const GRACE_MS = 10_000;

// ---------------------------------------------------------------------------------------
// (a) the pipeline in memory

interface Emitted {
  value: SensorStats;
  timestamp: number;
}

/** Records per processing-time read in (a): the runner reads the clock once per fetched batch (up to 10,000). */
const BATCH = 1_000;

function runPipeline(module: StreamModule, records: readonly Reading[]): { outputs: Emitted[]; deadLetters: number } {
  const outputs: Emitted[] = [];
  let deadLetters = 0;
  const task = new StreamTask(module, 0, systemClock, {
    output: (value, timestamp) => outputs.push({ value: value as SensorStats, timestamp }),
    deadLetter: () => deadLetters++,
    warn: () => {},
  });
  task.start();
  // Event time and the watermark as the processor host keeps them: a lane per input partition.
  const topic = module.inputs[0]!.topic;
  const lane = new TaskEventTime(moduleTimeSpec(module), [{ topic, partition: 0 }], systemClock).lane(topic, 0)!;
  const source = { topic, partition: 0, offset: 0, timestamp: 0, key: null, value: null, headers: {} };
  let receivedAt = 0;
  for (let i = 0; i < records.length; i++) {
    if (i % BATCH === 0) receivedAt = systemClock.now();
    const value = records[i];
    const time = lane.eventTime(value, source) as number;
    task.process('readings', value, source, time);
    const watermark = lane.observe(time, receivedAt);
    if (watermark !== undefined) task.advanceWatermark(watermark);
  }
  task.stop();
  return { outputs, deadLetters };
}

async function runDriver(module: StreamModule<{ readings: Reading }, SensorStats>, records: readonly Reading[]): Promise<number> {
  const driver = await TestDriver.create(module, { root: ROOT });
  for (let i = 0; i < records.length; i++) driver.pipe('readings', records[i]!);
  return driver.readOutputs().length;
}

// ---------------------------------------------------------------------------------------
// (b) the hand-written loop

/** One open window of one sensor, with the same accumulators as the aggregators use. */
interface LoopWindow {
  key: string;
  start: number;
  end: number;
  closeAt: number;
  count: number;
  /** mean(): [count, running mean] */
  tN: number;
  tMean: number;
  /** min() / max(): null before any value */
  tMin: number | null;
  tMax: number | null;
  /** stddev(): Welford's [count, mean, M2] */
  sN: number;
  sMean: number;
  sM2: number;
  hN: number;
  hMean: number;
}

const usable = (x: unknown): x is number => typeof x === 'number' && x - x === 0;

/**
 * The same semantics as the pipeline, written plainly: a Map per key of its open windows,
 * windows bucketed by the watermark at which they close, closed in (close time, creation)
 * order as the watermark (max event time, lateness 0) passes end + grace; late records are
 * counted. The result objects are the pipeline's, field for field.
 */
function runLoop(records: readonly Reading[]): { outputs: Emitted[]; deadLetters: number } {
  const outputs: Emitted[] = [];
  let deadLetters = 0;
  const open = new Map<string, LoopWindow[]>();
  const closing = new Map<number, LoopWindow[]>();
  const closeTimes: number[] = []; // ascending
  let maxTime = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;

  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const key = r.sensorId;
    const t = r.ts;
    const start = t - (((t % WINDOW_MS) + WINDOW_MS) % WINDOW_MS);
    const end = start + WINDOW_MS;
    if (end + GRACE_MS <= watermark) {
      deadLetters++;
    } else {
      let windows = open.get(key);
      if (windows === undefined) {
        windows = [];
        open.set(key, windows);
      }
      let w: LoopWindow | undefined;
      for (let j = 0; j < windows.length; j++) if (windows[j]!.start === start) w = windows[j];
      if (w === undefined) {
        w = { key, start, end, closeAt: end + GRACE_MS, count: 0, tN: 0, tMean: 0, tMin: null, tMax: null, sN: 0, sMean: 0, sM2: 0, hN: 0, hMean: 0 };
        windows.push(w);
        let bucket = closing.get(w.closeAt);
        if (bucket === undefined) {
          bucket = [];
          closing.set(w.closeAt, bucket);
          let k = closeTimes.length;
          closeTimes.push(w.closeAt);
          while (k > 0 && closeTimes[k - 1]! > w.closeAt) {
            closeTimes[k] = closeTimes[k - 1]!;
            k--;
          }
          closeTimes[k] = w.closeAt;
        }
        bucket.push(w);
      }
      w.count++;
      const temperature = r.temperature;
      if (usable(temperature)) {
        const tn = ++w.tN;
        w.tMean += (temperature - w.tMean) / tn;
        if (w.tMin === null || temperature < w.tMin) w.tMin = temperature;
        if (w.tMax === null || temperature > w.tMax) w.tMax = temperature;
        const n = ++w.sN;
        const delta = temperature - w.sMean;
        w.sMean += delta / n;
        w.sM2 += delta * (temperature - w.sMean);
      }
      const humidity = r.humidity;
      if (usable(humidity)) {
        const hn = ++w.hN;
        w.hMean += (humidity - w.hMean) / hn;
      }
    }
    // The watermark moves after the record, as in the task.
    if (t > maxTime) maxTime = t;
    if (maxTime > watermark) {
      watermark = maxTime;
      while (closeTimes.length > 0 && closeTimes[0]! <= watermark) {
        const closeAt = closeTimes.shift()!;
        for (const w of closing.get(closeAt)!) {
          const windows = open.get(w.key)!;
          windows.splice(windows.indexOf(w), 1);
          if (windows.length === 0) open.delete(w.key);
          outputs.push({
            value: {
              sensorId: w.key,
              windowStart: w.start,
              windowEnd: w.end,
              count: w.count,
              meanTemperature: w.tN === 0 ? Number.NaN : w.tMean,
              minTemperature: w.tMin ?? Number.NaN,
              maxTemperature: w.tMax ?? Number.NaN,
              stddevTemperature: w.sN === 0 ? Number.NaN : Math.sqrt(w.sM2 / w.sN),
              meanHumidity: w.hN === 0 ? Number.NaN : w.hMean,
            },
            timestamp: w.end,
          });
        }
        closing.delete(closeAt);
      }
    }
  }
  return { outputs, deadLetters };
}

/** The first difference between two result lists, or undefined when they are identical. */
function difference(a: readonly Emitted[], b: readonly Emitted[]): string | undefined {
  if (a.length !== b.length) return `${a.length} results against ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Object.is(x.timestamp, y.timestamp)) return `result ${i}: timestamp ${x.timestamp} against ${y.timestamp}`;
    const keys = Object.keys(x.value);
    const otherKeys = Object.keys(y.value);
    if (keys.join() !== otherKeys.join()) return `result ${i}: fields ${keys.join()} against ${otherKeys.join()}`;
    for (const k of keys) {
      const u = (x.value as unknown as Record<string, unknown>)[k];
      const v = (y.value as unknown as Record<string, unknown>)[k];
      if (!Object.is(u, v)) return `result ${i} (${x.value.sensorId} @ ${x.value.windowStart}): ${k} = ${String(u)} against ${String(v)}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// (c) through the embedded log with Avro

const INPUT_TOPIC = sensorStats.inputs[0]!.topic;
const PRODUCE_BATCH = 1_000;

interface LogRun {
  produceSeconds: number;
  statsSeconds: number;
  statsOutputs: number;
  mapSeconds: number;
  mapOutputs: number;
  siteSeconds: number;
  siteOutputs: number;
  /** Readings that went through the repartition topic, and the watermark markers beside them. */
  forwarded: number;
  markers: number;
  /** Seconds from the end of (d)'s timed span until the last window the input can close was out. */
  siteLastWindowAfter: number;
  joinSeconds: number;
  joinOutputs: number;
}

interface RunnerOptions {
  /** Also done only when this says so (checked after every input offset is committed, at each checkpoint). */
  drained?: () => Promise<boolean>;
  /** Outputs to wait for after the timed span, before the runner stops (not timed); at most 10 s. */
  awaitOutputs?: number;
}

/**
 * Runs a module until every input record is committed (and `drained`, when given); returns
 * the seconds from start to that commit, and the seconds it then took for `awaitOutputs`.
 */
async function runRunner(
  log: EmbeddedLogType,
  serde: AvroSerdeType,
  module: StreamModule,
  n: number,
  options: RunnerOptions = {},
): Promise<{ seconds: number; outputs: number; awaited: number }> {
  let settle!: (value: number) => void;
  let fail!: (error: unknown) => void;
  const committed = new Promise<number>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  let finished = false;
  const runner = new StreamRunner(module, {
    log,
    serde,
    root: ROOT,
    defaultPartitions: PARTITIONS,
    onEvent: (event) => {
      if (event.type === 'failed') fail(event.error);
      if (event.type === 'dead-letter') fail(new Error(`unexpected dead letter (${event.reason}): ${event.message}`));
      if (event.type === 'checkpoint' && !finished) {
        // Checked right after the commit, so the time is that of the commit.
        const at = performance.now();
        void log
          .committed(module.groupId, INPUT_TOPIC)
          .then(async (offsets) => {
            if (finished || offsets.reduce((sum, o) => sum + o.offset, 0) < n) return;
            if (options.drained !== undefined && !(await options.drained())) return;
            if (!finished) {
              finished = true;
              settle(at);
            }
          })
          .catch(fail);
      }
    },
  });
  const timer = setTimeout(() => fail(new Error(`${module.name} did not commit ${n} records within ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
  const started = performance.now();
  try {
    await runner.start();
    const ended = await committed;
    let awaited = 0;
    if (options.awaitOutputs !== undefined) {
      const deadline = performance.now() + 10_000;
      while (runner.status().outputs < options.awaitOutputs && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      awaited = (performance.now() - ended) / 1000;
    }
    const outputs = runner.status().outputs;
    return { seconds: (ended - started) / 1000, outputs, awaited };
  } finally {
    clearTimeout(timer);
    await runner.stop();
  }
}

// ---------------------------------------------------------------------------------------
// (d) per-site aggregation (repartitioned) and stream-table join, through the same log

/** One site's minute: the demo's aggregators, keyed by site. */
interface SiteMinute {
  site: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  meanTemperature: number;
  minTemperature: number;
  maxTemperature: number;
  stddevTemperature: number;
  meanHumidity: number;
}

const siteMinuteSchema = {
  type: 'record',
  name: 'SiteMinute',
  namespace: 'bench',
  fields: [
    { name: 'site', type: 'string' },
    { name: 'windowStart', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'windowEnd', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'count', type: 'long' },
    { name: 'meanTemperature', type: 'double' },
    { name: 'minTemperature', type: 'double' },
    { name: 'maxTemperature', type: 'double' },
    { name: 'stddevTemperature', type: 'double' },
    { name: 'meanHumidity', type: 'double' },
  ],
};

/**
 * The demo module with another key: per site instead of per sensor, with no `partitioned`
 * claim, so the runtime repartitions (the readings are keyed by sensor, and each site's
 * sensors are on every partition). Window, watermark and aggregators are sensor-stats'.
 */
const siteModule = defineStream<{ readings: Reading }, SiteMinute>({
  name: 'bench-site-stats',
  inputs: { readings: INPUT_TOPIC },
  output: { topic: 'bench.site-stats', schema: siteMinuteSchema, key: (s) => s.site },
  eventTime: (r) => r.ts,
  watermark: { lateness: 0, idleTimeout: '15s' },
  pipeline: ({ readings }) =>
    readings.pipe(
      keyBy((r) => r.site, { name: 'by-site' }),
      tumbling('1m', { grace: '10s', emit: 'final' }),
      aggregate(
        {
          count: count(),
          meanTemperature: mean((r) => r.temperature),
          minTemperature: min((r) => r.temperature),
          maxTemperature: max((r) => r.temperature),
          stddevTemperature: stddev((r) => r.temperature),
          meanHumidity: mean((r) => r.humidity),
        },
        { name: 'minute' },
      ),
      map(({ key, ...stats }): SiteMinute => ({ site: key, ...stats })),
    ),
}) as unknown as StreamModule;
const REPARTITION_TOPIC = 'fastdata.bench-site-stats.by-site.repartition';

/** What the per-site windows must be, from the readings: the count of every site-minute, and which of them the input's watermark closes. */
interface SiteTruth {
  counts: Map<string, number>;
  /** The windows whose end + grace the final watermark reaches: the lowest, over the input partitions, of their latest event time. */
  closed: Set<string>;
  /** Readings whose site belongs to another partition than their sensor: what goes through the repartition topic. */
  forwarded: number;
}

const windowId = (site: string, start: number) => `${site}@${start}`;

function siteTruth(records: readonly Reading[]): SiteTruth {
  const counts = new Map<string, number>();
  const latest = new Array<number>(PARTITIONS).fill(Number.NEGATIVE_INFINITY);
  let forwarded = 0;
  for (const r of records) {
    const start = r.ts - (((r.ts % WINDOW_MS) + WINDOW_MS) % WINDOW_MS);
    const id = windowId(r.site, start);
    counts.set(id, (counts.get(id) ?? 0) + 1);
    const p = partitionForStringKey(r.sensorId, PARTITIONS);
    if (r.ts > latest[p]!) latest[p] = r.ts;
    if (partitionForStringKey(r.site, PARTITIONS) !== p) forwarded++;
  }
  const watermark = Math.min(...latest);
  const closed = new Set([...counts.keys()].filter((id) => Number(id.slice(id.indexOf('@') + 1)) + WINDOW_MS + GRACE_MS <= watermark));
  return { counts, closed, forwarded };
}

/** Every window the input closes is there once with the right count; any other is right too (none partial, none twice). */
function checkSites(out: readonly SiteMinute[], truth: SiteTruth): void {
  const seen = new Set<string>();
  for (const w of out) {
    const id = windowId(w.site, w.windowStart);
    if (seen.has(id)) throw new Error(`per-site: window ${id} came out twice`);
    seen.add(id);
    const expected = truth.counts.get(id);
    if (expected !== w.count) throw new Error(`per-site: window ${id} counted ${w.count} readings, the input has ${expected ?? 0}`);
  }
  const missing = [...truth.closed].filter((id) => !seen.has(id));
  if (missing.length > 0) throw new Error(`per-site: ${missing.length} of ${truth.closed.size} closed windows missing, e.g. ${missing.slice(0, 3).join(', ')}`);
}

/** What the join writes for every reading: the reading and its sensor's row. */
interface Joined {
  sensorId: string;
  ts: number;
  temperature: number;
  humidity: number;
  site: string;
  location: string;
  model: string;
  limit: number;
}

const joinedSchema = {
  type: 'record',
  name: 'JoinedReading',
  namespace: 'bench',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'temperature', type: 'double' },
    { name: 'humidity', type: 'double' },
    { name: 'site', type: 'string' },
    { name: 'location', type: 'string' },
    { name: 'model', type: 'string' },
    { name: 'limit', type: 'double' },
  ],
};

const META_TOPIC = 'bench.sensor-metadata';

/** The readings enriched with their sensor's row; keyed by sensor like the table, so no repartition. */
const joinModule = defineStream<{ readings: Reading }, Joined, { meta: SensorMetadata }>({
  name: 'bench-join',
  inputs: { readings: INPUT_TOPIC },
  tables: { meta: META_TOPIC },
  output: { topic: 'bench.joined', schema: joinedSchema, key: (j) => j.sensorId },
  eventTime: (r) => r.ts,
  pipeline: ({ readings }, { meta }) =>
    readings.pipe(
      keyBy((r) => r.sensorId, { partitioned: 'input' }),
      joinTable(meta, (r, row) => ({
        sensorId: r.sensorId,
        ts: r.ts,
        temperature: r.temperature,
        humidity: r.humidity,
        site: row.site,
        location: row.location,
        model: row.model,
        limit: row.maxTemperature,
      })),
    ),
}) as unknown as StreamModule;

/** One row per sensor of the readings, each different (location, model, limit depend on the sensor). */
function metadataRows(records: readonly Reading[]): SensorMetadata[] {
  const sites = new Map<string, string>();
  for (const r of records) if (!sites.has(r.sensorId)) sites.set(r.sensorId, r.site);
  return [...sites].map(([sensorId, site], i) => ({
    sensorId,
    site,
    location: `${site} / hall ${1 + (i % 7)} / bay ${i}`,
    model: `TH-${100 + (i % 5) * 100}`,
    installedAt: T0 - (i + 1) * 3_600_000,
    maxTemperature: 30 + (i % 17),
  }));
}

/** Reads every record of `topic` (to the end it has now) into `each`; returns how many. */
async function readTopic(log: EmbeddedLogType, topic: string, each: (value: Buffer | null) => void): Promise<number> {
  let n = 0;
  const reader = log.reader({ topic, from: 'earliest', stopAtEnd: true });
  try {
    for await (const batch of reader) {
      for (const record of batch.records) each(record.value);
      n += batch.records.length;
    }
  } finally {
    await reader.close();
  }
  return n;
}

/** Decodes a topic's Avro values (one writer schema, fetched once). */
async function decodeAll<T>(log: EmbeddedLogType, serde: AvroSerdeType, topic: string): Promise<T[]> {
  const values: Buffer[] = [];
  await readTopic(log, topic, (v) => v !== null && values.push(v));
  if (values.length > 0) await serde.decode(values[0]!);
  return values.map((v) => serde.decodeSync(v) as T);
}

/** One output per reading, each with its own sensor's row: per sensor, as many outputs and the same event times as readings. */
async function checkJoin(log: EmbeddedLogType, serde: AvroSerdeType, records: readonly Reading[], rows: readonly SensorMetadata[]): Promise<void> {
  const bySensor = new Map(rows.map((row) => [row.sensorId, row]));
  const expected = new Map<string, { n: number; ts: number }>();
  for (const r of records) {
    const e = expected.get(r.sensorId) ?? { n: 0, ts: 0 };
    e.n++;
    e.ts += r.ts - T0;
    expected.set(r.sensorId, e);
  }
  const out = await decodeAll<Joined>(log, serde, joinModule.output.topic);
  if (out.length !== records.length) throw new Error(`join: ${out.length} outputs for ${records.length} readings`);
  for (const j of out) {
    const row = bySensor.get(j.sensorId);
    if (row === undefined || j.site !== row.site || j.location !== row.location || j.model !== row.model || j.limit !== row.maxTemperature) {
      throw new Error(`join: output of ${j.sensorId} at ${j.ts} has row ${JSON.stringify([j.site, j.location, j.model, j.limit])}, expected ${JSON.stringify(row)}`);
    }
    const e = expected.get(j.sensorId)!;
    e.n--;
    e.ts -= j.ts - T0;
  }
  for (const [sensorId, e] of expected) if (e.n !== 0 || e.ts !== 0) throw new Error(`join: the outputs of ${sensorId} are not its readings (${e.n} count, ${e.ts} ms of event time off)`);
}

/** What (d) checks a run against, computed once per set of readings. */
interface Expected {
  sites: SiteTruth;
  rows: SensorMetadata[];
}

const expectations = new WeakMap<readonly Reading[], Expected>();
function expectedOf(records: readonly Reading[]): Expected {
  let e = expectations.get(records);
  if (e === undefined) expectations.set(records, (e = { sites: siteTruth(records), rows: metadataRows(records) }));
  return e;
}

/**
 * One repetition of (c) and (d) on a fresh log. `check`: read (d)'s outputs and repartition
 * topic back and check them (the warm-up and the first repetition; the others, the same
 * computation on the same input, check their output counts).
 */
async function logRun(root: string, records: readonly Reading[], label: string, check: boolean): Promise<LogRun> {
  const expected = expectedOf(records);
  const dir = await mkdtemp(join(root, `${label}-`));
  const log = await EmbeddedLog.open(join(dir, 'log'), { fsync: FSYNC, onWarning: (m) => console.error(`log warning: ${m}`) });
  const registry = await EmbeddedSchemaRegistry.open(join(dir, 'registry'));
  try {
    await log.createTopic({ name: INPUT_TOPIC, partitions: PARTITIONS });
    await log.createTopic({ name: META_TOPIC, partitions: PARTITIONS, config: { cleanupPolicy: 'compact' } });
    // The producer side: Avro encode (Confluent framing) and append, in batches of 1,000.
    const producerSerde = new AvroSerde(registry);
    const encoder = await producerSerde.encoderFor(`${INPUT_TOPIC}-value`, readingSchema);
    const produceStart = performance.now();
    for (let from = 0; from < records.length; from += PRODUCE_BATCH) {
      const batch = [];
      const to = Math.min(records.length, from + PRODUCE_BATCH);
      for (let i = from; i < to; i++) {
        const r = records[i]!;
        batch.push({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts });
      }
      await log.produce(INPUT_TOPIC, batch);
    }
    const produceSeconds = (performance.now() - produceStart) / 1000;
    // (d)'s table: one row per sensor, keyed (so partitioned) by sensor like the readings.
    const metaEncoder = await producerSerde.encoderFor(`${META_TOPIC}-value`, metadataSchema);
    await log.produce(META_TOPIC, expected.rows.map((row) => ({ key: row.sensorId, value: metaEncoder.encode(row), timestamp: row.installedAt })));

    // Each runner has a serde of its own, as another process would (an empty schema cache).
    const stats = await runRunner(log, new AvroSerde(registry), sensorStats, records.length);
    const mapped = await runRunner(log, new AvroSerde(registry), mapModule(defineStream, 'bench-map', INPUT_TOPIC, 'bench.enriched'), records.length);
    if (mapped.outputs !== records.length) throw new Error(`the map module wrote ${mapped.outputs} records for ${records.length} inputs`);

    // (d) per site: done when the input and the repartition topic are committed to their end
    // (the end it has once the input is: every forward is written before its input's commit).
    const site = await runRunner(log, new AvroSerde(registry), siteModule, records.length, {
      drained: async () => {
        const [ends, committed] = await Promise.all([log.offsets(REPARTITION_TOPIC), log.committed(siteModule.groupId, REPARTITION_TOPIC)]);
        return ends.every((e) => (committed.find((c) => c.partition === e.partition)?.offset ?? 0) >= e.end);
      },
      // The last windows close when the tasks' last watermark markers have gone round.
      awaitOutputs: expected.sites.closed.size,
    });
    if (site.outputs < expected.sites.closed.size) throw new Error(`per-site: ${site.outputs} windows out, the input closes ${expected.sites.closed.size}`);
    let forwarded = Number.NaN;
    let markers = Number.NaN;
    if (check) {
      checkSites(await decodeAll<SiteMinute>(log, new AvroSerde(registry), siteModule.output.topic), expected.sites);
      forwarded = 0;
      markers = (await readTopic(log, REPARTITION_TOPIC, (v) => v !== null && forwarded++)) - forwarded;
      if (forwarded !== expected.sites.forwarded) throw new Error(`per-site: ${forwarded} readings went through ${REPARTITION_TOPIC}, expected ${expected.sites.forwarded}`);
    }

    const joined = await runRunner(log, new AvroSerde(registry), joinModule, records.length);
    if (joined.outputs !== records.length) throw new Error(`the join module wrote ${joined.outputs} records for ${records.length} inputs`);
    if (check) await checkJoin(log, new AvroSerde(registry), records, expected.rows);

    return {
      produceSeconds,
      statsSeconds: stats.seconds,
      statsOutputs: stats.outputs,
      mapSeconds: mapped.seconds,
      mapOutputs: mapped.outputs,
      siteSeconds: site.seconds,
      siteOutputs: site.outputs,
      forwarded,
      markers,
      siteLastWindowAfter: site.awaited,
      joinSeconds: joined.seconds,
      joinOutputs: joined.outputs,
    };
  } finally {
    await log.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// Reporting

interface Row {
  name: string;
  events: number;
  rates: number[];
  ratio?: string;
  /** (c), (d): the median over repetitions of this run's events/s over the demo module's (c) / the 1:1 map's (c) in the same repetition. */
  vsDemo?: string;
  vsMap?: string;
  target?: string;
  result?: string;
  note?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const short = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);

function printTable(rows: Row[]): void {
  const header = ['measurement', 'events', 'median ev/s', 'min–max ev/s', 'vs loop', 'vs demo', 'vs map', 'target', 'result'];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.events),
    fmt(median(r.rates)),
    `${short(Math.min(...r.rates))}–${short(Math.max(...r.rates))}`,
    r.ratio ?? '',
    r.vsDemo ?? '',
    r.vsMap ?? '',
    r.target ?? '',
    r.result ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 || i >= 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(row(l));
  for (const r of rows) if (r.note) console.log(`  ${r.name}: ${r.note}`);
}

async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(`fastdata engine bench — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${process.platform}/${process.arch}`);
  console.log(
    `module ${sensorStats.name} (streams/sensor-stats.ts); events ${fmt(EVENTS)}, sensors ${fmt(SENSORS)}; reps ${REPS} in memory, ${LOG_REPS} through the log ` +
      `(${PARTITIONS} partitions, fsync ${FSYNC})`,
  );
  const records = generateReadings(EVENTS, SENSORS, T0);
  const module = sensorStats;

  // Same inputs, same outputs: checked before any figure is printed.
  const fromPipeline = runPipeline(module, records);
  const fromLoop = runLoop(records);
  const diff = difference(fromPipeline.outputs, fromLoop.outputs);
  if (diff !== undefined) throw new Error(`the pipeline and the hand-written loop disagree: ${diff}`);
  if (fromPipeline.deadLetters !== fromLoop.deadLetters) throw new Error(`dead letters: pipeline ${fromPipeline.deadLetters}, loop ${fromLoop.deadLetters}`);
  if (fromPipeline.outputs.length === 0) throw new Error('no window closed: give more events');
  console.log(`results: pipeline and loop agree on ${fmt(fromPipeline.outputs.length)} window results (${fromPipeline.deadLetters} late)\n`);

  // Warm-up (the comparison run above was one too), then alternate the two so drift hits both.
  runPipeline(module, records);
  runLoop(records);
  const pipelineRates: number[] = [];
  const loopRates: number[] = [];
  const driverRates: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let outs = 0;
    pipelineRates.push(EVENTS / (await time(() => (outs = runPipeline(module, records).outputs.length))));
    if (outs !== fromLoop.outputs.length) throw new Error(`pipeline rep ${rep}: ${outs} results`);
    loopRates.push(EVENTS / (await time(() => (outs = runLoop(records).outputs.length))));
    if (outs !== fromLoop.outputs.length) throw new Error(`loop rep ${rep}: ${outs} results`);
  }
  await runDriver(module, records);
  for (let rep = 0; rep < Math.min(REPS, 3); rep++) driverRates.push(EVENTS / (await time(() => runDriver(module, records))));

  const ratio = median(pipelineRates) / median(loopRates);
  const rows: Row[] = [
    {
      name: 'a. pipeline in memory (StreamTask)',
      events: EVENTS,
      rates: pipelineRates,
      ratio: ratio.toFixed(2),
      target: '>= 1M ev/s; >= 0.50 of loop',
      result: `${median(pipelineRates) >= 1e6 ? 'PASS' : 'MISS'} / ${ratio >= 0.5 ? 'PASS' : 'MISS'}`,
    },
    { name: 'b. hand-written loop (baseline)', events: EVENTS, rates: loopRates, ratio: '1.00' },
    {
      name: '   pipeline via TestDriver (info)',
      events: EVENTS,
      rates: driverRates,
      ratio: (median(driverRates) / median(loopRates)).toFixed(2),
      note: undefined,
    },
  ];

  if (!args['no-log']) {
    const root = await mkdtemp(join(tmpdir(), 'fastdata-bench-'));
    try {
      // Warm-up through the log with a tenth of the events (at least 50,000).
      await logRun(root, records.slice(0, Math.min(EVENTS, Math.max(50_000, Math.floor(EVENTS / 10)))), 'warmup', true);
      const runs: LogRun[] = [];
      for (let rep = 0; rep < LOG_REPS; rep++) runs.push(await logRun(root, records, `rep${rep}`, rep === 0));
      const statsRates = runs.map((r) => EVENTS / r.statsSeconds);
      const mapRates = runs.map((r) => EVENTS / r.mapSeconds);
      const siteRates = runs.map((r) => EVENTS / r.siteSeconds);
      const joinRates = runs.map((r) => EVENTS / r.joinSeconds);
      const verdict = (rates: number[]) => (median(rates) >= 300_000 ? 'PASS' : 'MISS');
      // Paired by repetition: each run against the demo module's (and the map's) run on the same log, just before it.
      const against = (seconds: (r: LogRun) => number, baseline: (r: LogRun) => number) => median(runs.map((r) => baseline(r) / seconds(r))).toFixed(2);
      const run0 = runs[0]!;
      const sites = expectedOf(records).sites;
      rows.push(
        { name: 'c. producer: Avro encode + append', events: EVENTS, rates: runs.map((r) => EVENTS / r.produceSeconds) },
        {
          name: 'c. log + Avro: windowed aggregation',
          events: EVENTS,
          rates: statsRates,
          vsDemo: '1.00',
          vsMap: against((r) => r.statsSeconds, (r) => r.mapSeconds),
          target: '>= 300k ev/s',
          result: verdict(statsRates),
          note: `${fmt(run0.statsOutputs)} outputs; start until every input offset is committed`,
        },
        {
          name: 'c. log + Avro: 1:1 map',
          events: EVENTS,
          rates: mapRates,
          vsDemo: against((r) => r.mapSeconds, (r) => r.statsSeconds),
          vsMap: '1.00',
          target: '>= 300k ev/s',
          result: verdict(mapRates),
          note: `${fmt(run0.mapOutputs)} outputs (decode + encode of every record)`,
        },
        {
          name: 'd. log + Avro: per site, repartitioned',
          events: EVENTS,
          rates: siteRates,
          vsDemo: against((r) => r.siteSeconds, (r) => r.statsSeconds),
          note:
            `${fmt(run0.siteOutputs)} outputs, every site-minute the input closes (${fmt(sites.closed.size)}) once with the bench's count (read back in the first repetition); ` +
            `${fmt(run0.forwarded)} readings (${((100 * run0.forwarded) / EVENTS).toFixed(0)}%) through ${REPARTITION_TOPIC}, plus ${fmt(run0.markers)} watermark markers; ` +
            `start until the input and the repartition topic are committed; the last window out ${median(runs.map((r) => r.siteLastWindowAfter)).toFixed(2)} s after that (median)`,
        },
        {
          name: 'd. log + Avro: stream-table join',
          events: EVENTS,
          rates: joinRates,
          vsDemo: against((r) => r.joinSeconds, (r) => r.statsSeconds),
          vsMap: against((r) => r.joinSeconds, (r) => r.mapSeconds),
          note: `${fmt(run0.joinOutputs)} outputs, in the first repetition each read back with its sensor's row (table of ${fmt(expectedOf(records).rows.length)} rows, ${PARTITIONS} partitions)`,
        },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
  printTable(rows);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
