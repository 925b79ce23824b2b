/**
 * Attacks bench: `/api/status` latency while each hostile request of issue 15 runs,
 * against a baseline without attack in the same run.
 *
 *   node --import tsx bench/attacks.ts [--clients N] [--subs S] [--records R] [--seconds T]
 *   node --import tsx bench/attacks.ts --clients 50 --subs 20 --seconds 4
 *
 * The server is a child process of its own (its event loop, RSS and CPU time are then the
 * server's, not the attackers'): `startServer` with an AccessLayer over an embedded log in
 * a temp dir holding one output topic of `--records` records (~400 bytes each, 4
 * partitions) written on by 50 records/s, the Confluent registry API, dashboards/ in the
 * temp dir, and the alert history and silences over the log, with every silence evaluated
 * against 200 alerts' labels once a second as the receivers do. Its `/api/status` answers
 * its RSS, the WebSocket endpoint's counts (WsHub.stats) and the last evaluation round.
 *
 * Phases, each `--seconds` long while `/api/status` is asked every 25 ms from this process:
 *
 *   0. baseline: nothing else.
 *   1. slow WebSocket readers: `--clients` clients, each with `--subs` subscriptions
 *      `resume`-from-0 of the topic, that never read (TCP socket paused). The phase lasts
 *      until the server has closed them all (1008) or twice `--seconds`.
 *   2. nested schema: POST /registry/subjects/x/versions with records nested 3000 deep,
 *      two at a time, the whole phase.
 *   3. alias bomb: dashboards/ gets a "billion laughs" file, a 20k-deep one and one with
 *      nine mistakes beside the good one; GET /api/dashboards and /api/dashboards/good two
 *      at a time, the whole phase.
 *   4. catastrophic regex: a silence matching `(.*.*.*.*.*)*X` against every label value,
 *      which the evaluation rounds then run (43 s per round before RE2).
 *
 * Loopback and a temp dir only; counts and time are bounded (a watchdog ends it); nothing
 * asserts anything about time: it prints a table of p50/p99/max per phase and whether the
 * issue's target (/api/status within 200 ms during each attack) is met.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { intArg } from './args.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOPIC = 'bench.readings';
const PARTITIONS = 4;
const TARGET_MS = 200;

const SCHEMA = {
  type: 'record',
  name: 'Reading',
  namespace: 'bench',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'n', type: 'long' },
    { name: 'temperature', type: 'double' },
    { name: 'note', type: 'string' },
  ],
};
const NOTE = 'a reading of the attacks bench, padded to about four hundred bytes. '.repeat(5);

const GOOD_DASHBOARD = `title: Readings
panels:
  - kind: stat
    topic: ${TOPIC}
    field: temperature
  - kind: timeseries
    topic: ${TOPIC}
    fields: [temperature]
`;

// ---------------------------------------------------------------------------------------
// The server process

interface ServerStatus {
  rss: number;
  heapUsed: number;
  external: number;
  ws: { connections: number; subscriptions: number; slowDisconnects: number; maxClientBytes: number; queuedBytes: number; droppedFrames: number; snapshotReads: { recordsRead: number } } | undefined;
  evaluations: number;
  lastEvaluationMs: number;
  longestEvaluationMs: number;
  /** The longest the server's event loop was blocked since the previous status (monitorEventLoopDelay). */
  loopDelayMaxMs: number;
}

