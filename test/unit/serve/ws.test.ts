/**
 * The WebSocket endpoint /ws over a real socket on 127.0.0.1: history (last N, since,
 * resume) meeting live records without gap or overlap, key filters, bad frames answered
 * with error frames on a connection that stays open, and a slow client that gets the
 * latest value of every key and a count of what it missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import type { AvroEncoder } from '../../../src/schema/serde.js';
import { AccessLayer } from '../../../src/serve/access/access-layer.js';
import { defineStream } from '../../../src/stream/define.js';
import { eventually } from '../../helpers/eventually.js';
import { type AccessServer, startAccessServer } from '../../helpers/access-server.js';

const TOPIC = 'ws.stats';
const schema = { type: 'record', name: 'Reading', namespace: 'ws', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }] };
const module = defineStream<{ in: { id: string } }, { id: string }>({
  name: 'ws-stats',
  inputs: { in: 'ws.in' },
  output: { topic: TOPIC, schema, key: (v) => v.id },
  pipeline: ({ in: input }) => input,
});
/** Big records (8 KiB each), so a paused client fills the loopback socket buffers (megabytes) quickly. */
const BIG = 'ws.big';
const bigSchema = { type: 'record', name: 'Big', namespace: 'ws', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }, { name: 'pad', type: 'string' }] };
const bigModule = defineStream<{ in: { id: string } }, { id: string }>({
  name: 'ws-big',
  inputs: { in: 'ws.in' },
  output: { topic: BIG, schema: bigSchema, key: (v) => v.id },
  pipeline: ({ in: input }) => input,
});
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

type Frame = Record<string, any>;

/** A client that records every frame it receives. */
async function connect(url: string): Promise<{ ws: WebSocket; frames: Frame[]; send: (frame: unknown) => void; of: (id: string, type?: string) => Frame[] }> {
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    ws,
    frames,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    of: (id, type) => frames.filter((f) => f.id === id && (type === undefined || f.type === type)),
  };
}

