/**
 * Access control of the HTTP server, on a real `fastdata dev` process (in this process, on a
 * temporary project and the embedded log) configured with three tokens, one per scope:
 * requests with no token, a wrong one, a token of too small a scope, a foreign Host (DNS
 * rebinding) and a foreign Origin (another site's page), each refused with the right status;
 * the right token accepted, by header or by the session cookie a page gets. Written from
 * the review's reproductions: a request with `Host: attacker.example` and a foreign Origin
 * created a silence; `/ws` streamed to `Origin: http://evil.example`.
 */
import { request as httpRequest } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastdataProcess } from '../../src/app/process.js';
import { startDev } from '../../src/app/profiles.js';
import type { HttpRole } from '../../src/app/roles/http.js';
import { serverAccess } from '../../src/app/server-access.js';
import { loadProjectConfig } from '../../src/config/project-config.js';
import { isFastdataError } from '../../src/errors.js';
import { sha256Hex } from '../../src/serve/guard/tokens.js';
import { READING_SCHEMA } from '../fixtures/reading-schema.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOKENS = { read: 'fd_read-token-0123456789abcdef', write: 'fd_write-token-0123456789abcdef', admin: 'fd_admin-token-0123456789abcdef' };

/** A raw request, so that Host and Origin can be anything (fetch does not let a caller set Host). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('access control', () => {
  let dev: FastdataProcess;
  let url: string;
  let remove: () => Promise<void>;
  let accessLog: string;
  let root: string;

  beforeAll(async () => {
    const dir = await tempDir();
    remove = dir.remove;
    root = dir.path;
    await mkdir(join(root, 'streams'));
    await mkdir(join(root, 'sources'));
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING_SCHEMA));
    await writeFile(join(root, 'sources/posted.yaml'), 'kind: http\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\n');
    const tokens = Object.entries(TOKENS).map(([scope, token]) => `    - { name: ${scope}-holder, sha256: ${sha256Hex(token)}, scope: ${scope} }`).join('\n');
    await writeFile(join(root, 'fastdata.config.yaml'), `server:\n  port: 0\n  accessLog: logs/access.jsonl\n  tokens:\n${tokens}\ngenerator: { enabled: false }\n`);
    accessLog = join(root, 'logs/access.jsonl');
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    dev = await startDev({ root, config, dataDir, hotReload: false });
    url = dev.role<HttpRole>('http')!.url!;
  });
  afterAll(async () => {
    await dev?.stop();
    await remove?.();
  });

  it('names the machine\'s folders to a read token relative to the project, never absolute', async () => {
    // The summary names the data dir (the embedded log's folder).
    const status = await send(`${url}/api/status`, { headers: bearer(TOKENS.read) });
    expect(status.status).toBe(200);
    expect(status.body).toContain('<dataDir>');
    expect(status.body).not.toContain(root);
    const registry = await send(`${url}/registry/schemas/ids/999`, { headers: bearer(TOKENS.read) });
    expect(registry.status).toBe(404);
    expect(registry.body).not.toContain(root);
  });

  it('says at start that tokens are required', () => {
    expect(dev.role<HttpRole>('http')!.accessDescription).toBe('3 token(s) required');
  });

  it('refuses a request with no token or a wrong one (401), and serves the pages, which hold no data', async () => {
    const none = await send(`${url}/api/status`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="fastdata"');
    expect(JSON.parse(none.body).error).toMatchObject({ code: 'FD_UNAUTHENTICATED', message: expect.stringMatching(/Authorization: Bearer/) });
    expect((await send(`${url}/api/status`, { headers: bearer('fd_not-a-token-at-all-000000') })).status).toBe(401);
    for (const path of ['/api/outputs', '/api/catalog', '/metrics', '/registry/subjects', '/api/alerts/silences', '/api/openapi.json']) {
      expect((await send(`${url}${path}`)).status, path).toBe(401);
    }
    for (const path of ['/', '/catalog', '/api/docs']) expect((await send(`${url}${path}`)).status, path).toBe(200);
  });

  it('gives each scope what it allows and refuses the rest with 403, naming the scope needed', async () => {
    const record = JSON.stringify([{ id: 'a', ts: 1, value: 2 }]);
    const ingest = (token: string) => send(`${url}/api/ingest/readings`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: record });
    const register = (token: string) =>
      send(`${url}/registry/subjects/other-value/versions`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: JSON.stringify(READING_SCHEMA) }) });

    expect((await send(`${url}/api/status`, { headers: bearer(TOKENS.read) })).status).toBe(200);
    expect((await send(`${url}/registry/subjects`, { headers: bearer(TOKENS.read) })).status).toBe(200);
    const readIngest = await ingest(TOKENS.read);
    expect(readIngest.status).toBe(403);
    expect(JSON.parse(readIngest.body).error).toMatchObject({ code: 'FD_FORBIDDEN', message: expect.stringMatching(/needs a token of scope write; read-holder's is read/) });
    expect((await register(TOKENS.read)).status).toBe(403);

    expect((await ingest(TOKENS.write)).status).toBe(202);
    expect((await register(TOKENS.write)).status).toBe(403);
    expect((await send(`${url}/api/catalog/modules/x/code`, { headers: bearer(TOKENS.write) })).status).toBe(403);

    expect((await register(TOKENS.admin)).status).toBe(200);
    expect((await ingest(TOKENS.admin)).status).toBe(202);
  });

  it('refuses a foreign Host header (DNS rebinding) whatever the token', async () => {
    const port = new URL(url).port;
    const rebound = await send(`${url}/api/status`, { headers: { ...bearer(TOKENS.admin), host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.message).toMatch(/does not answer to the host name "attacker\.example"/);
    expect((await send(`${url}/api/status`, { headers: { ...bearer(TOKENS.read), host: `localhost:${port}` } })).status).toBe(200);
  });

  it("refuses a state-changing request from another site's page, and takes one from its own", async () => {
    const silence = JSON.stringify({ matchers: [{ label: 'key', op: '=', value: 'x' }], endsAt: Date.now() + 60_000, createdBy: 'test', comment: 'test' });
    const post = (origin: string) => send(`${url}/api/alerts/silences`, { method: 'POST', headers: { ...bearer(TOKENS.write), origin, 'content-type': 'application/json' }, body: silence });
    const foreign = await post('http://evil.example');
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.message).toMatch(/requests from pages of http:\/\/evil\.example are refused/);
    expect((await post(new URL(url).origin)).status).not.toBe(403);
  });

  it('opens /ws to a token only, and never to a foreign origin', async () => {
    const open = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('unexpected-response', (request, response) => {
          request.destroy();
          resolve(response.statusCode ?? 0);
        });
        socket.on('error', () => resolve(-1));
      });
    expect(await open({})).toBe(401);
    expect(await open({ ...bearer(TOKENS.read), origin: 'http://evil.example' })).toBe(403);
    expect(await open(bearer(TOKENS.read))).toBe(101);
    expect(await open({ ...bearer(TOKENS.read), origin: new URL(url).origin })).toBe(101);
  });

  it('trades a token for a session cookie (HttpOnly, SameSite=Strict) that a page then uses', async () => {
    const session = await send(`${url}/api/session`, { method: 'POST', headers: bearer(TOKENS.read) });
    expect(session.status).toBe(204);
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(/^fastdata_session=.+; Path=\/; HttpOnly; SameSite=Strict/);
    const value = cookie.split(';')[0]!;
    expect((await send(`${url}/api/status`, { headers: { cookie: value } })).status).toBe(200);
    expect((await send(`${url}/api/session`, { method: 'POST', headers: bearer('fd_wrong-token-000000000000') })).status).toBe(401);
  });

  it('keeps an access log of every answer, refusals included, with the holder of the token and never the token', async () => {
    await send(`${url}/api/outputs?x=1`, { headers: bearer(TOKENS.read) });
    const lines = (await readFile(accessLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { method: string; path: string; route: string; status: number; token?: string });
    expect(lines.at(-1)).toMatchObject({ method: 'GET', path: '/api/outputs', status: 200, token: 'read-holder' });
    expect(lines.some((l) => l.status === 401 && l.token === undefined)).toBe(true);
    expect(lines.some((l) => l.status === 403 && l.token === 'read-holder')).toBe(true);
    const text = await readFile(accessLog, 'utf8');
    for (const token of Object.values(TOKENS)) expect(text).not.toContain(token);
    const metrics = (await send(`${url}/metrics`, { headers: bearer(TOKENS.read) })).body;
    expect(metrics).toMatch(/fastdata_http_requests_total\{method="GET",route="\/api\/status",status="401"\} \d+/);
    // The two sockets the /ws test opened with a token; the refused upgrades never became connections.
    expect(Number(/fastdata_ws_connections_total (\d+)/.exec(metrics)?.[1])).toBe(2);
    expect(metrics).toMatch(/fastdata_ws_queued_bytes 0/);
  });
});

describe('a server beyond loopback', () => {
  const base = { host: '0.0.0.0', port: 0, tokens: [], open: false, allowedHosts: [], allowedOrigins: [], trustProxy: [], rateLimit: { requests: 6000, exports: 60, window: '1m' } };
  it('refuses to start without tokens, unless told access is checked in front of it', () => {
    const config = (server: object) => ({ server: { ...base, ...server } }) as never;
    try {
      serverAccess(config({}), '/');
      expect.unreachable();
    } catch (error) {
      expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/server\.host is 0\.0\.0\.0, beyond loopback, and server\.tokens is empty.*fastdata token new/);
    }
    expect(serverAccess(config({ open: true }), '/').description).toMatch(/^OPEN: no tokens/);
    expect(serverAccess(config({ tokens: [{ name: 'a', sha256: sha256Hex('x'.repeat(20)), scope: 'read' }] }), '/').description).toBe('1 token(s) required');
    expect(serverAccess(config({ host: '127.0.0.1' }), '/').description).toMatch(/^open to anyone who reaches 127\.0\.0\.1/);
  });

  it('takes a token from the environment, and names the setting when it is missing', () => {
    const config = { server: { ...base, tokens: [{ name: 'ops', env: 'OPS_TOKEN', scope: 'admin' }] } } as never;
    expect(serverAccess(config, '/', { OPS_TOKEN: 'fd_0123456789abcdef0123' }).guard.tokens.holder('fd_0123456789abcdef0123')).toEqual({ name: 'ops', scope: 'admin' });
    expect(() => serverAccess(config, '/', {})).toThrow(/server\.tokens\.0\.env: the environment variable OPS_TOKEN is not set/);
  });
});