async function serverMain(dir: string, records: number): Promise<void> {
  const [{ EmbeddedLog }, { EmbeddedSchemaRegistry }, { AvroSerde }, { valueSubject }, { AccessLayer }, { startServer }, wsModule, { defineStream }, { openAlertingApi }, { ALERT_TOPICS }] = await Promise.all([
    import('../src/log/embedded/embedded-log.js'),
    import('../src/schema/embedded-registry.js'),
    import('../src/schema/serde.js'),
    import('../src/schema/types.js'),
    import('../src/serve/access/access-layer.js'),
    import('../src/serve/server.js'),
    import('../src/serve/ws/ws-route.js'),
    import('../src/stream/define.js'),
    import('../src/alerts/runtime/alerting-api.js'),
    import('../src/alerts/topic/topics.js'),
  ]);
  // Absent before issue 15's WebSocket bounds: the bench then runs without the endpoint's counts, to compare.
  const wsHubOf = (wsModule as { wsHubOf?: (access: unknown) => { stats(): ServerStatus['ws'] } | undefined }).wsHubOf ?? (() => undefined);
  const log = await EmbeddedLog.open(join(dir, 'log'), { fsync: 'never' });
  const registry = await EmbeddedSchemaRegistry.open(join(dir, 'registry'));
  const serde = new AvroSerde(registry);
  await log.createTopic({ name: TOPIC, partitions: PARTITIONS });
  const encoder = await serde.encoderFor(valueSubject(TOPIC), SCHEMA);
  const reading = (n: number) => ({ key: `sensor-${n % 1000}`, value: encoder.encode({ sensorId: `sensor-${n % 1000}`, n, temperature: 20 + (n % 100) / 10, note: NOTE }), timestamp: Date.now() - records + n });
  for (let n = 0; n < records; n += 2000) await log.produce(TOPIC, Array.from({ length: Math.min(2000, records - n) }, (_, i) => reading(n + i)));
  for (const topic of [ALERT_TOPICS.history, ALERT_TOPICS.acks, ALERT_TOPICS.silences]) await log.createTopic({ name: topic, partitions: 1, config: { cleanupPolicy: 'compact' } });
  const alerting = await openAlertingApi(log, serde);
  if (!alerting) throw new Error('the alert topics were not created');
  const module = defineStream<{ in: { sensorId: string } }, { sensorId: string }>({
    name: 'bench-readings',
    inputs: { in: 'bench.in' },
    output: { topic: TOPIC, schema: SCHEMA, key: (v) => v.sensorId },
    pipeline: ({ in: input }) => input,
  });
  const access = new AccessLayer({ log, registry, serde, modules: () => [module] });
  await mkdir(join(dir, 'dashboards'), { recursive: true });
  await writeFile(join(dir, 'dashboards', 'good.yaml'), GOOD_DASHBOARD);

  // The receivers' evaluation: every active silence against 200 alerts' labels, once a second.
  const labels = Array.from({ length: 200 }, (_, i) => ({ alertname: 'overheating', key: `sensor-${i}-${'a'.repeat(40)}`, severity: 'warning' }));
  const evaluation = { evaluations: 0, lastEvaluationMs: 0, longestEvaluationMs: 0 };
  const evaluate = setInterval(() => {
    const started = performance.now();
    for (const l of labels) alerting.silences.silencing(l);
    evaluation.lastEvaluationMs = performance.now() - started;
    evaluation.longestEvaluationMs = Math.max(evaluation.longestEvaluationMs, evaluation.lastEvaluationMs);
    evaluation.evaluations++;
  }, 1000);
  // Live records: the views and the live subscriptions have something to do.
  let n = records;
  const live = setInterval(() => void log.produce(TOPIC, Array.from({ length: 5 }, () => reading(n++))).catch(() => undefined), 100);

  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const status = async (): Promise<ServerStatus> => {
    const memory = process.memoryUsage();
    const loopDelayMaxMs = loopDelay.max / 1e6;
    loopDelay.reset();
    return { rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, ws: wsHubOf(access)?.stats(), ...evaluation, loopDelayMaxMs };
  };
  const { app, url } = await startServer({ registry, status, host: '127.0.0.1', port: 0, access, root: dir, alerting: () => alerting, catalog: false });
  const close = async () => {
    clearInterval(evaluate);
    clearInterval(live);
    await app.close();
    await alerting.close();
    await access.close();
    await log.close();
    await registry.close();
  };
  process.on('message', (message: { op?: string }) => {
    if (message.op === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!({ op: 'gc-done' });
    }
    if (message.op === 'stop') void close().finally(() => process.exit(0));
  });
  // The parent died or gave up: do not outlive it.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  process.send!({ op: 'ready', url });
}

// ---------------------------------------------------------------------------------------
// This process: the attackers and the probe

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function http(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', agent, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.setTimeout(PROBE_TIMEOUT_MS * 4, () => req.destroy(new Error(`${url}: no answer in ${(PROBE_TIMEOUT_MS * 4) / 1000} s`)));
    req.end(options.body);
  });
}

/** A status request not answered in this long counts as this long (and as unanswered): a stalled server cannot hold the bench up. */
const PROBE_TIMEOUT_MS = 30_000;

