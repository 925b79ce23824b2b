/**
 * WebSocket clients that never read, from the reproduction: 300 clients that
 * never read, each with 100 `resume`-from-0 subscriptions, took RSS from 110 MiB to
 * 1.6 GiB and kept it after they left (queued snapshot frames were not bounded in bytes,
 * and every history was read whole before anything was sent).
 *
 * Here real `ws` clients on 127.0.0.1 subscribe 100 times from offset 0 of a topic of
 * 12,000 records of 600 bytes and stop reading (their TCP socket paused): the server
 * reads and sends them one window of history each (it waits for their pongs), the bytes it
 * holds per client (socket buffer and queue, WsHub.stats) stay under the bound the limits
 * give, each such client is closed with 1008 and a reason once it has read nothing for
 * `slowClientMs`, and everything is freed when they are gone, while a client that reads
 * gets its history (the window of 10,000 records, the rest counted as missed) and live
 * records. Clients that subscribe live and stop reading while megabytes of records arrive
 * fill their socket buffers: their records are dropped (counted), the bytes held stay
 * under the bound, and they are closed the same way. Counts and bytes are asserted, never
 * times.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { type AvroEncoder, AvroSerde } from '../../src/schema/serde.js';
import { valueSubject } from '../../src/schema/types.js';
import { AccessLayer } from '../../src/serve/access/access-layer.js';
import { CLOSE_SLOW_CLIENT, CLOSE_TOO_MANY_CONNECTIONS, MAX_HISTORY } from '../../src/serve/ws/protocol.js';
import { HISTORY_WINDOW_BYTES } from '../../src/serve/ws/session.js';
import { type WsHub, type WsStats, wsHubOf, wsRoute } from '../../src/serve/ws/ws-route.js';
import { defineStream } from '../../src/stream/define.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOPIC = 'attack.readings';
const PARTITIONS = 3;
const RECORDS = 12_000;
const schema = { type: 'record', name: 'Reading', namespace: 'attack', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }, { name: 'pad', type: 'string' }] };
const module = defineStream<{ in: { id: string } }, { id: string }>({
  name: 'attack-readings',
  inputs: { in: 'attack.in' },
  output: { topic: TOPIC, schema, key: (v) => v.id },
  pipeline: ({ in: input }) => input,
});

const LIMITS = { maxBufferedBytes: 64 * 1024, maxQueuedBytes: 128 * 1024 };
/** What one client may hold: the socket buffer up to its limit plus one frame (a snapshot page of at most 64 KiB of values, about 100 KiB of JSON), and the queue. */
const CLIENT_BOUND = LIMITS.maxBufferedBytes + LIMITS.maxQueuedBytes + 160 * 1024;
const ATTACKERS = 8;
const SUBSCRIPTIONS = 100;
const T0 = Date.UTC(2026, 0, 1);

type Frame = Record<string, any>;

interface Attacker {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  resume(): void;
}

/** A client that subscribes SUBSCRIPTIONS times from offset 0 (or once, live) and then reads nothing (its TCP socket paused). */
async function attacker(url: string, live = false): Promise<Attacker> {
  const ws = new WebSocket(`${url}/ws`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const resume = Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [String(p), 0]));
  if (live) ws.send(JSON.stringify({ op: 'subscribe', id: 'live', topic: TOPIC }));
  else for (let i = 0; i < SUBSCRIPTIONS; i++) ws.send(JSON.stringify({ op: 'subscribe', id: `s${i}`, topic: TOPIC, resume }));
  const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  return { ws, closed, resume: () => socket.resume() };
}

async function reader(url: string): Promise<{ ws: WebSocket; frames: Frame[]; of: (id: string, type?: string) => Frame[] }> {
  const ws = new WebSocket(`${url}/ws`);
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, frames, of: (id, type) => frames.filter((f) => f.id === id && (type === undefined || f.type === type)) };
}

