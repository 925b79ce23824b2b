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
import type { EmbeddedLog as EmbeddedLogType } from '../src/log/embedded/embedded-log.js';
import type { AvroSerde as AvroSerdeType } from '../src/schema/serde.js';
import type { StreamModule } from '../src/stream/define.js';
import type { SensorReading as Reading, SensorStats } from '../streams/types.js';
import { ensureBuilt } from '../scripts/ensure-build.js';
import { intArg } from './args.js';
import { generateReadings, mapModule } from './workload.js';

/** The project root: where the demo module's schema paths resolve. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readingSchema = JSON.parse(readFileSync(join(ROOT, 'schemas/sensor-reading.avsc'), 'utf8')) as object;

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
}

/** Runs a module until every input record is committed; returns the seconds from start to that commit. */
async function runRunner(log: EmbeddedLogType, serde: AvroSerdeType, module: StreamModule, n: number): Promise<{ seconds: number; outputs: number }> {
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
        void log.committed(module.groupId, INPUT_TOPIC).then((offsets) => {
          if (!finished && offsets.reduce((sum, o) => sum + o.offset, 0) >= n) {
            finished = true;
            settle(performance.now());
          }
        }, fail);
      }
    },
  });
  const timer = setTimeout(() => fail(new Error(`${module.name} did not commit ${n} records within ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
  const started = performance.now();
  try {
    await runner.start();
    const ended = await committed;
    const outputs = runner.status().outputs;
    return { seconds: (ended - started) / 1000, outputs };
  } finally {
    clearTimeout(timer);
    await runner.stop();
  }
}

async function logRun(root: string, records: readonly Reading[], label: string): Promise<LogRun> {
  const dir = await mkdtemp(join(root, `${label}-`));
  const log = await EmbeddedLog.open(join(dir, 'log'), { fsync: FSYNC, onWarning: (m) => console.error(`log warning: ${m}`) });
  const registry = await EmbeddedSchemaRegistry.open(join(dir, 'registry'));
  try {
    await log.createTopic({ name: INPUT_TOPIC, partitions: PARTITIONS });
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

    // Each runner has a serde of its own, as another process would (an empty schema cache).
    const stats = await runRunner(log, new AvroSerde(registry), sensorStats, records.length);
    const mapped = await runRunner(log, new AvroSerde(registry), mapModule(defineStream, 'bench-map', INPUT_TOPIC, 'bench.enriched'), records.length);
    if (mapped.outputs !== records.length) throw new Error(`the map module wrote ${mapped.outputs} records for ${records.length} inputs`);
    return { produceSeconds, statsSeconds: stats.seconds, statsOutputs: stats.outputs, mapSeconds: mapped.seconds, mapOutputs: mapped.outputs };
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
  const header = ['measurement', 'events', 'median ev/s', 'min–max ev/s', 'vs loop', 'target', 'result'];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.events),
    fmt(median(r.rates)),
    `${short(Math.min(...r.rates))}–${short(Math.max(...r.rates))}`,
    r.ratio ?? '',
    r.target ?? '',
    r.result ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 || i >= 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
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
      await logRun(root, records.slice(0, Math.min(EVENTS, Math.max(50_000, Math.floor(EVENTS / 10)))), 'warmup');
      const runs: LogRun[] = [];
      for (let rep = 0; rep < LOG_REPS; rep++) runs.push(await logRun(root, records, `rep${rep}`));
      const statsRates = runs.map((r) => EVENTS / r.statsSeconds);
      const mapRates = runs.map((r) => EVENTS / r.mapSeconds);
      const verdict = (rates: number[]) => (median(rates) >= 300_000 ? 'PASS' : 'MISS');
      rows.push(
        { name: 'c. producer: Avro encode + append', events: EVENTS, rates: runs.map((r) => EVENTS / r.produceSeconds) },
        {
          name: 'c. log + Avro: windowed aggregation',
          events: EVENTS,
          rates: statsRates,
          target: '>= 300k ev/s',
          result: verdict(statsRates),
          note: `${fmt(runs[0]!.statsOutputs)} outputs; start until every input offset is committed`,
        },
        {
          name: 'c. log + Avro: 1:1 map',
          events: EVENTS,
          rates: mapRates,
          target: '>= 300k ev/s',
          result: verdict(mapRates),
          note: `${fmt(runs[0]!.mapOutputs)} outputs (decode + encode of every record)`,
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
