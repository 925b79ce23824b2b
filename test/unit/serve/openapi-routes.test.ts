/**
 * /api/openapi.json against the server that serves it, with every part a process can have
 * (registry, outputs, dashboards, WebSocket, catalog, alerts, metrics, ingest, tokens):
 *
 * - its paths are the routes fastify really registered, as fastify's own router lists
 *   them (printRoutes, parsed here), both ways: a route added without a description fails;
 * - it is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator: the official
 *   JSON Schemas of the specification, on the ajv the project already has);
 * - each operation's security names the scope the guard really asks for it: a token one
 *   scope short is refused 403, a token of that scope is let through;
 * - the documented ranges of integer and enum query parameters are the ones the routes
 *   enforce: the bounds are taken, one past them is a 400 naming the parameter;
 * - the documented request examples are accepted.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAlertingApi } from '../../../src/alerts/runtime/alerting-api.js';
import { AlertPublisher } from '../../../src/alerts/topic/alert-publisher.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { AccessLayer } from '../../../src/serve/access/access-layer.js';
import { sha256Hex, TokenTable } from '../../../src/serve/guard/tokens.js';
import { startServer } from '../../../src/serve/server.js';
import { RecordIngest } from '../../../src/sources/record-ingest.js';
import { defineStream } from '../../../src/stream/define.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const TOKENS = { read: 'r'.repeat(24), write: 'w'.repeat(24), admin: 'a'.repeat(24) } as const;
const statsSchema = { type: 'record', name: 'Stats', namespace: 'oa', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }] };

/**
 * Method and path of every route in fastify's printRoutes() tree: each line is a node whose
 * text continues its parent's (`api/` then `s` then `tatus (GET, HEAD)`; methods in brackets), so a route's path
 * is the texts from the root down, joined.
 */
function routesOf(tree: string): Set<string> {
  const found = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const text = line.slice(at + 4);
    // The router's root when routes hang from more than one node (an OPTIONS * beside /): no text of its own.
    const match = text === '(empty root node)' ? ['', ''] : /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(text)!;
    stack.length = depth;
    stack.push(match[1]!);
    for (const method of match[2]?.split(', ') ?? []) found.add(`${method} ${stack.join('')}`);
  }
  return found;
}

/** A fastify route as an OpenAPI path: `:name` -> `{name}`, a trailing `*` -> `{path}`, no trailing slash. */
const asOpenApi = (url: string) => {
  const path = url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{path}');
  return path.length > 1 ? path.replace(/\/$/, '') : path;
};