describe('WebSocket clients that never read', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let access: AccessLayer;
  let app: FastifyInstance;
  let hub: WsHub;
  let url: string;
  let encoder: AvroEncoder;

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const serde = new AvroSerde(registry);
    await log.createTopic({ name: TOPIC, partitions: PARTITIONS });
    encoder = await serde.encoderFor(valueSubject(TOPIC), schema);
    const pad = 'x'.repeat(600);
    for (let i = 0; i < RECORDS; i += 1000) {
      await log.produce(TOPIC, Array.from({ length: 1000 }, (_, j) => ({ key: `k${(i + j) % 500}`, value: encoder.encode({ id: `k${(i + j) % 500}`, n: i + j, pad }), timestamp: T0 + i + j })));
    }
    access = new AccessLayer({ log, registry, serde, modules: () => [module] });
    app = Fastify();
    hub = await wsRoute(app, { access, queue: LIMITS, slowClientMs: 1000, maxConnections: ATTACKERS + 2 });
    url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
  });
  afterAll(async () => {
    await app?.close();
    await access?.close();
    await log?.close();
    await registry?.close();
    await dir?.remove();
  });

  it('sends history a window at a time to clients that read nothing, bounds what it holds for them, closes them with 1008, frees everything, and serves a client that reads', async () => {
    expect(wsHubOf(access)).toBe(hub);
    const good = await reader(url);
    const attackers = await Promise.all(Array.from({ length: ATTACKERS }, () => attacker(url)));
    good.ws.send(JSON.stringify({ op: 'subscribe', id: 'all', topic: TOPIC, resume: { '0': 0, '1': 0, '2': 0 } }));

    // While they are connected, sample what the server holds for them.
    const samples: WsStats[] = [];
    const sampler = setInterval(() => samples.push(hub.stats()), 10);
    try {
      await eventually(() => hub.stats().slowDisconnects === ATTACKERS, { timeoutMs: 20_000 });
    } finally {
      clearInterval(sampler);
    }
    expect(samples.length).toBeGreaterThan(10);
    expect(Math.max(...samples.map((s) => s.maxClientBytes))).toBeLessThanOrEqual(CLIENT_BOUND);
    expect(Math.max(...samples.map((s) => s.queuedBytes))).toBeLessThanOrEqual((ATTACKERS + 1) * CLIENT_BOUND);
    // They asked for 8 × 100 histories of 10,000 records. Each got a window of history (a record is about 700 bytes of
    // JSON), with a page read ahead, before the server waited for a pong that never came; the reader got its 10,000.
    const perAttacker = Math.ceil(HISTORY_WINDOW_BYTES / 700) + 2 * 100;
    expect(hub.stats().snapshotReads.recordsRead).toBeLessThanOrEqual(MAX_HISTORY + ATTACKERS * perAttacker);

    // Each attacker, once it reads again, finds the close frame: 1008 and why.
    for (const a of attackers) a.resume();
    for (const a of attackers) {
      const { code, reason } = await a.closed;
      expect({ code, reason }).toEqual({ code: CLOSE_SLOW_CLIENT, reason: expect.stringMatching(/^slow client: read nothing for \d+ s with \d+ bytes unread/) });
    }

    // Everything the attackers held is freed.
    await eventually(() => hub.stats().connections === 1);
    const after = hub.stats();
    expect(after).toMatchObject({ connections: 1, slowDisconnects: ATTACKERS, subscriptions: 1 });
    await eventually(() => hub.stats().snapshotReads.active === 0 && hub.stats().snapshotReads.waiting === 0);

    // The client that reads got the window of history, the rest counted as missed, then live records.
    await eventually(() => good.of('all', 'snapshot').some((f) => f.complete), { timeoutMs: 20_000 });
    const history = good.of('all', 'snapshot').flatMap((f) => f.records as Frame[]);
    expect(history).toHaveLength(MAX_HISTORY);
    expect(good.of('all', 'missed')).toEqual([{ type: 'missed', id: 'all', count: RECORDS - MAX_HISTORY, conflated: true }]);
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = history.filter((r) => r.partition === p).map((r) => r.offset as number);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
      // The most recent records of each partition: they run to its end.
      expect(offsets.at(-1)).toBe((await log.offsets(TOPIC)).find((o) => o.partition === p)!.end - 1);
    }
    await log.produce(TOPIC, [{ key: 'live', value: encoder.encode({ id: 'live', n: -1, pad: '' }), timestamp: T0 + RECORDS }]);
    await eventually(() => good.of('all', 'record').some((f) => f.key === 'live'));
    good.ws.close();
    await eventually(() => hub.stats().connections === 0 && hub.stats().queuedBytes === 0 && hub.stats().subscriptions === 0);
  });

  it('drops the live records of clients that read nothing, within the byte bound, and closes them with 1008', async () => {
    const attackers = await Promise.all(Array.from({ length: 4 }, () => attacker(url, true)));
    await eventually(() => hub.stats().subscriptions === 4);
    const dropped = hub.stats().droppedFrames;
    const samples: WsStats[] = [];
    const sampler = setInterval(() => samples.push(hub.stats()), 10);
    try {
      // 10 MB for each of them: more than the loopback socket buffers take.
      const pad = 'y'.repeat(1000);
      for (let i = 0; i < 10; i++) {
        await log.produce(TOPIC, Array.from({ length: 1000 }, (_, j) => ({ key: `k${j}`, value: encoder.encode({ id: `k${j}`, n: i * 1000 + j, pad }), timestamp: T0 + RECORDS + i * 1000 + j })));
      }
      await eventually(() => hub.stats().slowDisconnects === ATTACKERS + 4, { timeoutMs: 20_000 });
    } finally {
      clearInterval(sampler);
    }
    const worst = Math.max(...samples.map((s) => s.maxClientBytes));
    // Their socket buffers filled (the records were really pushed at them), and no more than the bound was held.
    expect(worst).toBeGreaterThanOrEqual(LIMITS.maxBufferedBytes);
    expect(worst).toBeLessThanOrEqual(CLIENT_BOUND);
    expect(Math.max(...samples.map((s) => s.droppedFrames))).toBeGreaterThan(dropped);
    for (const a of attackers) a.resume();
    for (const a of attackers) expect((await a.closed).code).toBe(CLOSE_SLOW_CLIENT);
    await eventually(() => hub.stats().connections === 0 && hub.stats().queuedBytes === 0);
  });

  it('refuses connections past maxConnections with 1013', async () => {
    const open = await Promise.all(Array.from({ length: ATTACKERS + 2 }, () => reader(url)));
    const extra = new WebSocket(`${url}/ws`);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => extra.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    expect(closed).toEqual({ code: CLOSE_TOO_MANY_CONNECTIONS, reason: expect.stringContaining('too many connections') });
    expect(hub.stats().connectionsRefused).toBe(1);
    for (const c of open) c.ws.close();
    await eventually(() => hub.stats().connections === 0);
  });
});
