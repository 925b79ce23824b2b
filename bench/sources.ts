/**
 * Sources benchmark: records per second into the embedded log through each way in, beside
 * the raw append rate of the same log in the same run (the ceiling), with their ratio.
 *
 *   node --import tsx bench/sources.ts [--records N] [--batch B] [--clients C] [--mqtt M]
 *   npm run bench:sources -- --records 1000000 --mqtt 50000
 *
 *   a. raw append: the records encoded beforehand (Avro, Confluent framing), produced in
 *      calls of `--batch` records: what the log itself takes.
 *   b. HTTP ingest: `POST /api/ingest/<topic>` on a real server on 127.0.0.1:0, JSON arrays
 *      of `--batch` records from `--clients` concurrent clients over loopback; every record
 *      parsed, checked against the registered schema, encoded and written (202 = durable).
 *   c. `fastdata produce <topic> <file>`: the command in a process of its own on a JSON
 *      lines file, writing a data dir no other process holds (its start-up included).
 *   d. a `file` source on a CSV file, e. on a JSON lines file: read once at full speed,
 *      every line parsed, typed, checked, encoded and written, its position saved after
 *      each batch (sources/run/file-source.ts), in this process.
 *   f. an `mqtt` source subscribed at QoS 1 to a real Mosquitto (the Debian package) on
 *      127.0.0.1, `--mqtt` messages published at QoS 1 by device processes; every message
 *      acknowledged to the broker only once durable in the log. f1 drains what the broker
 *      kept for the source's session while it was stopped (the source's own rate); f2 reads
 *      live from two devices. Skipped, saying so, without /usr/sbin/mosquitto.
 *
 * Each part writes to a topic of its own in a fresh embedded log (temp dir, fsync as the
 * default `dev` config: never), and counts what the log holds afterwards. Bounded by
 * `--records`; nothing asserts anything about time: it prints figures and ratios. The
 * issue's targets: HTTP ingest 50k records/s in batches of 500; file sources and produce
 * 200k records/s of small CSV or JSON lines.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedLog } from '../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../src/schema/embedded-registry.js';
import { AvroSerde } from '../src/schema/serde.js';
import { startServer } from '../src/serve/server.js';
import { RecordIngest } from '../src/sources/record-ingest.js';
import { FileSource } from '../src/sources/run/file-source.js';
import { MqttSource } from '../src/sources/run/mqtt-source.js';
import { Mosquitto, mosquittoSkipReason } from '../test/helpers/mosquitto.js';
import { intArg } from './args.js';

/** Parts d and e: a declared file source read once; records/s from its start to its end. */
async function fileSource(log: EmbeddedLog, registry: EmbeddedSchemaRegistry, serde: AvroSerde, dir: string, format: 'csv' | 'jsonl'): Promise<{ rate: number; count: number }> {
  const path = join(dir, `records.${format}`);
  const lines: string[] = format === 'csv' ? ['sensorId,ts,temperature,humidity'] : [];
  for (let i = 0; i < RECORDS; i++) {
    const r = reading(i);
    lines.push(format === 'csv' ? `${r.sensorId},${r.ts},${r.temperature},${r.humidity}` : JSON.stringify(r));
  }
  await writeFile(path, `${lines.join('\n')}\n`);
  const topic = `file-${format}`;
  const source = new FileSource(
    { name: topic, definedIn: `sources/${topic}.yaml`, kind: 'file', topic, schema: { from: 'file', path: 'schema.avsc', avro: SCHEMA }, key: 'sensorId', time: 'ts', file: { path: `records.${format}` } },
    { log, registry, serde, root: dir, dataDir: dir, partitions: 4, notice: (message) => console.log(`  ${message}`) },
  );
  const started = performance.now();
  await source.start();
  while (source.stats().state === 'running') await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  const stats = source.stats();
  await source.stop();
  if (stats.state !== 'done') throw new Error(`the ${format} source ended ${stats.state}: ${stats.lastError}`);
  const count = (await log.offsets(topic)).reduce((n, o) => n + o.end, 0);
  return { rate: RECORDS / seconds, count };
}