describe('/api/openapi.json', () => {
  let url: string;
  let app: FastifyInstance;
  let document: Record<string, any>;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const serde = new AvroSerde(registry);
    await log.createTopic({ name: 'oa.stats', partitions: 2 });
    await serde.encoderFor(valueSubject('oa.stats'), statsSchema);
    const module = defineStream<{ in: { id: string } }, { id: string; n: number }>({
      name: 'oa-stats',
      doc: 'Counts per id.',
      inputs: { in: 'oa.in' },
      output: { topic: 'oa.stats', schema: statsSchema, key: (v) => v.id },
      pipeline: ({ in: input }) => input as never,
    });
    const access = new AccessLayer({ log, registry, serde, modules: () => [module] });
    const publisher = new AlertPublisher(log, serde, () => []);
    await publisher.start();
    const alerting = await openAlertingApi(log, serde);
    const metrics = new MetricsRegistry({ runners: () => [], processMetrics: false });
    const ingest = new RecordIngest({ log, registry, serde, partitions: 2 });
    const tokens = new TokenTable(Object.entries(TOKENS).map(([scope, token]) => ({ name: `${scope}-holder`, sha256: sha256Hex(token), scope: scope as 'read' })));
    ({ app, url } = await startServer({
      registry,
      status: async () => ({ ok: true }),
      host: '127.0.0.1',
      port: 0,
      access,
      root: repo,
      alerting: () => alerting,
      metrics,
      ingest,
      guard: { tokens, allowedHosts: [], allowedOrigins: ['http://allowed.example'] },
    }));
    cleanups.push(dir.remove, () => registry.close(), () => log.close(), () => access.close(), async () => alerting?.close(), () => app.close());
    const response = await fetch(`${url}/api/openapi.json`, { headers: { authorization: `Bearer ${TOKENS.read}` } });
    expect(response.status).toBe(200);
    document = (await response.json()) as Record<string, any>;
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const operations = () =>
    Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

  it('documents exactly the routes the server registered (fastify\'s own list), none left undescribed', () => {
    const registered = new Set([...routesOf(app.printRoutes())].filter((r) => !r.startsWith('HEAD ') && !r.startsWith('OPTIONS ')).map((r) => {
      const [method, path] = r.split(' ');
      return `${method} ${asOpenApi(path!)}`;
    }));
    // Sanity of the parse: routes of each part are in fastify's list.
    expect([...registered]).toEqual(expect.arrayContaining(['GET /api/status', 'POST /api/session', 'GET /api/alerts/silences/{id}', 'POST /api/ingest/{topic}', 'GET /registry/subjects/{subject}/versions/{version}', 'GET /ws', 'GET /web/{path}', 'GET /metrics', 'GET /api/catalog/lineage', 'GET /api/dashboards/{name}']));
    // The outputs' concrete paths (/api/outputs/oa.stats/latest) are instances of the {topic} routes.
    const templated = operations().filter(({ path }) => !path.startsWith('/api/outputs/oa.stats/'));
    const documented = new Set(templated.map(({ method, path }) => `${method} ${path}`));
    expect([...registered].filter((r) => !documented.has(r)).sort(), 'registered, not documented').toEqual([]);
    expect([...documented].filter((r) => !registered.has(r)).sort(), 'documented, not registered').toEqual([]);
    expect(templated.filter(({ op }) => op['x-undocumented']).map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    // Every operation says something and answers something.
    for (const { path, method, op } of operations()) {
      expect(op.summary, `${method} ${path}`).toMatch(/\w/);
      expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
    }
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)?.slice(0, 3000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('types each output\'s records by its registered schema', () => {
    expect(document.components.schemas['oa.stats']).toMatchObject({ type: 'object', required: ['id', 'n'] });
    const latest = document.paths['/api/outputs/oa.stats/latest'].get;
    expect(latest.responses['200'].content['application/json'].schema.properties.records.items.properties.value).toEqual({ $ref: '#/components/schemas/oa.stats' });
    expect(latest.parameters.map((p: { name: string }) => p.name)).toEqual(['prefix', 'limit']);
  });

  it('states the error shape, the security schemes, and answers with the error codes the API gives', () => {
    expect(document.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(Object.keys(document.components.schemas.Error.properties.error.properties)).toEqual(['code', 'message', 'field']);
    expect(document.components.securitySchemes).toMatchObject({ bearerToken: { type: 'http', scheme: 'bearer' }, sessionCookie: { type: 'apiKey', in: 'cookie', name: 'fastdata_session' } });
    const statuses = new Set(operations().flatMap(({ op }) => Object.keys(op.responses)));
    for (const status of ['400', '401', '403', '404', '422', '429']) expect(statuses.has(status), status).toBe(true);
  });

  /** A concrete URL of a documented path, for asking the server. */
  const sample: Record<string, string> = { topic: 'oa.stats', key: 'k1', id: 'nope', name: 'nope', subject: 'oa.stats-value', version: '1', path: 'nope.js' };
  const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(sample[name] ?? 'x'));
  const call = (method: string, path: string, token?: string) =>
    fetch(`${url}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) }, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }) });

  it("gives each operation the scope the guard asks: a token of that scope passes, one scope short is refused 403", async () => {
    const below: Record<string, keyof typeof TOKENS | undefined> = { read: undefined, write: 'read', admin: 'write' };
    const checked: string[] = [];
    for (const { path, method, op } of operations()) {
      if (method === 'GET' && path === '/ws') continue; // an upgrade: the guard's scope for it is covered by the WebSocket tests
      const scope = op['x-scope'] as string;
      expect(['public', 'read', 'write', 'admin'], `${method} ${path}`).toContain(scope);
      if (scope === 'public') {
        expect(op.security).toEqual([]);
        expect((await call(method, concrete(path))).status, `${method} ${path} without a token`).not.toBe(401);
        continue;
      }
      expect(op.security[0]).toEqual({ bearerToken: [scope] });
      // Without a token: 401.
      expect((await call(method, concrete(path))).status, `${method} ${path} without a token`).toBe(401);
      const granted = await call(method, concrete(path), TOKENS[scope as keyof typeof TOKENS]);
      expect([401, 403], `${method} ${path} with a ${scope} token`).not.toContain(granted.status);
      const short = below[scope];
      if (short) expect((await call(method, concrete(path), TOKENS[short])).status, `${method} ${path} with a ${short} token`).toBe(403);
      checked.push(`${method} ${path}`);
    }
    expect(checked.length).toBeGreaterThan(40);
  }, 120_000);

  it('documents the ranges the routes enforce: each bound is taken, one past it is a 400 naming the parameter', async () => {
    const tried: string[] = [];
    for (const { path, method, op } of operations()) {
      if (method !== 'GET' || path.startsWith('/registry')) continue;
      for (const p of (op.parameters ?? []).filter((q: { in: string }) => q.in === 'query')) {
        const s = p.schema as { type?: string; minimum?: number; maximum?: number; enum?: string[]; maxLength?: number };
        const at = (value: string | number) => `${concrete(path)}?${p.name}=${encodeURIComponent(String(value))}`;
        const good: (string | number)[] = [];
        const bad: (string | number)[] = [];
        if (s.type === 'integer' && s.minimum !== undefined && s.maximum !== undefined) {
          good.push(s.minimum, s.maximum);
          bad.push(s.minimum - 1, s.maximum + 1);
        }
        if (s.enum) {
          good.push(...s.enum);
          bad.push(`${s.enum[0]}x`);
        }
        // Past a few kilobytes Node refuses the request line itself (431), before any route.
        if (s.type === 'string' && s.maxLength !== undefined && s.maxLength < 4096 && !s.enum) {
          const fill = p.name === 'from' || p.name === 'to' ? '1'.repeat(s.maxLength) : 'k'.repeat(s.maxLength);
          if (p.name !== 'from' && p.name !== 'to' && p.name !== 'cursor') good.push(fill);
          bad.push(`${fill}1`);
        }
        for (const value of good) {
          const response = await call('GET', at(value), TOKENS.admin);
          const text = await response.text();
          const body = (text.startsWith('{') ? JSON.parse(text) : {}) as { error?: { field?: string } };
          expect({ at: at(value).slice(0, 120), refused: response.status === 400 && body.error?.field === p.name }).toEqual({ at: at(value).slice(0, 120), refused: false });
        }
        for (const value of bad) {
          const response = await call('GET', at(value), TOKENS.admin);
          const body = (await response.json()) as { error?: { field?: string; message?: string } };
          expect({ at: at(value).slice(0, 120), status: response.status, field: body.error?.field }).toEqual({ at: at(value).slice(0, 120), status: 400, field: p.name });
        }
        if (good.length + bad.length > 0) tried.push(`${path} ${p.name}`);
      }
    }
    expect(tried).toEqual(expect.arrayContaining(['/api/outputs/{topic}/latest limit', '/api/outputs/{topic}/records limit', '/api/alerts limit', '/api/alerts status', '/api/alerts/silences state', '/api/catalog/topics/{topic}/profile limit', '/api/outputs/{topic}/export format']));
  });

  it('documents request bodies the routes accept: the silence and acknowledgement examples are taken', async () => {
    const post = async (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.write}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const silence = document.paths['/api/alerts/silences'].post.requestBody.content['application/json'].example;
    const created = await post('/api/alerts/silences', silence);
    expect({ status: created.status, body: await created.json() }).toMatchObject({ status: 201, body: { createdBy: silence.createdBy } });
    const ingest = document.paths['/api/ingest/{topic}'].post;
    expect(ingest.parameters.find((p: { name: string }) => p.name === 'partial').schema.enum).toEqual(['true', 'false']);
    // The ack example is an object with by and comment, as the history takes it (404 here: no such alert, not a 400 for the body).
    const ack = document.paths['/api/alerts/{id}/ack'].post.requestBody.content['application/json'];
    expect((await post('/api/alerts/nope/ack', ack.example)).status).toBe(404);
    expect(Object.keys(ack.schema.properties)).toEqual(Object.keys(ack.example));
  });
});
