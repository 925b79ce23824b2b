/**
 * Every query parameter of the API is range-checked (issue 15: `from=99999999999999999999`
 * and `to=1e20` answered 500 "Invalid time value"). Each route that reads query parameters
 * (outputs records / export / latest, alerts and silences, the catalog's topic profile) is
 * sent each bad value of each of its parameters and answers 400 FD_ARGUMENT_INVALID naming
 * the parameter and what it takes; the extremes of the accepted ranges answer 200; and a
 * fast-check property throws a few thousand random values at them and never gets a 500.
 * All through fastify's inject: no network.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAlertingApi } from '../../../src/alerts/runtime/alerting-api.js';
import { AlertPublisher } from '../../../src/alerts/topic/alert-publisher.js';
import type { CatalogProject } from '../../../src/catalog/project.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { AccessLayer } from '../../../src/serve/access/access-layer.js';
import { outputRoutes } from '../../../src/serve/access/output-routes.js';
import { MAX_TIME, MIN_TIME } from '../../../src/serve/access/query-params.js';
import { alertRoutes } from '../../../src/serve/alerts/alert-routes.js';
import { catalogRoutes } from '../../../src/serve/catalog/routes.js';
import { defineStream } from '../../../src/stream/define.js';
import { tempDir } from '../../helpers/temp-dir.js';

const TOPIC = 'q.stats';
const schema = { type: 'record', name: 'Stat', namespace: 'q', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }] };
const module = defineStream<{ in: { id: string } }, { id: string }>({
  name: 'q-stats',
  inputs: { in: 'q.in' },
  output: { topic: TOPIC, schema, key: (v) => v.id },
  pipeline: ({ in: input }) => input,
});
const project: CatalogProject = { root: '/nowhere', modules: [], rules: [], dashboards: [], inputs: [], topics: [{ name: TOPIC, partitions: 2 }], alertTopic: 'fastdata.alerts', problems: [] };

type Kind = 'time' | 'limit' | 'key' | 'cursor' | 'format' | 'status' | 'state';
/** Each route that reads query parameters, with its parameters. */
const ROUTES: { path: string; params: Record<string, Kind> }[] = [
  { path: `/api/outputs/${TOPIC}/records`, params: { from: 'time', to: 'time', limit: 'limit', key: 'key', cursor: 'cursor' } },
  { path: `/api/outputs/${TOPIC}/export`, params: { from: 'time', to: 'time', key: 'key', format: 'format' } },
  { path: `/api/outputs/${TOPIC}/latest`, params: { limit: 'limit', prefix: 'key' } },
  { path: '/api/alerts', params: { from: 'time', to: 'time', limit: 'limit', rule: 'key', key: 'key', status: 'status' } },
  { path: '/api/alerts/silences', params: { state: 'state' } },
  { path: `/api/catalog/topics/${TOPIC}/profile`, params: { limit: 'limit' } },
];

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const LONG = 'x'.repeat(100_000);
/** Values every parameter refuses: empty, given twice (the value `[a, b]` stands for `?p=a&p=b`), very long. */
const ANY_BAD: (string | string[])[] = ['', ['1', '2'], ['', ''], LONG, `${'9'.repeat(5_000)}`];
const BAD: Record<Kind, (string | string[])[]> = {
  time: [
    '99999999999999999999', // the review's
    '1e20', // the review's
    String(MAX_TIME + 1), // 10000-01-01T00:00:00.000Z
    '8640000000000001', // past what a Date holds
    '-1',
    '-1e20',
    '-99999999999999d', // a duration back from now, before the year 0
    'NaN',
    'Infinity',
    '-Infinity',
    '1.5', // Date.parse makes this 2001-01-02: refused rather than guessed at
    '0x10',
    '10000-01-01',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '2024-02-30',
    '2024-05-01T24:00:00Z',
    'March 7',
    'yesterday',
  ],
  limit: ['0', '-1', '1e20', '99999999999999999999', '999999999', '1.5', 'NaN', 'Infinity', '0x10', ' 5', 'ten'],
  key: ['a\u0001b', 'x'.repeat(1025)],
  cursor: ['not-a-cursor', cursorOf({ '99999999999': 1 }), cursorOf({ '0': 1e20 }), cursorOf({ '0': -1 }), cursorOf({ '0': 1.5 }), cursorOf([1]), cursorOf(null), 'x'.repeat(70_000)],
  format: ['xml', 'JSONL'],
  status: ['burning', 'FIRING'],
  state: ['sleeping'],
};