/** Asks /api/status every 25 ms (one at a time, on its own connection) until stopped. */
function probe(url: string) {
  const latencies: number[] = [];
  const statuses: ServerStatus[] = [];
  let unanswered = 0;
  const ownAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      const body = await new Promise<string | undefined>((resolve) => {
        const req = request(`${url}/api/status`, { agent: ownAgent }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', () => resolve(undefined));
        req.setTimeout(PROBE_TIMEOUT_MS, () => req.destroy());
        req.end();
      });
      latencies.push(Math.min(performance.now() - started, PROBE_TIMEOUT_MS));
      if (body === undefined) unanswered++;
      else statuses.push(JSON.parse(body) as ServerStatus);
      await sleep(25);
    }
  })();
  return {
    latencies,
    statuses,
    unanswered: () => unanswered,
    async stop() {
      running = false;
      await done;
      ownAgent.destroy();
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface PhaseResult {
  name: string;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  maxRssMiB: number;
  /** The longest the server's event loop was blocked during the phase. */
  loopMaxMs: number;
  notes: string;
}

async function phase(name: string, url: string, attack: (status: () => ServerStatus | undefined) => Promise<string>): Promise<PhaseResult> {
  const p = probe(url);
  let notes: string;
  try {
    notes = await attack(() => p.statuses.at(-1));
  } finally {
    await p.stop();
  }
  const sorted = [...p.latencies].sort((a, b) => a - b);
  const result = {
    name,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    samples: sorted.length,
    maxRssMiB: Math.max(...p.statuses.map((s) => s.rss)) / 1048576,
    loopMaxMs: Math.max(...p.statuses.map((s) => s.loopDelayMaxMs)),
    notes: p.unanswered() > 0 ? `${p.unanswered()} status requests unanswered after ${PROBE_TIMEOUT_MS / 1000} s; ${notes}` : notes,
  };
  console.log(`  ${name}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms over ${result.samples} requests; server loop blocked at most ${result.loopMaxMs.toFixed(0)} ms; ${notes}`);
  return result;
}

/** Records nested `depth` deep, as text (JSON.stringify of the object would itself overflow). */
function nestedSchema(depth: number): string {
  const open: string[] = [];
  for (let i = 1; i < depth; i++) open.push(`{"type":"record","name":"R${i}","fields":[{"name":"f","type":`);
  return `${open.join('')}{"type":"record","name":"R0","fields":[{"name":"x","type":"int"}]}${'}]}'.repeat(depth - 1)}`;
}

const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'title: Bomb',
  `panels: [{kind: stat, topic: ${TOPIC}, field: n}]`,
].join('\n');
const NINE_MISTAKES = `title: ""\nextra: 1\npanels:\n  - kind: stat\n    topic: ${TOPIC}\n    field: sensorId\n  - kind: timeseries\n    topic: nope\n    fields: [n]\n  - kind: pie\n  - kind: table\n    topic: ${TOPIC}\n    fields: [n, nope]\n    maxRows: 0\n  - kind: stat\n    topic: ${TOPIC}\n    field: n\n    decimals: 9\n    colour: red\n`;

/** Runs `task` with `concurrency` workers until `ms` have passed; returns every result. */
async function loop<T>(ms: number, concurrency: number, task: () => Promise<T>): Promise<T[]> {
  const until = performance.now() + ms;
  const results: T[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) results.push(await task());
    }),
  );
  return results;
}

