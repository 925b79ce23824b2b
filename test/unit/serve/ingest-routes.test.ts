/**
 * POST /api/ingest/<topic> on the embedded log and registry: good records are durable when
 * it answers 202, keyed and timestamped as asked; a bad record is named by index and field,
 * with nothing written (or the good ones, with partial=true); a body over the limit is 413;
 * a log that does not keep up gets 429 with Retry-After, never an unbounded queue.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { partitionForStringKey } from '../../../src/log/partitioner.js';
import type { Log } from '../../../src/log/types.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { MAX_BODY_BYTES } from '../../../src/serve/ingest/ingest-routes.js';
import { startServer } from '../../../src/serve/server.js';
import { RecordIngest } from '../../../src/sources/record-ingest.js';
import { readAll } from '../../conformance/log.js';
import { tempDir } from '../../helpers/temp-dir.js';

const schema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'temperature', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

interface Reading {
  sensorId: string;
  ts: number;
  temperature: number;
  note: string | null;
}

const reading = (i: number): Reading => ({ sensorId: `s${i % 37}`, ts: 1_700_000_000_000 + i, temperature: 20 + (i % 10) / 2, note: i % 3 === 0 ? `n${i}` : null });

describe('POST /api/ingest/<topic>', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let serde: AvroSerde;
  let app: FastifyInstance;

  async function serve(ingestLog: Log = log, maxInFlightBytes?: number) {
    const ingest = new RecordIngest({ log: ingestLog, registry, serde, partitions: 4, ...(maxInFlightBytes ? { maxInFlightBytes } : {}) });
    ({ app } = await startServer({ status: async () => ({}), host: '127.0.0.1', port: 0, ingest }));
  }

  beforeEach(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(`${dir.path}/log`, { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(`${dir.path}/registry`);
    serde = new AvroSerde(registry);
    await registry.register('readings-value', JSON.stringify(schema));
  });
  afterEach(async () => {
    await app?.close();
    await log.close();
    await registry.close();
    await dir.remove();
  });

  const written = async () => Promise.all((await readAll(log, 'readings')).map(async (r) => ({ record: r, value: (await serde.decode(r.value!)) as Reading })));

  it('writes a JSON array, keyed and timestamped by the fields named, durable when it answers 202', async () => {
    await serve();
    const records = Array.from({ length: 2_000 }, (_, i) => reading(i));
    const response = await app.inject({ method: 'POST', url: '/api/ingest/readings?key=sensorId&time=ts', payload: records });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 2_000 });
    const out = await written();
    expect(out).toHaveLength(2_000);
    expect((await log.describeTopic('readings'))?.partitions).toBe(4);
    const byTs = new Map(out.map((o) => [o.value.ts, o]));
    for (const r of records) {
      const o = byTs.get(r.ts)!;
      expect(o.value).toEqual(r);
      expect(o.record.key?.toString()).toBe(r.sensorId);
      expect(o.record.partition).toBe(partitionForStringKey(r.sensorId, 4));
      expect(o.record.timestamp).toBe(r.ts);
    }
  });

  it('takes JSON lines and a single object; an ISO date as event time', async () => {
    await serve();
    const lines = `${JSON.stringify(reading(1))}\n\n${JSON.stringify({ ...reading(2), ts: 5 })}\n`;
    const a = await app.inject({ method: 'POST', url: '/api/ingest/readings?time=ts', headers: { 'content-type': 'application/x-ndjson' }, payload: lines });
    expect(a.statusCode).toBe(202);
    expect(a.json()).toEqual({ accepted: 2 });
    const b = await app.inject({ method: 'POST', url: '/api/ingest/readings?key=sensorId', payload: { ...reading(3), when: '2026-01-02T03:04:05Z' } });
    expect(b.statusCode, b.body).toBe(400); // `when` is no field of the schema: refused, not dropped silently
    expect(b.json().error).toMatchObject({ field: 'when', message: expect.stringMatching(/when: not a field of readings-value \(its fields are sensorId, ts, temperature, note\)/) });
    const c = await app.inject({ method: 'POST', url: '/api/ingest/readings?key=sensorId&time=note', payload: { ...reading(3), note: '2026-01-02T03:04:05Z' } });
    expect(c.statusCode, c.body).toBe(202);
    const out = await written();
    expect(out.map((o) => o.record.timestamp).sort((x, y) => x - y)).toEqual([5, reading(1).ts, Date.parse('2026-01-02T03:04:05Z')].sort((x, y) => x - y));
  });

  it('names the index and the field of a bad record and writes nothing; with partial=true writes the good ones', async () => {
    await serve();
    const records: unknown[] = Array.from({ length: 10 }, (_, i) => reading(i));
    records[3] = { ...reading(3), temperature: 'hot' };
    records[7] = { ...reading(7), sensorId: undefined };
    const refused = await app.inject({ method: 'POST', url: '/api/ingest/readings?key=sensorId', payload: records });
    expect(refused.statusCode).toBe(400);
    const body = refused.json() as { error: { message: string; field: string }; rejected: { index: number; field: string }[]; accepted: number };
    expect(body.rejected.map((r) => [r.index, r.field])).toEqual([
      [3, 'temperature'],
      [7, 'sensorId'],
    ]);
    expect(body.error.field).toBe('temperature');
    expect(body.error.message).toMatch(/record 3: temperature: expected "?double"?, got "hot".*nothing was written \(add partial=true/);
    expect(body.accepted).toBe(0);
    expect(await log.describeTopic('readings')).toBeUndefined();

    const partial = await app.inject({ method: 'POST', url: '/api/ingest/readings?key=sensorId&partial=true', payload: records });
    expect(partial.statusCode).toBe(400);
    expect(partial.json()).toMatchObject({ accepted: 8 });
    expect((await written()).map((o) => o.value.ts).sort()).toEqual([0, 1, 2, 4, 5, 6, 8, 9].map((i) => reading(i).ts));
  });

  it('refuses, naming the problem: a record with no usable key, a line that is not JSON, a bad parameter, a topic with no schema, an empty body', async () => {
    await serve();
    const noKey = await app.inject({ method: 'POST', url: '/api/ingest/readings?key=note', payload: [reading(1)] });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.message).toMatch(/note: the key field must be a string or a finite number, got null/);
    const badLine = await app.inject({ method: 'POST', url: '/api/ingest/readings', headers: { 'content-type': 'application/x-ndjson' }, payload: `${JSON.stringify(reading(1))}\n{"sensorId": \n` });
    expect(badLine.statusCode).toBe(400);
    expect(badLine.json().error.message).toMatch(/line 2 of the JSON lines is not JSON/);
    const badParam = await app.inject({ method: 'POST', url: '/api/ingest/readings?key=a%20b', payload: [reading(1)] });
    expect(badParam.statusCode).toBe(400);
    expect(badParam.json().error).toMatchObject({ field: 'key' });
    const noSchema = await app.inject({ method: 'POST', url: '/api/ingest/unknown.topic', payload: [reading(1)] });
    expect(noSchema.statusCode).toBe(404);
    expect(noSchema.json().error.message).toMatch(/topic unknown\.topic has no schema \(subject unknown\.topic-value\).*register one first/);
    const empty = await app.inject({ method: 'POST', url: '/api/ingest/readings', headers: { 'content-type': 'application/x-ndjson' }, payload: '' });
    expect(empty.statusCode).toBe(202);
    expect(empty.json()).toEqual({ accepted: 0 });
    expect(await log.describeTopic('readings')).toBeUndefined();
  });

  it('answers 413 over the stated body size', async () => {
    await serve();
    const big = `[${JSON.stringify(reading(1)).padEnd(MAX_BODY_BYTES + 10, ' ')}]`;
    const response = await app.inject({ method: 'POST', url: '/api/ingest/readings', headers: { 'content-type': 'application/json' }, payload: big });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.message).toMatch(/over 16777216 bytes; send the records in several requests/);
  });

  it('answers 429 with Retry-After while the log is still writing what it holds, and takes the request again once it is written', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const writing = new Promise<void>((resolve) => (entered = resolve));
    const slow = new Proxy(log, {
      get(target, prop) {
        if (prop === 'produce') {
          return async (...args: Parameters<Log['produce']>) => {
            entered();
            await held;
            return target.produce(...args);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Log;
    await serve(slow, 10_000);
    const batch = Array.from({ length: 500 }, (_, i) => reading(i));
    const first = app.inject({ method: 'POST', url: '/api/ingest/readings', payload: batch });
    await writing; // the first request's records are being written
    const second = await app.inject({ method: 'POST', url: '/api/ingest/readings', payload: batch });
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json().error.code).toBe('FD_INGEST_BUSY');
    release();
    expect((await first).statusCode).toBe(202);
    const third = await app.inject({ method: 'POST', url: '/api/ingest/readings', payload: batch });
    expect(third.statusCode).toBe(202);
    expect(await written()).toHaveLength(1_000);
  });
});
