/**
 * What a server says to browsers and how much one client may ask of it: the rate limit per
 * client (its token's holder, else its address; exports counted apart; refused requests
 * never counted), the security headers (a CSP whose nonce is the one the inline script
 * carries; no HSTS nor upgrade-insecure-requests over plain HTTP), and CORS only for
 * `server.allowedOrigins`, its preflight passing the guard without a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenTable, sha256Hex } from '../../src/serve/guard/tokens.js';
import { type AccessServer, startAccessServer } from '../helpers/access-server.js';

const TOKENS = { reader: 'fd_hardening-read-0123456789abcdef', other: 'fd_hardening-other-0123456789abcdef' };
const tokens = () => new TokenTable(Object.entries(TOKENS).map(([name, token]) => ({ name, sha256: sha256Hex(token), scope: 'read' as const })));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('rate limit per client', () => {
  let server: AccessServer;
  beforeAll(async () => {
    server = await startAccessServer({
      modules: [],
      topics: [],
      server: { guard: { tokens: tokens(), allowedHosts: [], allowedOrigins: [] }, rateLimit: { requests: 5, exports: 2, windowMs: 60_000 } },
    });
  });
  afterAll(async () => server.close());

  it('answers 429 with Retry-After past the budget, naming the setting, and other clients go on', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${server.url}/api/outputs`, { headers: bearer(TOKENS.reader) })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused = await fetch(`${server.url}/api/outputs`, { headers: bearer(TOKENS.reader) });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('FD_RATE_LIMITED');
    expect(body.error.message).toContain('server.rateLimit.requests');
    expect(body.error.message).toContain('token reader');
    expect(body.error.message).not.toContain(TOKENS.reader);
    // Another holder has a budget of its own.
    expect((await fetch(`${server.url}/api/outputs`, { headers: bearer(TOKENS.other) })).status).toBe(200);
    // The registry answers in Confluent's error shape.
    const registry = await fetch(`${server.url}/registry/subjects`, { headers: bearer(TOKENS.reader) });
    expect(registry.status).toBe(429);
    expect(((await registry.json()) as { error_code: number }).error_code).toBe(429);
  });

  it('counts exports apart, with their own smaller budget', async () => {
    const exportOf = () => fetch(`${server.url}/api/outputs/nothing/export`, { headers: bearer(TOKENS.other) });
    // `other` made one request above: its general budget has 4 left, its export budget 2.
    expect([(await exportOf()).status, (await exportOf()).status]).toEqual([404, 404]);
    const third = await exportOf();
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { message: string } }).error.message).toContain('server.rateLimit.exports');
    // The exports used none of the general budget.
    for (let i = 0; i < 4; i++) expect((await fetch(`${server.url}/api/outputs`, { headers: bearer(TOKENS.other) })).status).toBe(200);
    expect((await fetch(`${server.url}/api/outputs`, { headers: bearer(TOKENS.other) })).status).toBe(429);
  });

  it('never counts requests the guard refused: a stranger cannot use up a holder budget', async () => {
    for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}/api/outputs`, { headers: bearer('fd_not-a-token') })).status).toBe(401);
    const fresh = await startAccessServer({
      modules: [],
      topics: [],
      server: { guard: { tokens: tokens(), allowedHosts: [], allowedOrigins: [] }, rateLimit: { requests: 3, exports: 0, windowMs: 60_000 } },
    });
    try {
      for (let i = 0; i < 10; i++) expect((await fetch(`${fresh.url}/api/outputs`)).status).toBe(401);
      for (let i = 0; i < 3; i++) expect((await fetch(`${fresh.url}/api/outputs`, { headers: bearer(TOKENS.reader) })).status).toBe(200);
      expect((await fetch(`${fresh.url}/api/outputs`, { headers: bearer(TOKENS.reader) })).status).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});

describe('rate limit behind a reverse proxy (server.trustProxy)', () => {
  it('takes the client from X-Forwarded-For only from a trusted proxy', async () => {
    const limit = { requests: 2, exports: 0, windowMs: 60_000 };
    const behind = await startAccessServer({ modules: [], topics: [], server: { rateLimit: limit, trustProxy: ['127.0.0.1'] } });
    const direct = await startAccessServer({ modules: [], topics: [], server: { rateLimit: limit } });
    try {
      const from = (url: string, address: string) => fetch(`${url}/api/outputs`, { headers: { 'x-forwarded-for': address } }).then((r) => r.status);
      // Behind the proxy: each forwarded address has its own budget.
      expect([await from(behind.url, '10.0.0.1'), await from(behind.url, '10.0.0.1'), await from(behind.url, '10.0.0.1')]).toEqual([200, 200, 429]);
      expect(await from(behind.url, '10.0.0.2')).toBe(200);
      // Without it, the header is a client's claim and changes nothing: one connection address, one budget.
      expect([await from(direct.url, '10.0.0.1'), await from(direct.url, '10.0.0.2'), await from(direct.url, '10.0.0.3')]).toEqual([200, 200, 429]);
    } finally {
      await behind.close();
      await direct.close();
    }
  });
});

describe('security headers', () => {
  let server: AccessServer;
  beforeAll(async () => {
    server = await startAccessServer({ modules: [], topics: [] });
  });
  afterAll(async () => server.close());

  it('gives the status page a CSP whose nonce is the inline script and style ones, fresh per answer', async () => {
    const first = await fetch(`${server.url}/`);
    const csp = first.headers.get('content-security-policy') ?? '';
    const html = await first.text();
    const scriptNonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    const styleNonce = /<style nonce="([^"]+)">/.exec(html)?.[1];
    expect(scriptNonce).toBeDefined();
    expect(styleNonce).toBeDefined();
    expect(/script-src ([^;]*)/.exec(csp)?.[1]).toContain(`'nonce-${scriptNonce}'`);
    expect(/style-src ([^;]*)/.exec(csp)?.[1]).toContain(`'nonce-${styleNonce}'`);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'self'");
    const again = await (await fetch(`${server.url}/`)).text();
    expect(/<script nonce="([^"]+)">/.exec(again)?.[1]).not.toBe(scriptNonce);
  });

  it('sends nosniff and no framing by others, and over plain HTTP no HSTS and no upgrade to HTTPS', async () => {
    const answer = await fetch(`${server.url}/api/outputs`);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(answer.headers.get('referrer-policy')).toBe('same-origin');
    expect(answer.headers.get('strict-transport-security')).toBeNull();
    expect(answer.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  it('answers no CORS when no origin is allowed', async () => {
    const preflight = await fetch(`${server.url}/api/alerts/silences`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetch(`${server.url}/api/outputs`, { headers: { origin: 'http://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS for server.allowedOrigins', () => {
  let server: AccessServer;
  const allowed = 'https://ops.example.com';
  beforeAll(async () => {
    server = await startAccessServer({ modules: [], topics: [], server: { guard: { tokens: tokens(), allowedHosts: [], allowedOrigins: [allowed] } } });
  });
  afterAll(async () => server.close());

  it('lets an allowed origin preflight without a token and read with one; others get no grant', async () => {
    const preflight = await fetch(`${server.url}/api/outputs`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const read = await fetch(`${server.url}/api/outputs`, { headers: { origin: allowed, ...bearer(TOKENS.reader) } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe(allowed);
    // The token is still needed: CORS grants reading answers, not access.
    expect((await fetch(`${server.url}/api/outputs`, { headers: { origin: allowed } })).status).toBe(401);
    const stranger = await fetch(`${server.url}/api/outputs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});
