/**
 * Fan-out benchmark: N WebSocket clients on loopback subscribed to one output topic that
 * receives a steady rate of updates, fastdata's /ws against a bare `ws` broadcast measured
 * in the same run.
 *
 *   node --import tsx bench/fanout.ts [--clients N] [--rate R] [--keys K] [--slow P] [--seconds S] [--pad BYTES]
 *   npm run bench:fanout -- --clients 200 --seconds 5
 *
 * Two phases, each with a fresh server in a child process of its own and a fresh set of
 * clients in this process:
 *
 *   a. baseline: a bare `ws` WebSocketServer on 127.0.0.1:0. Each client sends the same
 *      subscribe frame as to fastdata; each update is stringified once, in fastdata's
 *      record frame shape, and `ws.send` to every subscriber. No log, no Avro, no queue.
 *   b. fastdata: the real server (startServer with an AccessLayer over an EmbeddedLog in a
 *      temp dir, default WebSocket queue limits). Clients subscribe over /ws to the output
 *      topic; updates are Avro-encoded and produced into it, read by the topic's live view,
 *      decoded, and sent per client through its bounded queue.
 *
 * Updates are made in the server process at `--rate` per second, cycling through `--keys`
 * keys, each value stamped with the time it was made (performance.timeOrigin +
 * performance.now(), sub-millisecond); a client's delivery latency is its receive time
 * minus that stamp, corrected by the clock offset between the two processes (measured over
 * IPC at the start of each phase, printed). `--slow` percent of the clients read at most
 * 64 KiB/s (their TCP socket paused, resumed once a second until they have read that much),
 * so a server whose updates outrun them has to buffer, conflate or drop once the kernel's
 * socket buffers are full: about 4 MiB per loopback connection here, which the default
 * updates (~230-byte frames, ~4.6 KB/s per client) never outrun; `--pad` makes them bigger.
 *
 * Why a child process for the server: its RSS, CPU time and event loop are then its own,
 * not mixed with 1,000 clients parsing JSON; on a 2-core machine the two processes still
 * share the cores, which the output says.
 *
 * Each phase runs a warm-up, then a measurement window of `--seconds`, then lets the slow
 * clients catch up and checks that every client got, or was told it missed, every update.
 * Loopback and a temp dir only; bounded by a watchdog; nothing here asserts anything about
 * time: it prints figures, their ratio to the baseline, and whether the targets are met.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';
import { ensureBuilt } from '../scripts/ensure-build.js';
import { intArg } from './args.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

const TOPIC = 'bench.fanout';
/** The subscription id every client uses (ids are per connection). */
const SUB_ID = 'fan';
/**
 * A slow client reads at most this many bytes a second, a client on a ~0.5 Mbit/s link: its
 * socket is resumed once a second and paused again as soon as it has read that much.
 */
const SLOW_BYTES_PER_SECOND = 64 * 1024;
/** Clients connecting at once: well under the listen backlog (511). */
const CONNECT_BATCH = 100;
/** How long slow clients get to catch up after the window before the accounting is done. */
const SETTLE_MS = 15_000;
/** The producer's timer; updates due are made in a batch per tick. */
const TICK_MS = 5;
/** Event-loop delay sampling period; the histogram includes it, so it is subtracted. */
const LOOP_RESOLUTION_MS = 10;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '20' },
    keys: { type: 'string', default: '100' },
    slow: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    pad: { type: 'string', default: '0' },
  },
});


const CLIENTS = intArg('clients', args.clients, 1, 10_000);
const RATE = intArg('rate', args.rate, 1, 10_000);
const KEYS = intArg('keys', args.keys, 1, 100_000);
const SLOW_PERCENT = intArg('slow', args.slow, 0, 100);
const SECONDS = intArg('seconds', args.seconds, 1, 600);
/** Extra bytes in every value (a string field), to make frames bigger than the default ~230 bytes. */
const PAD = intArg('pad', args.pad, 0, 60_000);
const WARMUP_MS = Math.min(2_000, (SECONDS * 1000) / 4);

