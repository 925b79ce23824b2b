/**
 * Alert latency benchmark: from a record's append to the log to the webhook's receipt of
 * the notification it caused, at a steady input rate, on the embedded default.
 *
 *   node --import tsx bench/alerts.ts [--rate R] [--keys K] [--seconds S] [--crossing P]
 *   npm run bench:alerts -- --rate 10000 --seconds 20
 *
 * Input: `--rate` records/s of {machine, temperature, appendedAt} over `--keys` machines,
 * produced every 10 ms in batches, `appendedAt` stamped just before each append. A per-
 * record rule (`when: temperature > 80`, `for: 0`, resolved on the next record below)
 * fires on `--crossing` per mille of the records and resolves on the record after, so
 * every notification is caused by exactly one record. A real HTTP server on 127.0.0.1
 * receives the signed webhook POSTs; latency = receipt time - the causing record's
 * appendedAt (one process, one clock).
 *
 * Two phases in the same process, each on a fresh log in a temp dir:
 *   a. baseline: a plain log reader on the input topic that POSTs each crossing record to
 *      the same server itself: the floor of "read it, notice it, tell someone", with no
 *      rule engine, no alert topic, no checkpoint, no queue.
 *   b. fastdata: the alert service (rule evaluation, alert topic and history with their
 *      checkpoint, the webhook receiver's consumer group, queue, HMAC signature).
 * Both read the same input at the same rate. Bounded by --seconds and a watchdog; prints
 * figures and ratios, asserts nothing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AlertService } from '../src/alerts/runtime/alert-service.js';
import { EmbeddedLog } from '../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../src/schema/embedded-registry.js';
import { AvroSerde, type AvroEncoder } from '../src/schema/serde.js';
import { valueSubject } from '../src/schema/types.js';
import { tempDir } from '../test/helpers/temp-dir.js';
import { intArg } from './args.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const RATE = intArg('rate', args.get('rate') ?? '10000', 100, 100_000);
const KEYS = intArg('keys', args.get('keys') ?? '1000', 1, 100_000);
const SECONDS = intArg('seconds', args.get('seconds') ?? '15', 2, 120);
const CROSSING = intArg('crossing', args.get('crossing') ?? '5', 1, 500);
const WARMUP_MS = 2_000;
const TOPIC = 'machine.temps';
const SECRET = 'bench-webhook-secret-0123456789';
const SCHEMA = {
  type: 'record',
  name: 'MachineTemp',
  namespace: 'bench',
  fields: [
    { name: 'machine', type: 'string' },
    { name: 'temperature', type: 'double' },
    { name: 'appendedAt', type: 'double' },
  ],
};

const watchdog = setTimeout(() => {
  console.error('bench/alerts: watchdog expired, stopping');
  process.exit(1);
}, (SECONDS * 2 + 60) * 1_000);
watchdog.unref();

const now = () => performance.timeOrigin + performance.now();

/** The webhook: records receipt time minus the causing record's appendedAt. */
async function startReceiver() {
  const latencies: number[] = [];
  let measuring = false;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const at = now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: { appendedAt?: number } };
      const appendedAt = body.value?.appendedAt;
      if (measuring && typeof appendedAt === 'number') latencies.push(at - appendedAt);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    latencies,
    measure: (on: boolean) => (measuring = on),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Produces RATE records/s for the given time; every crossing record is followed by a cool one of its key. */