const query = (param: string, value: string | string[]) => (Array.isArray(value) ? value : [value]).map((v) => `${param}=${encodeURIComponent(v)}`).join('&');

describe('query parameters are range-checked: 400 naming the parameter, never 500', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let access: AccessLayer;
  let alerting: Awaited<ReturnType<typeof openAlertingApi>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const serde = new AvroSerde(registry);
    await log.createTopic({ name: TOPIC, partitions: 2 });
    const encoder = await serde.encoderFor(valueSubject(TOPIC), schema);
    const t = Date.now();
    await log.produce(TOPIC, ['a', 'b', 'c'].map((id, n) => ({ key: id, value: encoder.encode({ id, n }), timestamp: t - 60_000 + n })));
    await new AlertPublisher(log, serde, () => ['ops']).start(); // creates the alert topics
    alerting = await openAlertingApi(log, serde);
    access = new AccessLayer({ log, registry, serde, modules: () => [module] });
    app = Fastify({ logger: false });
    await app.register(outputRoutes, { access, prefix: '/api/outputs' });
    await app.register(alertRoutes, { alerting: () => alerting, prefix: '/api/alerts' });
    await app.register(catalogRoutes, { access, root: dir.path, registry, project: async () => project });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await alerting?.close();
    await access?.close();
    await log?.close();
    await registry?.close();
    await dir?.remove();
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    const json = response.headers['content-type']?.toString().startsWith('application/json') ? (response.json() as { error?: { code: string; message: string; field?: string } }) : undefined;
    return { status: response.statusCode, error: json?.error };
  };

  it('answers the review’s out-of-range times with 400, not 500 "Invalid time value"', async () => {
    for (const url of [`/api/outputs/${TOPIC}/records?from=99999999999999999999`, `/api/outputs/${TOPIC}/records?to=1e20`, `/api/outputs/${TOPIC}/export?from=99999999999999999999`]) {
      const { status, error } = await get(url);
      expect({ url, status }).toEqual({ url, status: 400 });
      expect(error).toMatchObject({ code: 'FD_ARGUMENT_INVALID', field: url.includes('to=') ? 'to' : 'from' });
      expect(error!.message).toContain('from 0 to 253402300799999');
      expect(error!.message).toContain('9999-12-31T23:59:59.999Z');
    }
  });

  it('refuses each bad value of each parameter of each route, naming the parameter and what it takes', async () => {
    let sent = 0;
    for (const { path, params } of ROUTES) {
      for (const [param, kind] of Object.entries(params)) {
        for (const value of [...ANY_BAD, ...BAD[kind]]) {
          const url = `${path}?${query(param, value)}`;
          const { status, error } = await get(url);
          const what = `${path} ${param}=${JSON.stringify(value).slice(0, 60)}`;
          expect({ what, status, code: error?.code, field: error?.field }).toEqual({ what, status: 400, code: 'FD_ARGUMENT_INVALID', field: param });
          expect(error!.message.startsWith(`${param}: `), `${what}: ${error!.message}`).toBe(true);
          expect(error!.message.length, what).toBeLessThan(600); // a long value is not echoed whole
          sent++;
        }
      }
    }
    expect(sent).toBeGreaterThan(250);
  });

  it('states the accepted range in the message', async () => {
    const message = async (url: string) => (await get(url)).error?.message;
    expect(await message(`/api/outputs/${TOPIC}/records?limit=0`)).toMatch(/^limit: "0" is not a whole number from 1 to 10000$/);
    expect(await message(`/api/outputs/${TOPIC}/latest?limit=999999999`)).toMatch(/from 1 to 100000$/);
    expect(await message(`/api/catalog/topics/${TOPIC}/profile?limit=-1`)).toMatch(/from 1 to 10000$/);
    expect(await message('/api/alerts?limit=1e20')).toMatch(/from 1 to 10000$/);
    expect(await message(`/api/outputs/${TOPIC}/records?from=1&from=2`)).toBe('from: is given 2 times; give it once');
    expect(await message(`/api/outputs/${TOPIC}/records?to=`)).toMatch(/^to: is empty; give a value, or leave the parameter out/);
    expect(await message(`/api/outputs/${TOPIC}/records?key=${LONG}`)).toBe('key: is 100000 characters long, more than 1024');
    expect(await message(`/api/outputs/${TOPIC}/records?from=-1`)).toMatch(/^from: "-1" is out of range; give epoch milliseconds from 0 to 253402300799999, an ISO 8601 date or time from 0000-01-01 to 9999-12-31T23:59:59.999Z/);
  });

  it('keeps a malformed duration its own code (FD_DURATION_INVALID), still a 400 naming the parameter', async () => {
    expect(await get(`/api/outputs/${TOPIC}/records?from=-1fortnight`)).toMatchObject({ status: 400, error: { code: 'FD_DURATION_INVALID', field: 'from' } });
    expect(await get('/api/alerts?to=-5x')).toMatchObject({ status: 400, error: { code: 'FD_DURATION_INVALID', field: 'to' } });
  });

  it('takes the extremes of every range', async () => {
    const ok = async (url: string) => expect((await get(url)).status, url).toBe(200);
    await ok(`/api/outputs/${TOPIC}/records?from=0&to=${MAX_TIME}&limit=10000`);
    await ok(`/api/outputs/${TOPIC}/records?from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z&limit=1`);
    await ok(`/api/outputs/${TOPIC}/records?from=0000-01-01&to=2024-02-29`);
    await ok(`/api/outputs/${TOPIC}/records?from=-1h&to=-1ms`);
    await ok(`/api/outputs/${TOPIC}/records?from=${encodeURIComponent('2024-05-01T12:00:00.123456789+14:00')}`);
    await ok(`/api/outputs/${TOPIC}/records?cursor=${cursorOf({ '0': 0, '2147483647': Number.MAX_SAFE_INTEGER })}`);
    await ok(`/api/outputs/${TOPIC}/export?from=0&to=${MAX_TIME}&format=csv`); // its file name holds both times
    await ok(`/api/outputs/${TOPIC}/latest?limit=100000&prefix=${'x'.repeat(1024)}`);
    await ok(`/api/alerts?from=0&to=${MAX_TIME}&limit=10000&status=firing`);
    await ok(`/api/catalog/topics/${TOPIC}/profile?limit=10000`);
    expect((await get(`/api/outputs/${TOPIC}/records?from=${MAX_TIME}&to=0`)).error).toMatchObject({ field: 'from', message: expect.stringContaining('must be before to') });
    expect((await get(`/api/alerts?from=${MAX_TIME}&to=0`)).error).toMatchObject({ field: 'from' });
    expect(MIN_TIME).toBe(Date.parse('0000-01-01T00:00:00Z'));
    expect(MAX_TIME).toBe(Date.parse('9999-12-31T23:59:59.999Z'));
  });

  it('never answers 500 to random values of any parameter (fast-check, 2,000 requests)', async () => {
    const routeAndParam = fc.constantFrom(...ROUTES.flatMap(({ path, params }) => Object.keys(params).map((param) => ({ path, param }))));
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.stringMatching(/^-?[0-9]{1,30}(\.[0-9]{0,5})?(e[+-]?[0-9]{1,3})?$/),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.double().map(String),
      fc.integer({ min: MIN_TIME - 1_000, max: 8_640_000_000_000_100 }).map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.stringMatching(/^-[0-9]{1,20}(\.[0-9]{1,3})?(ms|s|m|h|d|w|)$/), // durations back from now, good and bad
      fc.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$/),
      fc.base64String({ maxLength: 60 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => cursorOf(v)),
      fc.constantFrom('', 'NaN', 'Infinity', '-Infinity', 'null', 'undefined', '[]', '{}', 'true', '%', '\u0000', '__proto__', 'constructor'),
    );
    // A value as sent: percent-encoded text, raw bytes percent-encoded (not always UTF-8), or the parameter repeated.
    const sent = fc.oneof(
      { weight: 6, arbitrary: text.map((v) => encodeURIComponent(v)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')) },
      { weight: 1, arbitrary: fc.array(text, { minLength: 2, maxLength: 3 }).map((vs) => vs.map((v) => encodeURIComponent(v))) },
    );
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(routeAndParam, sent, async ({ path, param }, value) => {
        const url = `${path}?${(Array.isArray(value) ? value : [value]).map((v) => `${param}=${v}`).join('&')}`;
        const response = await app.inject({ method: 'GET', url });
        requests++;
        if (response.statusCode === 200) return;
        expect(response.statusCode, url).toBe(400);
        const { error } = response.json() as { error: { code: string; field?: string; message: string } };
        expect(['FD_ARGUMENT_INVALID', 'FD_DURATION_INVALID'], url).toContain(error.code);
        // A `to` before the default `from` (an hour ago) is reported on `from`.
        expect([param, 'from'], `${url}: ${error.message}`).toContain(error.field);
      }),
      { numRuns: 2_000 },
    );
    expect(requests).toBe(2_000);
    expect((await app.inject({ url: `/api/outputs/${TOPIC}/latest` })).statusCode).toBe(200);
  }, 120_000);
});