/** A device process publishing `count` QoS 1 readings from `first` on; resolves when the broker has acknowledged them all. */
function device(url: string, clientId: string, first: number, count: number): Promise<void> {
  const script = `
    const { connect } = await import(${JSON.stringify(import.meta.resolve('mqtt'))});
    const client = connect(${JSON.stringify(url)}, { clientId: ${JSON.stringify(clientId)} });
    await new Promise((resolve) => client.once('connect', resolve));
    let acked = 0;
    for (let i = ${first}; i < ${first + count}; i++) {
      const r = { sensorId: 'sensor-' + (i % 1000), ts: 1700000000000 + i, temperature: 20 + (i % 100) / 10, humidity: 40 + (i % 50) / 5 };
      client.publish('bench/' + r.sensorId + '/reading', JSON.stringify(r), { qos: 1 }, () => acked++);
      if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
    while (acked < ${count}) await new Promise((resolve) => setTimeout(resolve, 5));
    await client.endAsync();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the MQTT device ${clientId} exited ${code}`)))));
}

/**
 * Part f: an MQTT source on a real Mosquitto. f1: the source's own capacity, draining a
 * backlog the broker kept for its session while it was stopped; f2: live, fed by two device
 * processes at once (one MQTT.js publisher alone tops out near 10k messages/s here).
 */
async function mqttSource(log: EmbeddedLog, registry: EmbeddedSchemaRegistry, serde: AvroSerde, dir: string): Promise<{ drain: number; live: number; counts: number[] } | string> {
  const skip = mosquittoSkipReason();
  if (skip) return skip;
  const broker = await Mosquitto.start();
  const sourceOn = (topic: string) =>
    new MqttSource(
      {
        name: topic,
        definedIn: `sources/${topic}.yaml`,
        kind: 'mqtt',
        topic,
        schema: { from: 'file', path: 'schema.avsc', avro: SCHEMA },
        key: 'sensorId',
        time: 'ts',
        mqtt: { url: broker.url, topics: ['bench/+/reading'], clientId: `fastdata-bench-${topic}` },
      },
      { log, registry, serde, root: dir, dataDir: dir, partitions: 4, notice: () => {} },
    );
  const until = async (source: MqttSource, count: number) => {
    const deadline = Date.now() + 120_000;
    while (source.stats().written < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const inLog = async (topic: string) => (await log.offsets(topic)).reduce((n, o) => n + o.end, 0);
  try {
    // f1: subscribe once (the broker keeps the session), stop, let the devices publish, then time the drain.
    const drainer = sourceOn('mqtt-drain');
    await drainer.start();
    await drainer.stop();
    await Promise.all([device(broker.url, 'bench-d1', 0, MQTT_MESSAGES / 2), device(broker.url, 'bench-d2', MQTT_MESSAGES / 2, MQTT_MESSAGES / 2)]);
    const again = sourceOn('mqtt-drain');
    let started = performance.now();
    await again.start();
    await until(again, MQTT_MESSAGES);
    const drain = MQTT_MESSAGES / ((performance.now() - started) / 1000);
    await again.stop();

    // f2: live, two devices publishing while the source reads.
    const live = sourceOn('mqtt-live');
    await live.start();
    started = performance.now();
    await Promise.all([device(broker.url, 'bench-d3', 0, MQTT_MESSAGES / 2), device(broker.url, 'bench-d4', MQTT_MESSAGES / 2, MQTT_MESSAGES / 2)]);
    await until(live, MQTT_MESSAGES);
    const liveRate = MQTT_MESSAGES / ((performance.now() - started) / 1000);
    await live.stop();
    return { drain, live: liveRate, counts: [await inLog('mqtt-drain'), await inLog('mqtt-live')] };
  } finally {
    await broker.dispose();
  }
}

const BIN = new URL('../bin/fastdata.js', import.meta.url).pathname;

/** Part c: `fastdata produce` into a data dir of its own; records/s including the command's start. */
async function produceCommand(): Promise<{ rate: number; ownRate: number; count: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'fastdata-bench-produce-'));
  try {
    const registry = await EmbeddedSchemaRegistry.open(join(dir, 'registry'));
    await registry.register('produced-value', JSON.stringify(SCHEMA));
    await registry.close();
    const file = join(dir, 'records.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < RECORDS; i++) lines.push(JSON.stringify(reading(i)));
    await writeFile(file, `${lines.join('\n')}\n`);
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'produce', 'produced', file, '--data-dir', dir, '--key', 'sensorId', '--time', 'ts'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`fastdata produce exited ${code}: ${stderr}`);
    const log = await EmbeddedLog.open(join(dir, 'log'), { readOnly: true });
    const count = (await log.offsets('produced')).reduce((n, o) => n + o.end, 0);
    await log.close();
    // The command's own summary: its rate from the first record read, start-up left out.
    const ownRate = Number(/\((\d+)\/s\); \d+ bad/.exec(stderr)?.[1] ?? Number.NaN);
    return { rate: RECORDS / seconds, ownRate, count };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '500' }, clients: { type: 'string', default: '2' }, mqtt: { type: 'string', default: '50000' } } });
