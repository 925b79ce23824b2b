/**
 * The demo's dashboard in headless Chromium on a server that needs a token: opened with
 * `#token=<read token>`, the page trades it for the session cookie, drops it from the
 * address bar, and draws its panels from REST and live over /ws with no request refused;
 * opened without one, it says that a token is needed. Needs Chromium like the dashboard
 * test (test/e2e/dashboard-browser.test.ts): skipped without it, except in CI.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastdataProcess } from '../../src/app/process.js';
import { startDev } from '../../src/app/profiles.js';
import type { HttpRole } from '../../src/app/roles/http.js';
import { loadProjectConfig } from '../../src/config/project-config.js';
import { sha256Hex } from '../../src/serve/guard/tokens.js';
import { ensureWebBuilt } from '../../scripts/build-web.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.FASTDATA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const READ_TOKEN = 'fd_dashboard-reader-0123456789abcdef';
const ADMIN_TOKEN = 'fd_dashboard-admin-0123456789abcdef';

describe.skipIf(!haveChromium && process.env.CI !== 'true')('the dashboard with a token, in headless Chromium', () => {
  let dev: FastdataProcess;
  let url: string;
  let browser: Browser;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no Chromium at ${CHROMIUM} (CI=true: the browser tests cannot be skipped); apt-get install chromium`);
    ensureWebBuilt(repo);
    const data = await tempDir();
    remove = data.remove;
    const { config, dataDir } = await loadProjectConfig({
      dir: repo,
      overrides: {
        dataDir: data.path,
        server: { port: 0, tokens: [{ name: 'viewer', sha256: sha256Hex(READ_TOKEN), scope: 'read' }, { name: 'ops', sha256: sha256Hex(ADMIN_TOKEN), scope: 'admin' }] },
        generator: { options: { backfill: '5m' } },
      },
    });
    dev = await startDev({ root: repo, config, dataDir, hotReload: false });
    url = dev.role<HttpRole>('http')!.url!;
    await eventually(async () => (await fetch(`${url}/api/dashboards/fleet`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).ok, { timeoutMs: 60_000, intervalMs: 250 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
    await remove?.();
  });

  it('takes the token from the fragment once, then loads history and goes live with the session cookie', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${url}/dashboards/fleet#token=${READ_TOKEN}`);
    await page.waitForFunction(() => (globalThis as unknown as { __fastdata?: { historyLoaded: boolean } }).__fastdata?.historyLoaded === true, undefined, { timeout: 20_000 });
    await page.waitForFunction(() => (globalThis as unknown as { __fastdata?: { connection: string } }).__fastdata?.connection === 'live', undefined, { timeout: 10_000 });
    expect(refused).toEqual([]);
    expect(page.url()).toBe(`${url}/dashboards/fleet`);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'fastdata_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.locator('section.panel').count()).toBe(11);
    await context.close();
  });

  it('says a token is needed when opened without one', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/dashboards/fleet`);
    await expect.poll(async () => page.locator('pre.problem').textContent(), { timeout: 10_000 }).toMatch(/needs a token.*#token=<token>/);
    await page.close();
  });

  it("refuses even an admin's delete of a subject a running output is written under", async () => {
    const response = await fetch(`${url}/registry/subjects/sensor.stats-value?permanent=true`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toMatch(/sensor-stats/);
    expect((await fetch(`${url}/api/openapi.json`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).status).toBe(200);
  });
});