async function drive(log: EmbeddedLog, encoder: AvroEncoder, ms: number): Promise<number> {
  const perTick = Math.max(1, Math.round(RATE / 100));
  const hotKeys = new Set<number>();
  let produced = 0;
  let n = 0;
  const started = now();
  while (now() - started < ms) {
    const tickStart = now();
    const records = [];
    for (let i = 0; i < perTick; i++, n++) {
      const key = n % KEYS;
      let temperature = 50 + (n % 20);
      if (hotKeys.delete(key)) temperature = 40; // resolves it
      else if ((n * 7919) % 1000 < CROSSING) {
        temperature = 95;
        hotKeys.add(key);
      }
      records.push({ key: `m${key}`, temperature });
    }
    const appendedAt = now();
    await log.produce(TOPIC, records.map((r) => ({ key: r.key, timestamp: Math.floor(appendedAt), value: encoder.encode({ machine: r.key, temperature: r.temperature, appendedAt }) })));
    produced += records.length;
    const wait = 10 - (now() - tickStart);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return produced;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface PhaseResult {
  name: string;
  rate: number;
  notifications: number;
  p50: number;
  p99: number;
  max: number;
}

async function phase(name: string, run: (ctx: { log: EmbeddedLog; serde: AvroSerde; root: string; url: string }) => Promise<{ stop: () => Promise<void> }>): Promise<PhaseResult> {
  const dir = await tempDir('fastdata-bench-alerts-');
  const receiver = await startReceiver();
  const log = await EmbeddedLog.open(join(dir.path, 'log'));
  const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
  const serde = new AvroSerde(registry);
  const encoder = await serde.encoderFor(valueSubject(TOPIC), SCHEMA);
  await log.createTopic({ name: TOPIC, partitions: 4 });
  const running = await run({ log, serde, root: dir.path, url: receiver.url });
  await drive(log, encoder, WARMUP_MS);
  receiver.measure(true);
  const started = now();
  const produced = await drive(log, encoder, SECONDS * 1_000);
  const elapsed = (now() - started) / 1_000;
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the last notifications arrive
  receiver.measure(false);
  await running.stop();
  await receiver.close();
  await log.close();
  await registry.close();
  await dir.remove();
  const sorted = [...receiver.latencies].sort((a, b) => a - b);
  return { name, rate: produced / elapsed, notifications: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

const baseline = await phase('baseline: reader -> POST', async ({ log, serde, url }) => {
  const reader = log.reader({ topic: TOPIC, from: 'latest' });
  const hot = new Set<string>();
  const loop = (async () => {
    for await (const batch of reader) {
      for (const record of batch.records) {
        const value = (await serde.decode(record.value!)) as { machine: string; temperature: number; appendedAt: number };
        const firing = value.temperature > 80;
        if (firing === hot.has(value.machine)) continue;
        if (firing) hot.add(value.machine);
        else hot.delete(value.machine);
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: firing ? 'firing' : 'resolved', value }) });
      }
    }
  })();
  return {
    async stop() {
      await reader.close();
      await loop;
    },
  };
});

const fastdata = await phase('fastdata alert service', async ({ log, serde, root, url }) => {
  const alerts = join(root, 'alerts');
  await mkdir(alerts);
  await writeFile(
    join(alerts, 'hot.yaml'),
    `rules:\n  - name: hot\n    source: ${TOPIC}\n    key: machine\n    when: temperature > 80\n    severity: warning\n    receivers: [hook]\n`,
  );
  await writeFile(join(alerts, 'receivers.yaml'), `receivers:\n  hook:\n    kind: webhook\n    url: ${url}\n    secret_env: BENCH_SECRET\n`);
  const service = await AlertService.start({ root, log, serde, schemaOf: async () => SCHEMA, env: { BENCH_SECRET: SECRET }, onWarning: (m) => console.error(`  warning: ${m}`) });
  if (service.problems.length > 0) throw new Error(`bench rule did not load: ${JSON.stringify(service.problems)}`);
  return { stop: () => service.stop() };
});

const ms = (x: number) => `${x.toFixed(1)} ms`;
console.log(`bench/alerts: ${RATE} records/s for ${SECONDS} s (after ${WARMUP_MS / 1_000} s warm-up), ${KEYS} keys, ${CROSSING}‰ crossing; embedded log (default fsync), webhook on 127.0.0.1, one process, ${process.arch} node ${process.version}`);
console.log('');
console.log('| run | input rec/s | notifications | p50 | p99 | max |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of [baseline, fastdata]) console.log(`| ${r.name} | ${Math.round(r.rate)} | ${r.notifications} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} |`);
console.log('');
console.log(`p99 ratio fastdata / baseline: ${(fastdata.p99 / baseline.p99).toFixed(2)}`);
console.log(`target: p99 under 50 ms at 10,000 records/s: ${RATE >= 10_000 && fastdata.p99 < 50 ? 'met' : `not met (p99 ${ms(fastdata.p99)} at ${Math.round(fastdata.rate)} rec/s)`}`);