// ---------------------------------------------------------------------------------------
// The updates and the messages between this process and the server process

/** One update: the value written to the topic (Avro) and carried in every record frame (JSON). */
interface Update {
  id: string;
  seq: number;
  /** When the update was made, in `now()` milliseconds of the server process. */
  sentAt: number;
  reading: number;
  pad: string;
}

const updateSchema = {
  type: 'record',
  name: 'FanoutUpdate',
  namespace: 'bench',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'seq', type: 'long' },
    { name: 'sentAt', type: 'double' },
    { name: 'reading', type: 'double' },
    { name: 'pad', type: 'string' },
  ],
};

type Mode = 'baseline' | 'fastdata';

type Request =
  | { id: number; op: 'clock' }
  | { id: number; op: 'mark' }
  | { id: number; op: 'stats' }
  | { id: number; op: 'produce'; rate: number; keys: number; pad: number; ms: number }
  | { id: number; op: 'stop' };

/** A request without its id: Omit distributed over the union (a plain Omit would merge its members). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type RequestBody = WithoutId<Request>;

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

interface ServerStats {
  rss: number;
  heapUsed: number;
  connections: number;
  /** Bytes the server holds for its sockets beyond what the kernel took (ws bufferedAmount). */
  bufferedTotal: number;
  bufferedMax: number;
  /** CPU time over wall time since the last `mark`, percent of one core. */
  cpuPercent: number;
  /** Event-loop delay since the last `mark`, milliseconds. */
  loopDelayP99: number;
}

// ---------------------------------------------------------------------------------------
// The server process: one server under test, driven over IPC

interface ServerUnderTest {
  url: string;
  /** Sends (baseline) or produces (fastdata) a batch of updates. */
  publish(updates: Update[]): Promise<void> | void;
  sockets(): Iterable<WebSocket>;
  close(): Promise<void>;
}

/** A bare `ws` broadcast: what fan-out costs with nothing in between. */
async function startBaseline(): Promise<ServerUnderTest> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const subscribers = new Set<WebSocket>();
  let offset = 0;
  wss.on('connection', (ws) => {
    // The one frame clients send here is their subscribe, answered as fastdata answers it.
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op?: string; id?: string };
      if (frame.op !== 'subscribe') return;
      subscribers.add(ws);
      ws.send(JSON.stringify({ type: 'subscribed', id: frame.id, topic: TOPIC, partitions: 1, offsets: { 0: offset } }));
    });
    ws.on('close', () => subscribers.delete(ws));
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    publish(updates) {
      for (const value of updates) {
        // Stringified once for everyone: a broadcast's whole advantage over per-client frames.
        const text = JSON.stringify({ type: 'record', id: SUB_ID, topic: TOPIC, partition: 0, offset: offset++, timestamp: Math.floor(value.sentAt), key: value.id, value });
        for (const ws of subscribers) ws.send(text);
      }
    },
    sockets: () => wss.clients,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The real thing, from the compiled package as users run it (dist/, built by the parent). */
