/**
 * The REST access layer over HTTP on 127.0.0.1: an output topic written with known
 * records (as a module would, Avro with Confluent framing), then every endpoint and its
 * bad input.
 */
import { Readable } from 'node:stream';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { defineStream } from '../../../src/stream/define.js';
import { type AccessServer, startAccessServer } from '../../helpers/access-server.js';

const TOPIC = 'test.stats';
const schema = {
  type: 'record',
  name: 'Stat',
  namespace: 'test',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'count', type: 'long' },
    { name: 'mean', type: ['null', 'double'], default: null },
  ],
};
const module = defineStream<{ readings: { sensorId: string } }, { sensorId: string }>({
  name: 'test-stats',
  doc: 'Per-sensor counts, for the access layer tests.',
  inputs: { readings: 'test.readings' },
  output: { topic: TOPIC, schema, key: (s) => s.sensorId },
  pipeline: ({ readings }) => readings,
});

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
/** 3 sensors × 10 minutes, one record per sensor and minute, timestamps = window starts. */
const written = Array.from({ length: 10 }, (_, minute) =>
  ['s-1', 's-2', 's-3'].map((sensorId, i) => ({ sensorId, windowStart: T0 + minute * 60_000, count: minute * 10 + i, mean: i === 2 ? null : minute + i / 10 })),
).flat();

