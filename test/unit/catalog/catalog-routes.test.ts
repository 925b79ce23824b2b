/**
 * The catalog's REST routes over a small project of our own: a topic's profile with
 * numbers worked out by hand (null rate, min/max, distinct, records that fail to decode,
 * tombstones, rate), all versions of a schema with the field changes between them, and
 * bad input answered with 404/400 naming the thing.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogProject } from '../../../src/catalog/project.js';
import type { Catalog, SchemaHistory, TopicProfile } from '../../../src/catalog/types.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { catalogRoutes } from '../../../src/serve/catalog/routes.js';
import { tempDir } from '../../helpers/temp-dir.js';

const NOW = Date.now();
const reading = (fields: object[]) => ({ type: 'record', name: 'Reading', namespace: 'test', fields: [{ name: 'id', type: 'string' }, ...fields] });
const V1 = reading([{ name: 'count', type: 'int' }, { name: 'temp', type: ['null', 'double'], default: null }]);
const V2 = reading([{ name: 'count', type: 'long' }, { name: 'temp', type: ['null', 'double'], default: null }, { name: 'site', type: 'string', default: 'plant-a' }]);

const project: CatalogProject = {
  root: '/nowhere',
  modules: [{ name: 'summary', doc: 'Sums <script>alert(1)</script> **readings**.', inputs: ['t.readings'], tables: [], output: 't.summary', schema: null, sinks: {}, repartitions: [], file: null }],
  rules: [],
  dashboards: [],
      inputs: [],
  topics: [{ name: 't.readings', partitions: 1 }],
  alertTopic: 'fastdata.alerts',
  problems: [],
};

describe('catalog routes', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const serde = new AvroSerde(registry);
    await log.createTopic({ name: 't.readings', partitions: 1 });
    const encoder = await serde.encoderFor('t.readings-value', V1);
    const temps = [1, 9, 4, null, 5, 5, 2, 8, 3, 7];
    const records = temps.map((temp, i) => ({ key: `s${i % 4}`, value: encoder.encode({ id: `s${i % 4}`, count: i, temp }), timestamp: NOW - 30_000 + i * 1_000 }));
    // Two records no reader can decode (no Confluent framing; an unknown schema id), and a tombstone.
    records.push({ key: 'x', value: Buffer.from('{"id":"json"}'), timestamp: NOW - 19_000 });
    records.push({ key: 'y', value: Buffer.from([0, 0, 0, 0, 99, 1, 2]), timestamp: NOW - 18_000 });
    records.push({ key: 's0', value: null as unknown as Buffer, timestamp: NOW - 17_000 });
    // Two minutes old: counted in the log, not in the rate over the last minute.
    await log.produce('t.readings', [{ key: 'old', value: encoder.encode({ id: 'old', count: -1, temp: 100 }), timestamp: NOW - 120_000 }]);
    await log.produce('t.readings', records);
    await registry.register('t.readings-value', V2);
    app = Fastify();
    await app.register(catalogRoutes, { access: { log, serde, outputs: async () => [] }, root: dir.path, registry, project: async () => project });
  });
  afterAll(async () => {
    await app?.close();
    await log?.close();
    await registry?.close();
    await dir?.remove();
  });

  it('profiles a topic: counts, rate, last record, per-field stats and the share that fails to decode', async () => {
    const response = await app.inject({ url: '/api/catalog/topics/t.readings/profile' });
    expect(response.statusCode).toBe(200);
    const profile = response.json<TopicProfile>();
    expect(profile).toMatchObject({ topic: 't.readings', partitions: 1, records: 14, lastRecordTime: NOW - 17_000 });
    expect(profile.ratePerSecond).toBeCloseTo(13 / 60, 6);
    expect(profile.sample).toMatchObject({ records: 14, limit: 1000, tombstones: 1, decodeFailures: 2, fromTime: NOW - 120_000, toTime: NOW - 17_000 });
    expect(profile.sample.decodeFailureShare).toBeCloseTo(2 / 13, 6);
    expect(profile.sample.failureExamples).toHaveLength(2);
    const fields = Object.fromEntries(profile.fields.map((f) => [f.path, f]));
    // 11 decoded records: the old one (temp 100) and the ten above, one of them with temp null.
    expect(fields.temp).toEqual({ path: 'temp', nullRate: 1 / 11, min: 1, max: 100, distinct: 9, distinctCapped: false });
    expect(fields.id).toEqual({ path: 'id', nullRate: 0, min: 'old', max: 's3', distinct: 5, distinctCapped: false });
    expect(fields.count).toMatchObject({ min: -1, max: 9, distinct: 11 });
  });

  it('samples only the newest records when asked for fewer', async () => {
    const profile = (await app.inject({ url: '/api/catalog/topics/t.readings/profile?limit=3' })).json<TopicProfile>();
    expect(profile.records).toBe(14);
    expect(profile.sample).toMatchObject({ records: 3, tombstones: 1, decodeFailures: 2, limit: 3 });
    expect(profile.fields).toEqual([]);
  });

  it('serves every version of a schema with the field changes from the one before', async () => {
    const response = await app.inject({ url: '/api/catalog/schemas/t.readings-value' });
    expect(response.statusCode).toBe(200);
    const history = response.json<SchemaHistory>();
    expect(history.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(history.versions[0]!.changes).toEqual([]);
    expect(history.versions[1]!.changes).toEqual([
      { path: 'count', change: 'changed', details: ['type int -> long'], before: { type: 'int', nullable: false, logicalType: null }, after: { type: 'long', nullable: false, logicalType: null } },
      { path: 'site', change: 'added', details: [], before: null, after: { type: 'string', nullable: false, logicalType: null } },
    ]);
  });

  it('renders module docs as safe HTML in the catalog', async () => {
    const catalog = (await app.inject({ url: '/api/catalog' })).json<Catalog>();
    expect(catalog.modules[0]!.docHtml).toBe('<p>Sums &lt;script&gt;alert(1)&lt;/script&gt; <strong>readings</strong>.</p>');
    expect(catalog.topics.find((t) => t.name === 't.readings')).toMatchObject({ role: 'source', schemaVersions: [1, 2], readers: ['summary'] });
  });

  it('answers 404 naming an unknown topic, subject or module, and 400 naming a bad parameter', async () => {
    const profile = await app.inject({ url: '/api/catalog/topics/no.such/profile' });
    expect(profile.statusCode).toBe(404);
    expect(profile.json()).toEqual({ error: { code: 'FD_TOPIC_NOT_FOUND', message: 'no topic "no.such" in the log; the topics are t.readings', field: 'topic' } });
    const made = await app.inject({ url: '/api/catalog/outputs/no.such/provenance' });
    expect(made.statusCode).toBe(404);
    expect(made.json().error.message).toMatch(/^"no\.such" is not an output of this project .* the outputs are t\.summary$/);
    const subject = await app.inject({ url: '/api/catalog/schemas/no.such-value' });
    expect(subject.statusCode).toBe(404);
    expect(subject.json().error.message).toContain('no.such-value');
    const code = await app.inject({ url: '/api/catalog/modules/summary/code' });
    expect(code.statusCode).toBe(404);
    expect(code.json().error).toMatchObject({ field: 'name', message: expect.stringContaining('"summary"') });
    const limit = await app.inject({ url: '/api/catalog/topics/t.readings/profile?limit=0' });
    expect(limit.statusCode).toBe(400);
    expect(limit.json().error).toMatchObject({ code: 'FD_ARGUMENT_INVALID', field: 'limit' });
    const name = await app.inject({ url: `/api/catalog/topics/${encodeURIComponent('bad topic!')}/profile` });
    expect(name.statusCode).toBe(400);
    expect(name.json().error.code).toBe('FD_TOPIC_INVALID');
  });
});