const MQTT_MESSAGES = intArg('mqtt', values.mqtt, 1_000, 1_000_000);
const RECORDS = intArg('records', values.records, 1_000, 10_000_000);
const BATCH = intArg('batch', values.batch, 1, 10_000);
const CLIENTS = intArg('clients', values.clients, 1, 64);

const SCHEMA = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'temperature', type: 'double' },
    { name: 'humidity', type: 'double' },
  ],
};
const reading = (i: number) => ({ sensorId: `sensor-${i % 1000}`, ts: 1_700_000_000_000 + i, temperature: 20 + (i % 100) / 10, humidity: 40 + (i % 50) / 5 });

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fastdata-bench-sources-'));
  const log = await EmbeddedLog.open(join(dir, 'log'), { fsync: 'never' });
  const registry = await EmbeddedSchemaRegistry.open(join(dir, 'registry'));
  const serde = new AvroSerde(registry);
  try {
    console.log(`sources bench: ${RECORDS} records of 4 fields, batches of ${BATCH}, embedded log in ${dir}`);

    // a. raw append
    await log.createTopic({ name: 'raw', partitions: 4 });
    const encoder = await serde.encoderFor('raw-value', SCHEMA);
    const batches = [];
    for (let i = 0; i < RECORDS; i += BATCH) {
      batches.push(Array.from({ length: Math.min(BATCH, RECORDS - i) }, (_, j) => {
        const r = reading(i + j);
        return { key: r.sensorId, value: Buffer.from(encoder.encode(r)), timestamp: r.ts };
      }));
    }
    let started = performance.now();
    for (const batch of batches) await log.produce('raw', batch);
    const raw = RECORDS / ((performance.now() - started) / 1000);
    const rawCount = (await log.offsets('raw')).reduce((n, o) => n + o.end, 0);

    // b. HTTP ingest
    await registry.register('ingested-value', JSON.stringify(SCHEMA));
    const ingest = new RecordIngest({ log, registry, serde, partitions: 4 });
    const { app, url } = await startServer({ status: async () => ({}), host: '127.0.0.1', port: 0, ingest });
    const bodies: string[] = [];
    for (let i = 0; i < RECORDS; i += BATCH) bodies.push(JSON.stringify(Array.from({ length: Math.min(BATCH, RECORDS - i) }, (_, j) => reading(i + j))));
    let next = 0;
    let refused = 0;
    const client = async () => {
      for (let n = next++; n < bodies.length; n = next++) {
        for (;;) {
          const response = await fetch(`${url}/api/ingest/ingested?key=sensorId&time=ts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[n] });
          await response.arrayBuffer();
          if (response.status === 202) break;
          if (response.status !== 429 && response.status !== 503) throw new Error(`ingest answered ${response.status}`);
          refused++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const http = RECORDS / ((performance.now() - started) / 1000);
    await app.close();
    const httpCount = (await log.offsets('ingested')).reduce((n, o) => n + o.end, 0);

    const produced = await produceCommand();
    const csv = await fileSource(log, registry, serde, dir, 'csv');
    const jsonl = await fileSource(log, registry, serde, dir, 'jsonl');
    const mqtt = await mqttSource(log, registry, serde, dir);
    const k = (x: number) => `${(x / 1000).toFixed(1)}k`;
    console.log('');
    console.log('| way in | records/s | vs raw append | records in the log |');
    console.log('| --- | --- | --- | --- |');
    console.log(`| a. raw append (pre-encoded, ${BATCH} per call) | ${k(raw)} | 1.00 | ${rawCount} |`);
    console.log(`| b. HTTP ingest (JSON arrays of ${BATCH}, ${CLIENTS} clients) | ${k(http)} | ${(http / raw).toFixed(2)} | ${httpCount} |`);
    console.log(`| c. fastdata produce (JSON lines file, start-up included) | ${k(produced.rate)} | ${(produced.rate / raw).toFixed(2)} | ${produced.count} |`);
    console.log(`| c'. the same, from its first record (its own summary) | ${k(produced.ownRate)} | ${(produced.ownRate / raw).toFixed(2)} | |`);
    console.log(`| d. file source, CSV, read once | ${k(csv.rate)} | ${(csv.rate / raw).toFixed(2)} | ${csv.count} |`);
    console.log(`| e. file source, JSON lines, read once | ${k(jsonl.rate)} | ${(jsonl.rate / raw).toFixed(2)} | ${jsonl.count} |`);
    if (typeof mqtt === 'string') console.log(`| f. mqtt source | skipped: ${mqtt} | | |`);
    else {
      console.log(`| f1. mqtt source, QoS 1, draining ${MQTT_MESSAGES} messages the broker kept | ${k(mqtt.drain)} | ${(mqtt.drain / raw).toFixed(2)} | ${mqtt.counts[0]} |`);
      console.log(`| f2. mqtt source, QoS 1, live from 2 device processes | ${k(mqtt.live)} | ${(mqtt.live / raw).toFixed(2)} | ${mqtt.counts[1]} |`);
    }
    console.log('');
    const target = (rate: number, goal: number) => (rate >= goal ? 'met' : 'missed');
    console.log(`HTTP ingest: ${refused} requests answered 429/503 and sent again; target 50k records/s: ${target(http, 50_000)}`);
    console.log(`targets of 200k records/s: produce ${target(produced.rate, 200_000)} (start-up included; ${target(produced.ownRate, 200_000)} once started), CSV source ${target(csv.rate, 200_000)}, JSON lines source ${target(jsonl.rate, 200_000)}`);
    if (typeof mqtt !== 'string') console.log(`MQTT target 20k messages/s at QoS 1: ${target(mqtt.drain, 20_000)} draining, ${target(mqtt.live, 20_000)} live (2 devices, the broker and the source on 2 cores)`);
    const counts = [rawCount, httpCount, produced.count, csv.count, jsonl.count];
    if (counts.some((n) => n !== RECORDS)) throw new Error(`the logs hold ${counts.join(', ')} records, not ${RECORDS} each`);
    // QoS 1 may write a redelivered message twice: at least every message, never fewer.
    if (typeof mqtt !== 'string' && mqtt.counts.some((n) => n < MQTT_MESSAGES)) throw new Error(`the MQTT topics hold ${mqtt.counts.join(' and ')} records of ${MQTT_MESSAGES}`);
  } finally {
    await log.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.error('sources bench: stopped after 5 minutes');
  process.exit(1);
}, 300_000);
watchdog.unref();
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