const countBy = <T>(items: T[], key: (item: T) => string) => Object.entries(items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [key(item)]: (acc[key(item)] ?? 0) + 1 }), {})).map(([k, n]) => `${n}× ${k}`).join(', ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '300' },
      subs: { type: 'string', default: '100' },
      records: { type: 'string', default: '50000' },
      seconds: { type: 'string', default: '8' },
      phases: { type: 'string', default: '0,1,2,3,4' },
      'cpu-prof': { type: 'string' },
    },
  });
  const PHASES = new Set(values.phases.split(',').map((p) => intArg('phases', p, 0, 4)));
  const CLIENTS = intArg('clients', values.clients, 1, 1000);
  const SUBS = intArg('subs', values.subs, 1, 100);
  const RECORDS = intArg('records', values.records, 1000, 2_000_000);
  const SECONDS = intArg('seconds', values.seconds, 1, 120);
  const PHASE_MS = SECONDS * 1000;

  const watchdog = setTimeout(
    () => {
      console.error('attacks bench: did not finish in time; giving up');
      process.exit(1);
    },
    6 * PHASE_MS + 600_000,
  );
  watchdog.unref();

  const dir = await mkdtemp(join(tmpdir(), 'fastdata-bench-attacks-'));
  let child: ChildProcess | undefined;
  try {
    console.log(`attacks bench: server in a child process over an embedded log in ${dir} (${RECORDS} records of ~400 bytes in ${TOPIC}, ${PARTITIONS} partitions); ${cpus().length} cores shared by the server and the attackers`);
    const profile = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
    child = fork(SELF, ['--serve', dir, String(RECORDS)], { execArgv: ['--import', 'tsx', '--expose-gc', ...profile], cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const server = child;
    const url = await new Promise<string>((resolve, reject) => {
      server.once('message', (message: { op?: string; url?: string }) => (message.op === 'ready' ? resolve(message.url!) : reject(new Error(`server said ${JSON.stringify(message)}`))));
      server.once('exit', (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
    });
    const gc = () => new Promise<void>((resolve) => {
      server.once('message', () => resolve());
      server.send({ op: 'gc' });
    });
    const statusNow = async () => JSON.parse((await http(`${url}/api/status`)).body) as ServerStatus;
    await http(`${url}/api/outputs/${TOPIC}/latest?limit=1`); // the topic's view started
    await sleep(1000);
    const results: PhaseResult[] = [];
    const start = await statusNow();
    const rssStart = start.rss / 1048576;

    const run = async (n: number, name: string, attack: Parameters<typeof phase>[2]) => {
      if (PHASES.has(n)) results.push(await phase(name, url, attack));
    };
    await run(0, '0. baseline', async () => {
      await sleep(PHASE_MS);
      return `RSS ${rssStart.toFixed(0)} MiB (heap ${(start.heapUsed / 1048576).toFixed(0)} MiB, external ${(start.external / 1048576).toFixed(0)} MiB)`;
    });

    await run(1, `1. ${CLIENTS} slow WS readers × ${SUBS} resume-from-0`, async (last) => {
      const wsUrl = `${url.replace('http', 'ws')}/ws`;
      const resume = Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [String(p), 0]));
      const closes: { code: number; reason: string }[] = [];
      const sockets: WebSocket[] = [];
      const started = performance.now();
      for (let i = 0; i < CLIENTS; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, CLIENTS - i) }, async () => {
            const ws = new WebSocket(wsUrl);
            ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString().replace(/\d+/g, 'N') }));
            ws.on('error', () => undefined);
            await new Promise((resolve) => ws.once('open', resolve).once('close', resolve));
            if (ws.readyState !== WebSocket.OPEN) return;
            for (let s = 0; s < SUBS; s++) ws.send(JSON.stringify({ op: 'subscribe', id: `s${s}`, topic: TOPIC, resume }));
            (ws as unknown as { _socket: { pause(): void } })._socket.pause();
            sockets.push(ws);
          }),
        );
      }
      const connected = performance.now() - started;
      // Until the server has closed them all, or twice the phase.
      const deadline = performance.now() + 2 * PHASE_MS;
      let peak = { maxClientBytes: 0, queuedBytes: 0, subscriptions: 0 };
      while (performance.now() < deadline) {
        const ws = last()?.ws;
        if (ws) peak = { maxClientBytes: Math.max(peak.maxClientBytes, ws.maxClientBytes), queuedBytes: Math.max(peak.queuedBytes, ws.queuedBytes), subscriptions: Math.max(peak.subscriptions, ws.subscriptions) };
        // Done when every client that holds a subscription has been closed (those refused every subscription hold nothing).
        if (ws && peak.subscriptions > 0 && ws.subscriptions === 0) break;
        await sleep(50);
      }
      const took = performance.now() - started;
      // The clients read again: they find the close frame.
      for (const ws of sockets) (ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await sleep(500);
      for (const ws of sockets) ws.terminate();
      const after = await statusNow();
      await gc();
      const collected = await statusNow();
      const rssAfter = collected.rss / 1048576;
      return (
        `connected in ${(connected / 1000).toFixed(1)} s; ${peak.subscriptions} subscriptions taken at most (the rest refused); the server closed ${after.ws?.slowDisconnects ?? '?'} clients as slow, the last ${(took / 1000).toFixed(1)} s after the first connected; ` +
        `clients saw ${countBy(closes, (c) => `${c.code} "${c.reason.slice(0, 40)}"`)} (1006: cut by the bench at the end); ` +
        `peak held: ${(peak.maxClientBytes / 1024).toFixed(0)} KiB per client, ${(peak.queuedBytes / 1048576).toFixed(1)} MiB in all; history records read ${after.ws?.snapshotReads.recordsRead} (asked: ${CLIENTS * SUBS * Math.min(10_000, RECORDS)}); ` +
        `RSS after they left ${(after.rss / 1048576).toFixed(0)} MiB, after a GC ${rssAfter.toFixed(0)} MiB (heap ${(collected.heapUsed / 1048576).toFixed(0)} MiB, external ${(collected.external / 1048576).toFixed(0)} MiB)`
      );
    });

    await run(2, '2. nested schema POSTs (3000 deep)', async () => {
      const body = JSON.stringify({ schema: nestedSchema(3000) });
      const answers = await loop(PHASE_MS, 2, () => http(`${url}/registry/subjects/x/versions`, { method: 'POST', body, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' } }));
      const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
      const codes = countBy(answers, (a) => `${a.status} ${(JSON.parse(a.body) as { error_code?: number }).error_code ?? ''}`.trim());
      return `${answers.length} POSTs of ${(body.length / 1024).toFixed(0)} KiB: ${codes}; each answered in p50 ${percentile(sorted, 50).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
    });

    await run(3, '3. alias bomb + 20k-deep dashboards', async () => {
      await writeFile(join(dir, 'dashboards', 'bomb.yaml'), ALIAS_BOMB);
      await writeFile(join(dir, 'dashboards', 'deep.yaml'), `title: Deep\npanels: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
      await writeFile(join(dir, 'dashboards', 'nine.yaml'), NINE_MISTAKES);
      let i = 0;
      const answers = await loop(PHASE_MS, 2, () => http(`${url}${i++ % 2 === 0 ? '/api/dashboards' : '/api/dashboards/good'}`));
      const list = JSON.parse((await http(`${url}/api/dashboards`)).body) as { dashboards: { name: string; valid: boolean; errors: string[] }[] };
      const summary = list.dashboards.map((d) => `${d.name} ${d.valid ? 'valid' : `${d.errors.length} problem(s)`}`).join(', ');
      const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
      return `${answers.length} GETs: ${countBy(answers, (a) => String(a.status))}, each p50 ${percentile(sorted, 50).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; ${summary}`;
    });

    await run(4, '4. catastrophic regex silence', async (last) => {
      const silence = { matchers: [{ label: 'key', op: '=~', value: '(.*.*.*.*.*)*X' }], endsAt: Date.now() + 3_600_000, createdBy: 'bench', comment: 'catastrophic backtracking in a backtracking engine' };
      const created = await http(`${url}/api/alerts/silences`, { method: 'POST', body: JSON.stringify(silence), headers: { 'content-type': 'application/json' } });
      const before = last()?.evaluations ?? 0;
      await sleep(PHASE_MS);
      const now = last();
      return `silence answered ${created.status}; ${(now?.evaluations ?? 0) - before} evaluation rounds of 200 alerts ran meanwhile, the longest ${now?.longestEvaluationMs.toFixed(1)} ms`;
    });

    console.log('');
    console.log(`| phase | /api/status p50 | p99 | max | within ${TARGET_MS} ms | server loop blocked (max) | server RSS peak | what happened |`);
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ${r.max <= TARGET_MS ? 'yes' : `no (p99 ${r.p99 <= TARGET_MS ? 'yes' : 'no'})`} | ${r.loopMaxMs.toFixed(0)} ms | ${r.maxRssMiB.toFixed(0)} MiB | ${r.notes} |`,
      );
    }
    server.send({ op: 'stop' });
    await new Promise((resolve) => server.once('exit', resolve));
  } finally {
    child?.kill();
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

const serveAt = process.argv.indexOf('--serve');
(serveAt >= 0 ? serverMain(process.argv[serveAt + 1]!, Number(process.argv[serveAt + 2])) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