async function startFastdata(): Promise<ServerUnderTest> {
  const fromDist = (path: string) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
  const { EmbeddedLog } = (await fromDist('log/embedded/embedded-log.js')) as typeof import('../src/log/embedded/embedded-log.js');
  const { EmbeddedSchemaRegistry } = (await fromDist('schema/embedded-registry.js')) as typeof import('../src/schema/embedded-registry.js');
  const { AvroSerde } = (await fromDist('schema/serde.js')) as typeof import('../src/schema/serde.js');
  const { valueSubject } = (await fromDist('schema/types.js')) as typeof import('../src/schema/types.js');
  const { AccessLayer } = (await fromDist('serve/access/access-layer.js')) as typeof import('../src/serve/access/access-layer.js');
  const { startServer } = (await fromDist('serve/server.js')) as typeof import('../src/serve/server.js');
  const { defineStream } = (await fromDist('stream/define.js')) as typeof import('../src/stream/define.js');

  const dir = await mkdtemp(join(tmpdir(), 'fastdata-fanout-'));
  const log = await EmbeddedLog.open(join(dir, 'log'), { onWarning: (m) => console.error(`log warning: ${m}`) });
  const registry = await EmbeddedSchemaRegistry.open(join(dir, 'registry'));
  const serde = new AvroSerde(registry);
  await log.createTopic({ name: TOPIC, partitions: 1 });
  const encoder = await serde.encoderFor<Update>(valueSubject(TOPIC), updateSchema);
  // The access layer serves the outputs of modules: this one declares the topic as its output.
  const module = defineStream<{ in: Update }, Update>({
    name: 'fanout',
    inputs: { in: `${TOPIC}.in` },
    output: { topic: TOPIC, schema: updateSchema, key: (v) => v.id },
    pipeline: ({ in: input }) => input,
  });
  const access = new AccessLayer({ log, registry, serde, modules: () => [module], onWarning: (m) => console.error(`access warning: ${m}`) });
  const { app, url } = await startServer({ registry, status: async () => ({}), host: '127.0.0.1', port: 0, access });
  const wss = (app as unknown as { websocketServer: WebSocketServer }).websocketServer;
  return {
    url: `${url.replace('http', 'ws')}/ws`,
    async publish(updates) {
      await log.produce(TOPIC, updates.map((u) => ({ key: u.id, value: encoder.encode(u), timestamp: Math.floor(u.sentAt) })));
    },
    sockets: () => wss.clients,
    async close() {
      await app.close();
      await access.close();
      await log.close();
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Makes updates at `rate` per second for `ms`, in a batch per timer tick; returns how many. */
async function produceFor(server: ServerUnderTest, rate: number, keys: number, pad: number, ms: number): Promise<number> {
  const padding = 'x'.repeat(pad);
  const start = performance.now();
  let seq = 0;
  for (let elapsed = 0; elapsed < ms; elapsed = performance.now() - start) {
    // Catch up on what is due (timers run late under load): the offered rate stays the rate.
    const due = Math.floor((elapsed * rate) / 1000) + 1 - seq;
    if (due > 0) {
      const batch: Update[] = [];
      for (let i = 0; i < due; i++, seq++) {
        batch.push({ id: `key-${String(seq % keys).padStart(5, '0')}`, seq, sentAt: now(), reading: Math.round(Math.sin(seq / 50) * 1e4) / 100, pad: padding });
      }
      await server.publish(batch);
    }
    await sleep(TICK_MS);
  }
  return seq;
}

async function serverMain(mode: Mode): Promise<void> {
  const server = mode === 'baseline' ? await startBaseline() : await startFastdata();
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  let cpuMark = process.cpuUsage();
  let wallMark = performance.now();

  const stats = (): ServerStats => {
    let bufferedTotal = 0;
    let bufferedMax = 0;
    let connections = 0;
    for (const ws of server.sockets()) {
      bufferedTotal += ws.bufferedAmount;
      bufferedMax = Math.max(bufferedMax, ws.bufferedAmount);
      connections++;
    }
    const cpu = process.cpuUsage(cpuMark);
    const wallMs = performance.now() - wallMark;
    const memory = process.memoryUsage();
    return {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      connections,
      bufferedTotal,
      bufferedMax,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      loopDelayP99: loopDelay.count > 0 ? Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) : 0,
    };
  };

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= server.close());
  const handle = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'clock':
        return now();
      case 'mark':
        cpuMark = process.cpuUsage();
        wallMark = performance.now();
        loopDelay.reset();
        return null;
      case 'stats':
        return stats();
      case 'produce':
        return produceFor(server, request.rate, request.keys, request.pad, request.ms);
      case 'stop':
        loopDelay.disable();
        await close();
        return null;
    }
  };
  const send = (message: unknown) => process.send!(message);
  process.on('message', (request: Request) => {
    handle(request).then(
      (result) => {
        send({ id: request.id, ok: true, result } satisfies Reply);
        if (request.op === 'stop') process.disconnect();
      },
      (error: unknown) => send({ id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply),
    );
  });
  // The parent died or gave up: do not outlive it.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  send({ op: 'ready', url: server.url });
}