describe('WebSocket /ws', () => {
  let server: AccessServer;
  let log: EmbeddedLog;
  let access: AccessLayer;
  let encoder: AvroEncoder;
  let bigEncoder: AvroEncoder;
  let url: string;
  let n = 0;
  const produce = async (ids: string[]) => {
    await log.produce(TOPIC, ids.map((id) => ({ key: id, value: encoder.encode({ id, n: n }), timestamp: T0 + n++ * 1000 })));
  };

  beforeAll(async () => {
    server = await startAccessServer({
      modules: [module, bigModule],
      topics: [
        { name: TOPIC, partitions: 3, schema },
        { name: BIG, partitions: 2, schema: bigSchema },
      ],
      wsQueue: { maxQueued: 20, maxBufferedBytes: 4096 },
    });
    ({ log, access, url } = server);
    encoder = server.encoders[TOPIC]!;
    bigEncoder = server.encoders[BIG]!;
    for (let i = 0; i < 20; i++) await produce(['a', 'b', 'c']);
  });
  afterAll(async () => server?.close());

  it('sends the last N records of a key, then its live records', async () => {
    const c = await connect(url);
    c.send({ op: 'subscribe', id: 'b', topic: TOPIC, key: 'b', last: 3 });
    await eventually(() => c.of('b', 'snapshot').length === 1);
    const [subscribed] = c.of('b', 'subscribed');
    expect(subscribed).toMatchObject({ topic: TOPIC, partitions: 3 });
    const snapshot = c.of('b', 'snapshot')[0]!;
    expect(snapshot.complete).toBe(true);
    expect(snapshot.records.map((r: Frame) => r.value.n)).toEqual([52, 55, 58]);
    await produce(['a', 'b']);
    await eventually(() => c.of('b', 'record').length === 1);
    expect(c.of('b', 'record')[0]).toMatchObject({ topic: TOPIC, key: 'b', value: { id: 'b', n: 61 } });
    expect(c.frames.filter((f) => f.type === 'record' && f.key !== 'b')).toEqual([]);
    c.ws.close();
  });

  it('sends history since a time, and resumes after a reconnect without a gap or a repeat', async () => {
    const first = await connect(url);
    first.send({ op: 'subscribe', id: 'all', topic: TOPIC, since: new Date(T0 + 50_000).toISOString() });
    await eventually(() => first.of('all', 'snapshot').some((f) => f.complete));
    const history = first.of('all', 'snapshot').flatMap((f) => f.records);
    expect(history.map((r: Frame) => r.value.n)).toEqual(Array.from({ length: n - 50 }, (_, i) => 50 + i));
    // Seed resume offsets from `subscribed`, then move them with every record.
    const resume: Record<string, number> = { ...first.of('all', 'subscribed')[0]!.offsets };
    for (const r of history) resume[r.partition] = Math.max(resume[r.partition] ?? 0, r.offset + 1);
    first.ws.close();
    await produce(['a', 'b', 'c', 'a']); // written while the client is away

    const second = await connect(url);
    second.send({ op: 'subscribe', id: 'all', topic: TOPIC, resume });
    await eventually(() => second.of('all', 'snapshot').some((f) => f.complete));
    const missedWhileAway = second.of('all', 'snapshot').flatMap((f) => f.records);
    expect(missedWhileAway.map((r: Frame) => r.value.n)).toEqual([n - 4, n - 3, n - 2, n - 1]);
    await produce(['c']);
    await eventually(() => second.of('all', 'record').length === 1);
    expect(second.of('all', 'record')[0]!.value.n).toBe(n - 1);
    second.ws.close();
  });

  it('answers bad frames with an error naming the problem, and the connection stays open', async () => {
    const c = await connect(url);
    c.send('{not json');
    c.send({ op: 'subscribe', id: 'x', topic: 'no.such.topic' });
    c.send({ op: 'subscribe', id: 'y', topic: TOPIC, last: 0 });
    c.send({ op: 'subscribe', id: 'z', topic: TOPIC, last: 1, since: 5 });
    c.send({ op: 'unsubscribe', id: 'never' });
    c.send({ op: 'subscribe', id: 'big', topic: TOPIC, key: 'k'.repeat(70_000) });
    c.send({ op: 'ping', t: 7 });
    await eventually(() => c.frames.some((f) => f.type === 'pong'));
    await eventually(() => c.frames.filter((f) => f.type === 'error').length === 6);
    const errors = c.frames.filter((f) => f.type === 'error');
    expect(errors.map((e) => e.code).sort()).toEqual(['conflicting-fields', 'frame-too-large', 'invalid-json', 'invalid-last', 'unknown-subscription', 'unknown-topic']);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(15);
    expect(c.frames.find((f) => f.type === 'pong')).toEqual({ type: 'pong', t: 7 });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.send({ op: 'subscribe', id: 'ok', topic: TOPIC });
    await eventually(() => c.of('ok', 'subscribed').length === 1);
    c.ws.close();
  });

  it('gives a slow client the latest value of every key and a count of what it missed, in bounded memory', async () => {
    const c = await connect(url);
    c.send({ op: 'subscribe', id: 'slow', topic: BIG });
    await eventually(() => c.of('slow', 'subscribed').length === 1);
    // Stop reading: the socket buffers fill, then the server's queue (20 frames) conflates.
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const rounds = 600;
    const pad = 'x'.repeat(8192);
    for (let i = 0; i < rounds; i++) {
      await log.produce(BIG, keys.map((id) => ({ key: id, value: bigEncoder.encode({ id, n: i, pad }), timestamp: T0 + i })));
    }
    await eventually(async () => (await access.view(BIG)).stats().records === rounds * keys.length, { timeoutMs: 10_000 });
    socket.resume();
    const received = () => c.of('slow', 'record');
    await eventually(() => keys.every((k) => received().some((r) => r.key === k && r.value.n === rounds - 1)), { timeoutMs: 10_000 });
    const missed = c.of('slow', 'missed').reduce((sum, f) => sum + f.count, 0);
    expect(missed).toBeGreaterThan(0);
    expect(received().length + missed).toBe(rounds * keys.length);
    // Per key, values only move forward.
    for (const k of keys) {
      const values = received().filter((r) => r.key === k).map((r) => r.value.n);
      expect(values).toEqual([...values].sort((x, y) => x - y));
    }
    c.ws.close();
  });
});
