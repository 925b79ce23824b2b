/**
 * The WebSocket frames' parameters are range-checked as the REST query parameters are
 * (issue 15): `since` within the years 0000 to 9999, `resume` partitions int32, a `key` of
 * at most 1024 characters, a finite `t`; each bad one is an error frame naming the field,
 * the extremes are taken, and random frames (fast-check) never get an `internal` error or
 * cost the connection. Over fastify's injectWS: no network.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { AccessLayer } from '../../../src/serve/access/access-layer.js';
import { MAX_TIME, MIN_TIME } from '../../../src/serve/access/query-params.js';
import { MAX_PARTITION, parseClientFrame, sinceToMillis, type ErrorFrame } from '../../../src/serve/ws/protocol.js';
import { wsRoute } from '../../../src/serve/ws/ws-route.js';
import { defineStream } from '../../../src/stream/define.js';
import { tempDir } from '../../helpers/temp-dir.js';

const TOPIC = 'wsr.stats';
const schema = { type: 'record', name: 'Stat', namespace: 'wsr', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }] };
const module = defineStream<{ in: { id: string } }, { id: string }>({
  name: 'wsr-stats',
  inputs: { in: 'wsr.in' },
  output: { topic: TOPIC, schema, key: (v) => v.id },
  pipeline: ({ in: input }) => input,
});

const sub = { op: 'subscribe', id: 'a', topic: TOPIC };
const refused = (frame: unknown): ErrorFrame => {
  const result = parseClientFrame(typeof frame === 'string' ? frame : JSON.stringify(frame));
  if (result.ok) throw new Error(`accepted ${JSON.stringify(frame)}`);
  return result.error;
};
const accepted = (frame: object) => expect(parseClientFrame(JSON.stringify(frame)), JSON.stringify(frame)).toMatchObject({ ok: true });

describe('WebSocket frame parameters', () => {
  it.each([
    ['since past the year 9999', { ...sub, since: MAX_TIME + 1 }, 'invalid-since', /^since: .*from 0 to 253402300799999.*9999-12-31T23:59:59\.999Z \(got 253402300800000\)/],
    ['since the largest safe integer', { ...sub, since: Number.MAX_SAFE_INTEGER }, 'invalid-since', /^since: /],
    ['since 1e20', { ...sub, since: 1e20 }, 'invalid-since', /^since: .*\(got 100000000000000000000\)/],
    ['since a time that a zone puts past 9999', { ...sub, since: '9999-12-31T23:59:59.999-01:00' }, 'invalid-since', /^since: /],
    ['since a time that a zone puts before 0000', { ...sub, since: '0000-01-01T00:00:00+01:00' }, 'invalid-since', /^since: /],
    ['since a five-digit year', { ...sub, since: '10000-01-01' }, 'invalid-since', /^since: /],
    ['since an expanded year', { ...sub, since: '+010000-01-01T00:00:00Z' }, 'invalid-since', /^since: /],
    ['a resume partition past int32', { ...sub, resume: { [String(MAX_PARTITION + 1)]: 0 } }, 'invalid-resume', /^resume: "2147483648" is not a partition; keys must be partition numbers from 0 to 2147483647/],
    ['a resume offset past the safe integers', { ...sub, resume: { '0': 2 ** 53 } }, 'invalid-resume', /^resume\.0: /],
    ['a key over 1024 characters', { ...sub, key: 'k'.repeat(1025) }, 'invalid-key', /^key: must be a string of at most 1024 characters/],
  ])('refuses %s, naming the field', (_name, frame, code, message) => {
    const error = refused(frame);
    expect(error).toMatchObject({ type: 'error', id: 'a', code });
    expect(error.message).toMatch(message);
  });

  it('refuses non-finite numbers, which JSON’s 1e400 gives', () => {
    expect(refused(`{"op":"ping","t":1e400}`)).toMatchObject({ code: 'invalid-t', message: 't: must be a number (finite), echoed back in the pong (got Infinity)' });
    expect(refused(`{"op":"ping","t":-1e400}`)).toMatchObject({ code: 'invalid-t' });
    expect(refused(`{"op":"subscribe","id":"a","topic":"t","since":1e400}`)).toMatchObject({ code: 'invalid-since', message: expect.stringMatching(/\(got Infinity\)$/) });
    expect(refused(`{"op":"subscribe","id":"a","topic":"t","last":1e400}`)).toMatchObject({ code: 'invalid-last' });
    expect(refused(`{"op":"subscribe","id":"a","topic":"t","resume":{"0":1e400}}`)).toMatchObject({ code: 'invalid-resume' });
  });

  it('takes the extremes: the years 0000 to 9999, partition 2147483647, a 1024-character key', () => {
    for (const since of [0, MAX_TIME, '0000-01-01', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '0050-06-15T12:00Z']) accepted({ ...sub, since });
    accepted({ ...sub, resume: { [String(MAX_PARTITION)]: Number.MAX_SAFE_INTEGER, '0': 0 } });
    accepted({ ...sub, key: 'k'.repeat(1024) });
    accepted({ op: 'ping', t: -Number.MAX_VALUE });
    // The years 0 to 99 are those years, not 1900 to 1999 (as Date.UTC would have it).
    expect(sinceToMillis('0000-01-01')).toBe(MIN_TIME);
    expect(sinceToMillis('0050-06-15T12:00Z')).toBe(Date.parse('0050-06-15T12:00:00Z'));
    expect(sinceToMillis('0099-12-31T23:59:59.999Z')).toBe(Date.parse('0099-12-31T23:59:59.999Z'));
    expect(sinceToMillis('9999-12-31T23:59:59.999Z')).toBe(MAX_TIME);
  });

  it('never throws on random frames, and what it accepts is in range (fast-check)', () => {
    const frame = fc.record(
      {
        op: fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'nope'),
        id: fc.string({ maxLength: 70 }),
        topic: fc.constantFrom(TOPIC, 'x', '', '..', 'a b'),
        key: fc.oneof(fc.string({ maxLength: 1100 }), fc.integer()),
        since: fc.oneof(fc.double(), fc.integer({ min: -1, max: 9_007_199_254_740_991 }), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
        last: fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.double()),
        resume: fc.dictionary(fc.oneof(fc.nat().map(String), fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String), fc.string({ maxLength: 5 })), fc.oneof(fc.nat(), fc.double(), fc.bigInt({ min: 0n, max: 2n ** 60n }).map(Number))),
        t: fc.oneof(fc.double(), fc.string()),
      },
      { requiredKeys: ['op'] },
    );
    fc.assert(
      fc.property(frame, (f) => {
        const result = parseClientFrame(JSON.stringify(f));
        if (!result.ok || result.frame.op !== 'subscribe') return;
        const { since, resume } = result.frame;
        if (since !== undefined) expect(sinceToMillis(since)).toSatisfy((ms: number) => ms >= MIN_TIME && ms <= MAX_TIME);
        for (const p of Object.keys(resume ?? {})) expect(Number(p)).toBeLessThanOrEqual(MAX_PARTITION);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('WebSocket sessions with extreme and random parameters', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let access: AccessLayer;
  let app: FastifyInstance;
  let ws: WebSocket;
  const frames: Record<string, any>[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const serde = new AvroSerde(registry);
    await log.createTopic({ name: TOPIC, partitions: 2 });
    const encoder = await serde.encoderFor(valueSubject(TOPIC), schema);
    await log.produce(TOPIC, ['a', 'b', 'c', 'd'].map((id, n) => ({ key: id, value: encoder.encode({ id, n }), timestamp: Date.UTC(2026, 0, 1) + n })));
    access = new AccessLayer({ log, registry, serde, modules: () => [module] });
    app = Fastify({ logger: false });
    await wsRoute(app, { access });
    await app.ready();
    ws = await (app as unknown as { injectWS: (path: string) => Promise<WebSocket> }).injectWS('/ws');
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  });
  afterAll(async () => {
    ws?.terminate();
    await app?.close();
    await access?.close();
    await log?.close();
    await registry?.close();
    await dir?.remove();
  });

  /** Sends a frame and waits for the first answer about `id` (or any answer, for a frame without a usable id). */
  const ask = async (frame: unknown, id?: string): Promise<Record<string, any>> => {
    const seen = frames.length;
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    const deadline = Date.now() + 5_000;
    for (;;) {
      const answer = frames.slice(seen).find((f) => id === undefined || f.id === id || (f.type === 'error' && f.id === undefined));
      if (answer) return answer;
      if (Date.now() > deadline) throw new Error(`no answer to ${JSON.stringify(frame).slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };

  it('subscribes with the extremes of every range, with no internal error', async () => {
    const cases: Record<string, unknown>[] = [
      { since: 0 },
      { since: MAX_TIME },
      { since: '0000-01-01' },
      { since: '9999-12-31T23:59:59.999Z' },
      { resume: { [String(MAX_PARTITION)]: Number.MAX_SAFE_INTEGER, '0': 0, '1': Number.MAX_SAFE_INTEGER } },
      { last: 10_000 },
      { key: 'k'.repeat(1024), since: 0 },
    ];
    for (const [i, extra] of cases.entries()) {
      const id = `x${i}`;
      const answer = await ask({ op: 'subscribe', id, topic: TOPIC, ...extra }, id);
      expect(answer, JSON.stringify(extra).slice(0, 80)).toMatchObject({ type: 'subscribed', id, topic: TOPIC, partitions: 2 });
      expect(await ask({ op: 'unsubscribe', id }, id)).toMatchObject({ type: 'unsubscribed' });
    }
    expect(frames.filter((f) => f.code === 'internal')).toEqual([]);
    // since 0 sends the 4 records as history; since the year 9999 sends none.
    expect(frames.filter((f) => f.id === 'x0' && f.type === 'snapshot').flatMap((f) => f.records)).toHaveLength(4);
    expect(frames.filter((f) => f.id === 'x1' && f.type === 'snapshot').flatMap((f) => f.records)).toHaveLength(0);
  });

  it('answers random subscribe frames with subscribed or an error naming the problem, never internal, and keeps the connection (fast-check)', async () => {
    let n = 0;
    const extra = fc.record(
      {
        since: fc.oneof(fc.integer({ min: -1, max: 9_007_199_254_740_991 }), fc.double(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 })),
        last: fc.oneof(fc.integer({ min: -1, max: 10_001 }), fc.double()),
        resume: fc.dictionary(fc.oneof(fc.nat({ max: 3 }).map(String), fc.bigInt({ min: 0n, max: 10n ** 11n }).map(String), fc.string({ maxLength: 4 })), fc.oneof(fc.nat(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)), { maxKeys: 5 }),
        key: fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 1020, maxLength: 1030 }), fc.integer()),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(TOPIC, 'wsr.nope'), extra, async (topic, fields) => {
        const id = `r${n++}`;
        const answer = await ask({ op: 'subscribe', id, topic, ...fields }, id);
        expect(answer.code, JSON.stringify(answer).slice(0, 300)).not.toBe('internal');
        if (answer.type === 'subscribed') await ask({ op: 'unsubscribe', id }, id);
        else expect(answer).toMatchObject({ type: 'error', message: expect.stringMatching(/^[a-z.0-9, ]+: /) });
      }),
      { numRuns: 400 },
    );
    expect(frames.filter((f) => f.code === 'internal')).toEqual([]);
    expect(await ask({ op: 'ping', t: 7 })).toEqual({ type: 'pong', t: 7 });
  }, 120_000);
});