// ---------------------------------------------------------------------------------------
// This process's side of a server process

class ServerProcess {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.result);
      else waiting?.reject(new Error(`server process: ${reply.error}`));
    });
    child.on('exit', (code, signal) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`server process exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  static async start(mode: Mode): Promise<ServerProcess> {
    const child = fork(SELF, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, FANOUT_SERVER: mode },
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise<string>((resolve, reject) => {
      child.once('message', (message: { op?: string; url?: string }) => (message.op === 'ready' ? resolve(message.url!) : reject(new Error(`server process said ${JSON.stringify(message)}`))));
      child.once('exit', (code) => reject(new Error(`server process exited with ${code} before it was ready`)));
    });
    return new ServerProcess(child, await ready);
  }

  request<T>(request: RequestBody): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id });
    });
  }

  /** The server clock minus ours, from the IPC round trip that was shortest. */
  async clockOffset(rounds = 7): Promise<{ offsetMs: number; uncertaintyMs: number }> {
    let best = { offsetMs: 0, uncertaintyMs: Infinity };
    for (let i = 0; i < rounds; i++) {
      const before = now();
      const theirs = await this.request<number>({ op: 'clock' });
      const after = now();
      const half = (after - before) / 2;
      if (half < best.uncertaintyMs) best = { offsetMs: theirs - (before + half), uncertaintyMs: half };
    }
    return best;
  }

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    await this.request({ op: 'stop' });
    await exited;
  }
}

// ---------------------------------------------------------------------------------------
// The clients (this process)

interface Client {
  ws: WebSocket;
  /** ws's TCP socket: pausing it stops reading, so the kernel buffers fill and then the server's. */
  socket: Socket;
  slow: boolean;
  /** While true (slow clients, until the catch-up), reading is limited to SLOW_BYTES_PER_SECOND. */
  throttled: boolean;
  readThisSecond: number;
  records: number;
  missed: number;
  errors: number;
  closedByServer: boolean;
}

/** What the clients count during the measurement window of a phase. */
interface Tally {
  on: boolean;
  fastRecords: number;
  slowRecords: number;
  /** Delivery latency of fast clients, microseconds. */
  latency: RecordableHistogram;
  /** Server clock minus ours. */
  offsetMs: number;
}

interface IncomingFrame {
  type: string;
  count?: number;
  value?: { sentAt: number };
  message?: string;
}

function onFrame(client: Client, tally: Tally, data: Buffer): void {
  const receivedAt = now();
  const frame = JSON.parse(data.toString()) as IncomingFrame;
  if (frame.type === 'record') {
    client.records++;
    if (!tally.on) return;
    if (client.slow) {
      tally.slowRecords++;
      return;
    }
    tally.fastRecords++;
    const latencyMs = receivedAt - (frame.value!.sentAt - tally.offsetMs);
    tally.latency.record(Math.max(1, Math.round(latencyMs * 1000)));
  } else if (frame.type === 'missed') {
    client.missed += frame.count!;
  } else if (frame.type === 'error') {
    client.errors++;
    if (client.errors === 1) console.error(`client got an error frame: ${frame.message}`);
  }
}

/** Opens a client, subscribes it, and resolves once the server has said `subscribed`. */
function connect(url: string, slow: boolean, tally: Tally): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const client: Client = { ws, socket: undefined as unknown as Socket, slow, throttled: slow, readThisSecond: 0, records: 0, missed: 0, errors: 0, closedByServer: false };
    let subscribed = false;
    const timer = setTimeout(() => reject(new Error(`no subscribed frame from ${url} within 15 s`)), 15_000);
    ws.on('open', () => {
      client.socket = (ws as unknown as { _socket: Socket })._socket;
      // ws's own 'data' listener gets the chunk as well; pausing here only stops the next ones.
      if (slow) {
        client.socket.on('data', (chunk: Buffer) => {
          client.readThisSecond += chunk.length;
          if (client.throttled && client.readThisSecond >= SLOW_BYTES_PER_SECOND) client.socket.pause();
        });
      }
      ws.send(JSON.stringify({ op: 'subscribe', id: SUB_ID, topic: TOPIC }));
    });
    ws.on('message', (data: Buffer) => {
      if (!subscribed) {
        // The first frame answers the subscribe (an error frame is reported by onFrame).
        subscribed = true;
        clearTimeout(timer);
        if (slow) client.socket.pause();
        resolve(client);
      }
      onFrame(client, tally, data);
    });
    ws.on('error', (error) => reject(error));
    ws.on('close', () => (client.closedByServer = true));
  });
}

async function connectAll(url: string, n: number, slowPercent: number, tally: Tally): Promise<Client[]> {
  // Slow clients spread evenly: client i is slow when i crosses a multiple of 100/P.
  const isSlow = (i: number) => Math.floor(((i + 1) * slowPercent) / 100) > Math.floor((i * slowPercent) / 100);
  const clients: Client[] = [];
  for (let from = 0; from < n; from += CONNECT_BATCH) {
    const batch: Promise<Client>[] = [];
    for (let i = from; i < Math.min(n, from + CONNECT_BATCH); i++) batch.push(connect(url, isSlow(i), tally));
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

/** Gives each slow client a new second's worth of reading every second; returns the function that lets them read freely. */
function throttleSlow(clients: Client[]): () => void {
  const slow = clients.filter((c) => c.slow);
  const tick = setInterval(() => {
    for (const c of slow) {
      c.readThisSecond = 0;
      c.socket.resume();
    }
  }, 1_000);
  return () => {
    clearInterval(tick);
    for (const c of slow) {
      c.throttled = false;
      c.socket.resume();
    }
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// One phase

interface PhaseResult {
  mode: Mode;
  clock: { offsetMs: number; uncertaintyMs: number };
  fastClients: number;
  slowClients: number;
  produced: number;
  windowSeconds: number;
  fastRecords: number;
  slowRecords: number;
  latency: { p50: number; p99: number; max: number; count: number };
  start: ServerStats;
  middle: ServerStats;
  end: ServerStats;
  /** This process (the clients): CPU over the window, percent of one core. */
  clientCpuPercent: number;
  missedFast: number;
  missedSlow: number;
  /** Clients whose records + missed count equal the updates produced, after the catch-up. */
  accounted: number;
  settleSeconds: number;
  closedByServer: number;
}

async function runPhase(mode: Mode): Promise<PhaseResult> {
  const server = await ServerProcess.start(mode);
  try {
    const clock = await server.clockOffset();
    const tally: Tally = { on: false, fastRecords: 0, slowRecords: 0, latency: createHistogram({ lowest: 1, highest: 600e6, figures: 3 }), offsetMs: clock.offsetMs };
    const clients = await connectAll(server.url, CLIENTS, SLOW_PERCENT, tally);
    const releaseSlow = throttleSlow(clients);
    const start = await server.request<ServerStats>({ op: 'stats' });

    const producing = server.request<number>({ op: 'produce', rate: RATE, keys: KEYS, pad: PAD, ms: WARMUP_MS + SECONDS * 1000 });
    await sleep(WARMUP_MS);
    await server.request({ op: 'mark' });
    const clientCpu = process.cpuUsage();
    const windowStart = performance.now();
    tally.on = true;
    await sleep((SECONDS * 1000) / 2);
    const middle = await server.request<ServerStats>({ op: 'stats' });
    await sleep(SECONDS * 1000 - (performance.now() - windowStart));
    tally.on = false;
    const windowSeconds = (performance.now() - windowStart) / 1000;
    const cpu = process.cpuUsage(clientCpu);
    const end = await server.request<ServerStats>({ op: 'stats' });
    const produced = await producing;

    // Catch-up: slow clients read freely until every client has had, or been told it missed, every update.
    releaseSlow();
    const settleStart = performance.now();
    await until(() => clients.every((c) => c.closedByServer || c.records + c.missed >= produced), SETTLE_MS);
    const settleSeconds = (performance.now() - settleStart) / 1000;
    const closedByServer = clients.filter((c) => c.closedByServer).length;
    for (const c of clients) c.ws.terminate();

    const sum = (list: Client[], f: (c: Client) => number) => list.reduce((s, c) => s + f(c), 0);
    const fast = clients.filter((c) => !c.slow);
    const slow = clients.filter((c) => c.slow);
    const us = (x: number) => x / 1000;
    return {
      mode,
      clock,
      fastClients: fast.length,
      slowClients: slow.length,
      produced,
      windowSeconds,
      fastRecords: tally.fastRecords,
      slowRecords: tally.slowRecords,
      latency:
        tally.latency.count > 0
          ? { p50: us(tally.latency.percentile(50)), p99: us(tally.latency.percentile(99)), max: us(tally.latency.max), count: tally.latency.count }
          : { p50: NaN, p99: NaN, max: NaN, count: 0 },
      start,
      middle,
      end,
      clientCpuPercent: ((cpu.user + cpu.system) / 1000 / (windowSeconds * 1000)) * 100,
      missedFast: sum(fast, (c) => c.missed),
      missedSlow: sum(slow, (c) => c.missed),
      accounted: clients.filter((c) => c.records + c.missed === produced).length,
      settleSeconds,
      closedByServer,
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------
// Reporting

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const ms = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : '-');
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

const label = (r: PhaseResult) => (r.mode === 'baseline' ? 'a. bare ws broadcast (baseline)' : 'b. fastdata /ws');
const fastRate = (r: PhaseResult) => r.fastRecords / r.windowSeconds;
const allRate = (r: PhaseResult) => (r.fastRecords + r.slowRecords) / r.windowSeconds;
/** Server CPU time per record delivered: the cost a fixed offered load hides in the msg/s figures. */
const cpuPerMessage = (r: PhaseResult) => ((r.end.cpuPercent / 100) * r.windowSeconds * 1e6) / (r.fastRecords + r.slowRecords);

function report(base: PhaseResult, fd: PhaseResult): void {
  const ratio = fastRate(base) > 0 ? fastRate(fd) / fastRate(base) : NaN;
  console.log('\ndelivery (measurement window; latency over fast clients)');
  table(
    ['run', 'updates', 'fast msg/s', 'all msg/s', 'vs baseline', 'p50 ms', 'p99 ms', 'max ms', 'latencies'],
    [base, fd].map((r) => [
      label(r),
      fmt(r.produced),
      fmt(fastRate(r)),
      fmt(allRate(r)),
      r === base ? '1.00' : ratio.toFixed(2),
      ms(r.latency.p50),
      ms(r.latency.p99),
      ms(r.latency.max),
      fmt(r.latency.count),
    ]),
  );
  console.log('\nserver process and slow clients');
  table(
    ['run', 'RSS MiB start/mid/end', 'end/mid', 'server CPU', 'CPU µs/msg', 'loop p99 ms', 'client CPU', 'buffered MiB mid/end (max/client)', 'dropped (missed)', 'accounted'],
    [base, fd].map((r) => [
      label(r),
      `${mib(r.start.rss)} / ${mib(r.middle.rss)} / ${mib(r.end.rss)}`,
      (r.end.rss / r.middle.rss).toFixed(2),
      `${r.end.cpuPercent.toFixed(0)}%`,
      cpuPerMessage(r).toFixed(1),
      ms(r.end.loopDelayP99),
      `${r.clientCpuPercent.toFixed(0)}%`,
      `${mib(r.middle.bufferedTotal)} / ${mib(r.end.bufferedTotal)} (${mib(r.end.bufferedMax)})`,
      r.mode === 'baseline' ? 'n/a' : `${fmt(r.missedSlow)}${r.missedFast > 0 ? ` (+${fmt(r.missedFast)} fast)` : ''}`,
      `${fmt(r.accounted)}/${fmt(r.fastClients + r.slowClients)}`,
    ]),
  );
  for (const r of [base, fd]) {
    const notes = [
      `clock offset ${r.clock.offsetMs.toFixed(2)} ms ±${r.clock.uncertaintyMs.toFixed(2)}`,
      `catch-up after the window ${r.settleSeconds.toFixed(1)} s`,
      `${r.slowRecords > 0 || r.slowClients > 0 ? `slow clients got ${fmt(r.slowRecords)} records in the window` : 'no slow clients'}`,
    ];
    if (r.closedByServer > 0) notes.push(`${r.closedByServer} clients closed by the server`);
    console.log(`  ${label(r)}: ${notes.join('; ')}`);
  }

  const offered = CLIENTS * RATE;
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const flat = Math.abs(fd.end.rss / fd.middle.rss - 1) <= 0.1;
  console.log('\ntargets (fastdata)');
  console.log(
    `  p99 < 100 ms at ~20,000 deliveries/s: ${verdict(fd.latency.p99 < 100)} (p99 ${ms(fd.latency.p99)} ms at ${fmt(allRate(fd))} delivered/s` +
      `${offered === 20_000 ? ')' : `; offered ${fmt(offered)}/s, not the target's 20,000)`}`,
  );
  console.log(`  >= 0.80 of the baseline's throughput (fast clients): ${verdict(ratio >= 0.8)} (${ratio.toFixed(2)})`);
  console.log(
    `  flat memory with ${SLOW_PERCENT}% slow clients (end RSS within 10% of middle): ${verdict(flat)} ` +
      `(${mib(fd.middle.rss)} -> ${mib(fd.end.rss)} MiB; baseline ${mib(base.middle.rss)} -> ${mib(base.end.rss)} MiB)`,
  );
  if (fd.missedSlow === 0 && Math.max(base.end.bufferedMax, fd.end.bufferedMax) === 0) {
    console.log('    (trivially: the slow clients never fell further behind than the kernel socket buffers hold, so neither server held anything for them; --pad makes frames bigger)');
  }
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  ensureBuilt(ROOT, (message) => console.log(`${message} ...`));
  const slowClients = Math.floor((CLIENTS * SLOW_PERCENT) / 100);
  console.log(`fastdata fan-out bench — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${process.platform}/${process.arch}`);
  console.log(
    `${fmt(CLIENTS)} clients (${fmt(slowClients)} slow: reading at most ${SLOW_BYTES_PER_SECOND / 1024} KiB/s), ${fmt(RATE)} updates/s over ${fmt(KEYS)} keys ` +
      `(${fmt(CLIENTS * RATE)} deliveries/s offered), ${PAD > 0 ? `${fmt(PAD)} bytes of padding per value, ` : ''}warm-up ${WARMUP_MS / 1000} s + ${SECONDS} s per phase`,
  );
  console.log(
    `server: a child process per phase; clients: all in this process (main thread), so their JSON parsing does not run on the server's event loop` +
      `${cpus().length <= 2 ? `, but the two processes share the ${cpus().length} cores` : ''}`,
  );
  // Bounded whatever happens: connecting, two windows, catch-ups, with room to spare.
  const watchdog = setTimeout(
    () => {
      console.error('fan-out bench: did not finish in time; giving up');
      process.exit(1);
    },
    2 * (WARMUP_MS + SECONDS * 1000 + SETTLE_MS + 60_000),
  );
  watchdog.unref();

  const base = await runPhase('baseline');
  console.log(`  a. baseline done: ${fmt(fastRate(base))} msg/s to fast clients, p99 ${ms(base.latency.p99)} ms`);
  const fd = await runPhase('fastdata');
  console.log(`  b. fastdata done: ${fmt(fastRate(fd))} msg/s to fast clients, p99 ${ms(fd.latency.p99)} ms`);
  report(base, fd);
}

const serverMode = process.env.FANOUT_SERVER as Mode | undefined;
(serverMode ? serverMain(serverMode) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
