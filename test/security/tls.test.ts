/**
 * server.tls: the server speaks HTTPS from PEM files (a self-signed certificate made by
 * openssl for the test), the session cookie is Secure, and a missing file is a config
 * problem naming server.tls.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastdataProcess } from '../../src/app/process.js';
import { startDev } from '../../src/app/profiles.js';
import type { HttpRole } from '../../src/app/roles/http.js';
import { serverAccess } from '../../src/app/server-access.js';
import { loadProjectConfig } from '../../src/config/project-config.js';
import { sha256Hex } from '../../src/serve/guard/tokens.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOKEN = 'fd_tls-reader-0123456789abcdef';
let haveOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  haveOpenssl = false;
}

function get(url: string, headers: Record<string, string>, ca: Buffer): Promise<{ status: number; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: url.endsWith('/api/session') ? 'POST' : 'GET', headers, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!haveOpenssl && process.env.CI !== 'true')('HTTPS from server.tls', () => {
  let dev: FastdataProcess;
  let root: string;
  let remove: () => Promise<void>;
  let cert: Buffer;

  beforeAll(async () => {
    ({ path: root, remove } = await tempDir());
    await mkdir(join(root, 'streams'));
    await mkdir(join(root, 'certs'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(root, 'certs/key.pem'), '-out', join(root, 'certs/cert.pem')], { stdio: 'ignore' });
    cert = (await import('node:fs')).readFileSync(join(root, 'certs/cert.pem'));
    await writeFile(join(root, 'fastdata.config.yaml'), `server:\n  port: 0\n  tls: { cert: certs/cert.pem, key: certs/key.pem }\n  tokens: [{ name: reader, sha256: ${sha256Hex(TOKEN)}, scope: read }]\ngenerator: { enabled: false }\n`);
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    dev = await startDev({ root, config, dataDir, hotReload: false });
  });
  afterAll(async () => {
    await dev?.stop();
    await remove?.();
  });

  it('serves HTTPS, and the session cookie is Secure', async () => {
    const url = dev.role<HttpRole>('http')!.url!;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(dev.role<HttpRole>('http')!.accessDescription).toBe('1 token(s) required, HTTPS');
    expect((await get(`${url}/api/status`, { authorization: `Bearer ${TOKEN}` }, cert)).status).toBe(200);
    expect((await get(`${url}/api/status`, {}, cert)).status).toBe(401);
    const session = await get(`${url}/api/session`, { authorization: `Bearer ${TOKEN}` }, cert);
    expect(session.cookie).toMatch(/; Secure$/);
  });

  it('names server.tls when a file is missing', () => {
    const config = { server: { host: '127.0.0.1', port: 0, tokens: [], open: false, allowedHosts: [], allowedOrigins: [], accessLog: '', tls: { cert: 'certs/none.pem', key: 'certs/key.pem' } } } as never;
    expect(() => serverAccess(config, root)).toThrow(/server\.tls: .*no such file.*PEM files relative to the project root/);
  });
});