describe('REST access layer', () => {
  let server: AccessServer;
  let log: EmbeddedLog;
  let url: string;
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    server = await startAccessServer({ modules: [module], topics: [{ name: TOPIC, partitions: 2, schema }] });
    ({ log, url } = server);
    const encoder = server.encoders[TOPIC]!;
    await log.produce(TOPIC, written.map((v) => ({ key: v.sensorId, value: encoder.encode(v), timestamp: v.windowStart })));
  });
  afterAll(async () => server?.close());

  it('lists the outputs with their lineage', async () => {
    const { status, body } = await get('/api/outputs');
    expect(status).toBe(200);
    expect(body.outputs).toEqual([{ topic: TOPIC, module: 'test-stats', doc: module.doc, inputs: ['test.readings'], partitions: 2, subject: `${TOPIC}-value` }]);
  });

  it('describes one output with its registered schema', async () => {
    const { status, body } = await get(`/api/outputs/${TOPIC}`);
    expect(status).toBe(200);
    expect(body.schema).toMatchObject({ subject: `${TOPIC}-value`, version: 1 });
    expect(body.schema.avro.fields.map((f: { name: string }) => f.name)).toEqual(['sensorId', 'windowStart', 'count', 'mean']);
  });

  it('answers the latest record of every key, and of one key', async () => {
    const { body } = await get(`/api/outputs/${TOPIC}/latest`);
    expect(body.total).toBe(3);
    expect(body.records.map((r: any) => [r.key, r.value.count])).toEqual([
      ['s-1', 90],
      ['s-2', 91],
      ['s-3', 92],
    ]);
    const one = await get(`/api/outputs/${TOPIC}/latest/s-3`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ topic: TOPIC, key: 's-3', value: { sensorId: 's-3', count: 92, mean: null } });
    expect(typeof one.body.offset).toBe('number');
    const prefixed = await get(`/api/outputs/${TOPIC}/latest?prefix=s-2&limit=5`);
    expect(prefixed.body.records.map((r: any) => r.key)).toEqual(['s-2']);
  });

  it('pages through a time range in time order without losing or repeating a record', async () => {
    const from = T0 + 2 * 60_000;
    const to = T0 + 7 * 60_000;
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `from=${from}&to=${new Date(to).toISOString()}&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get(`/api/outputs/${TOPIC}/records?${query}`);
      expect(status).toBe(200);
      expect(body.records.length).toBeLessThanOrEqual(4);
      seen.push(...body.records);
      cursor = body.next;
      pages++;
    } while (cursor && pages < 20);
    const expected = written.filter((w) => w.windowStart >= from && w.windowStart < to);
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen.map((r) => `${r.partition}:${r.offset}`)).size).toBe(expected.length);
    expect(seen.map((r) => r.timestamp)).toEqual([...seen.map((r) => r.timestamp)].sort((a, b) => a - b));
    const byKey = await get(`/api/outputs/${TOPIC}/records?from=${T0}&to=${T0 + 3_600_000}&key=s-2`);
    expect(byKey.body.records.map((r: any) => r.value.count)).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
    expect(byKey.body.next).toBeNull();
  });

  it('exports a range as JSON lines, CSV and an Avro object container file', async () => {
    const range = `from=${T0}&to=${T0 + 3 * 60_000}`;
    const expected = written.filter((w) => w.windowStart < T0 + 3 * 60_000);

    const jsonl = await fetch(`${url}/api/outputs/${TOPIC}/export?${range}&format=jsonl`);
    expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
    expect(jsonl.headers.get('content-disposition')).toMatch(/attachment; filename="test\.stats-.*\.jsonl"/);
    const lines = (await jsonl.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.value.count).sort((a, b) => a - b)).toEqual(expected.map((w) => w.count).sort((a, b) => a - b));

    const text = await (await fetch(`${url}/api/outputs/${TOPIC}/export?${range}&format=csv`)).text();
    const rows = text.trim().split('\r\n');
    expect(rows[0]).toBe('topic,partition,offset,timestamp,key,sensorId,windowStart,count,mean');
    expect(rows).toHaveLength(expected.length + 1);
    expect(rows.some((row) => row.endsWith(',s-3,s-3,' + T0 + ',2,'))).toBe(true); // a null mean is an empty cell

    const file = Buffer.from(await (await fetch(`${url}/api/outputs/${TOPIC}/export?${range}&format=avro&key=s-1`)).arrayBuffer());
    const decoded: { count: number }[] = [];
    let writerSchema: { name?: string } | undefined;
    await new Promise<void>((resolve, reject) =>
      Readable.from([file])
        .pipe(new avro.streams.BlockDecoder())
        .on('metadata', (type: { name?: string }) => (writerSchema = type))
        .on('data', (value: { count: number }) => decoded.push(value))
        .on('end', resolve)
        .on('error', reject),
    );
    expect(writerSchema?.name).toBe('test.Stat');
    expect(decoded.map((v) => v.count)).toEqual([0, 10, 20]);

    const bad = await get(`/api/outputs/${TOPIC}/export?format=xlsx`);
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'FD_ARGUMENT_INVALID', field: 'format' } } });
  });

  it('describes every output in an OpenAPI document generated from its Avro schema, with a docs page', async () => {
    const { status, body } = await get('/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining([`/api/outputs/${TOPIC}/latest`, `/api/outputs/${TOPIC}/latest/{key}`, `/api/outputs/${TOPIC}/records`, `/api/outputs/${TOPIC}/export`]));
    const value = body.components.schemas[TOPIC];
    expect(value.required).toEqual(['sensorId', 'windowStart', 'count']);
    expect(value.properties.mean.type).toEqual(['number', 'null']);
    const docs = await fetch(`${url}/api/docs`);
    expect(await docs.text()).toContain('/api/openapi.json');
    expect((await fetch(`${url}/api/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });

  it('names the problem of bad input, and the process keeps serving', async () => {
    const cases: [string, number, string, string | undefined][] = [
      ['/api/outputs/nope', 404, 'FD_TOPIC_NOT_FOUND', 'topic'],
      ['/api/outputs/nope/latest', 404, 'FD_TOPIC_NOT_FOUND', 'topic'],
      [`/api/outputs/${TOPIC}/latest/s-9`, 404, 'FD_KEY_NOT_FOUND', 'key'],
      [`/api/outputs/${TOPIC}/latest?limit=0`, 400, 'FD_ARGUMENT_INVALID', 'limit'],
      [`/api/outputs/${TOPIC}/latest/${encodeURIComponent('a\u0001b')}`, 400, 'FD_ARGUMENT_INVALID', 'key'],
      [`/api/outputs/${TOPIC}/records?from=yesterday`, 400, 'FD_ARGUMENT_INVALID', 'from'],
      [`/api/outputs/${TOPIC}/records?from=${T0 + 1000}&to=${T0}`, 400, 'FD_ARGUMENT_INVALID', 'from'],
      [`/api/outputs/${TOPIC}/records?limit=100000`, 400, 'FD_ARGUMENT_INVALID', 'limit'],
      [`/api/outputs/${TOPIC}/records?cursor=not-a-cursor`, 400, 'FD_ARGUMENT_INVALID', 'cursor'],
      [`/api/outputs/${TOPIC}/records?from=-1fortnight`, 400, 'FD_DURATION_INVALID', 'from'],
    ];
    for (const [path, status, code, field] of cases) {
      const response = await get(path);
      expect({ path, status: response.status, code: response.body.error?.code, field: response.body.error?.field }).toEqual({ path, status, code, field });
      expect(response.body.error.message.length).toBeGreaterThan(10);
    }
    expect((await get('/api/outputs')).status).toBe(200);
  });

  it('follows new records: the latest of a key changes once one is appended', async () => {
    const encoder = server.encoders[TOPIC]!;
    await log.produce(TOPIC, [{ key: 's-1', value: encoder.encode({ sensorId: 's-1', windowStart: T0 + 600_000, count: 1000, mean: 1.5 }), timestamp: T0 + 600_000 }]);
    await expect.poll(async () => (await get(`/api/outputs/${TOPIC}/latest/s-1`)).body.value?.count, { timeout: 5_000 }).toBe(1000);
  });
});
