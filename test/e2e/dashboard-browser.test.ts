/**
 * The fleet dashboard in a real browser (headless Chromium, the Debian package), over
 * `fastdata dev` on the demo project: the charts draw from history at once, and a window
 * that closes while the page is open reaches it live within two seconds of the server
 * having it. Saves test-artifacts/dashboard-fleet-live.png (gitignored).
 *
 * Chromium: `apt-get install chromium` (or FASTDATA_CHROMIUM=<path>). Without it the test
 * is skipped, except in CI (CI=true), where it fails.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../scripts/build-web.js';
import { startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.FASTDATA_CHROMIUM ?? '/usr/bin/chromium';
const HOW = 'install it with `sudo apt-get install chromium` (Debian/Ubuntu), or set FASTDATA_CHROMIUM to a Chromium binary';
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && process.env.CI !== 'true') {
  console.error(`[dashboard-browser] SKIPPED: no Chromium at ${CHROMIUM}; ${HOW}.`);
}

/** What the page exposes as window.__fastdata (web/dashboard.ts). */
interface PageCounters {
  historyLoaded: boolean;
  points: number;
  connection: string;
  liveRecords: number;
  counters: { live: number; snapshot: number; duplicates: number; missed: number; reconnects: number };
  dropConnection(): void;
}

const counters = (page: Page) => page.evaluate(() => (globalThis as unknown as { __fastdata?: PageCounters }).__fastdata ?? null);

describe.skipIf(!haveChromium && process.env.CI !== 'true')('the fleet dashboard in headless Chromium', () => {
  let data: { path: string; remove: () => Promise<void> };
  let dev: ReturnType<typeof startCli>;
  let browser: Browser;
  let url: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // In CI a missing browser is a broken setup, not a reason to pass: say so loudly.
    if (!haveChromium) throw new Error(`no Chromium at ${CHROMIUM} (CI=true, so the dashboard browser test cannot be skipped): ${HOW}`);
    await ensureWebBuilt(repo);
    data = await tempDir();
    dev = startCli(['dev', '--data-dir', data.path, '--port', '0'], { cwd: repo });
    url = await eventually(() => /status page and schema registry: (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.output.stderr)?.[1], { timeoutMs: 60_000, intervalMs: 100 }) as string;
    // The outputs exist (and the dashboard is valid) once the modules have started.
    await eventually(async () => (await fetch(`${url}/api/dashboards/fleet`)).ok, { timeoutMs: 60_000, intervalMs: 250 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await dev?.stop('SIGKILL');
    await data?.remove();
  });

  it('draws the panels from history, then shows a new window live within two seconds', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Any failed request is a bug (the alert topic exists from the start: dev runs the alert service).
    page.on('response', (response) => {
      if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    await page.goto(`${url}/dashboards/fleet`);

    // History: the demo writes ten minutes of backfill, so every chart has points at once.
    await page.waitForFunction(() => (globalThis as unknown as { __fastdata?: PageCounters }).__fastdata?.historyLoaded === true, undefined, { timeout: 15_000 });
    expect(await page.locator('h1').textContent()).toBe('Sensor fleet');
    const panels = page.locator('section.panel');
    expect(await panels.count()).toBe(11);
    // (The test's tsconfig has no DOM types: the elements are read through their dataset.)
    const points = await panels.evaluateAll((sections) => sections.map((s) => (s as unknown as { dataset: Record<string, string> }).dataset).map((d) => [d.kind, Number(d.points)]));
    const [temperature, stat, zscore, statsTable, healthTable, anomaliesTable, alerts, forecastVsActual, mae, forecastTable, driftEvidence] = points.map((p) => p[1] as number);
    expect(points.map((p) => p[0])).toEqual(['timeseries', 'stat', 'timeseries', 'table', 'table', 'table', 'alerts', 'timeseries', 'timeseries', 'table', 'timeseries']);
    expect(temperature).toBeGreaterThanOrEqual(4 * 5); // four sensors, several minutes each
    expect(zscore).toBeGreaterThanOrEqual(4 * 5);
    // The models (streams/sensor-forecast.ts, sensor-drift.ts): from each sensor's third (second) minute of the backfill on.
    expect(forecastVsActual).toBeGreaterThanOrEqual(4 * 2 * 5); // actual and forecast, four sensors
    expect(mae).toBeGreaterThanOrEqual(4 * 5);
    expect(driftEvidence).toBeGreaterThanOrEqual(4 * 5);
    expect(stat).toBe(1);
    // One row per sensor: the generator's 20, and plant-r's 4 (sources/plant-r-*.yaml) once their first replayed minute has closed.
    const sensors = (rows: number) => rows >= 20 && rows <= 24;
    expect(sensors(statsTable!), `${statsTable} rows`).toBe(true);
    expect(sensors(anomaliesTable!), `${anomaliesTable} rows`).toBe(true);
    expect(sensors(healthTable!), `${healthTable} rows`).toBe(true);
    expect(sensors(forecastTable!), `${forecastTable} rows`).toBe(true); // sensor.stats joined with the sensor.metadata table: every sensor has its row
    // The alert panel shows the alert topic's latest change per alert (more may come after the page loaded).
    const alertsOnServer = ((await (await fetch(`${url}/api/outputs/fastdata.alerts/latest?limit=50`)).json()) as { records: unknown[] }).records.length;
    expect(alerts).toBeLessThanOrEqual(alertsOnServer);
    expect(await page.locator('.panel-alerts li').count()).toBe(alerts);
    expect(await page.locator('.panel-timeseries canvas').count()).toBeGreaterThanOrEqual(2);
    await page.waitForFunction(() => (globalThis as unknown as { __fastdata?: PageCounters }).__fastdata?.connection === 'live', undefined, { timeout: 10_000 });

    // Live: wait until the server has a window newer than any the page loaded (one closes
    // every minute, ten seconds after its end), then the page must have it within 2 s.
    const newestOnServer = async () => {
      const latest = (await (await fetch(`${url}/api/outputs/sensor.stats/latest`)).json()) as { records: { value: { windowStart: number } }[] };
      return Math.max(...latest.records.map((r) => r.value.windowStart));
    };
    const loaded = await newestOnServer();
    const before = (await counters(page))!.liveRecords;
    await eventually(async () => (await newestOnServer()) > loaded, { timeoutMs: 90_000, intervalMs: 100 });
    // The requirement, "on the page within two seconds", is the wait's deadline.
    await page.waitForFunction((n) => ((globalThis as unknown as { __fastdata?: PageCounters }).__fastdata?.liveRecords ?? 0) > n, before, { timeout: 2_000 });
    // The table shows the new window's count for some sensor (its row flashes).
    await expect.poll(() => page.locator('.panel-table tr.changed').count(), { timeout: 2_000 }).toBeGreaterThan(0);

    const after = (await counters(page))!;
    expect(after.counters.missed).toBe(0);
    expect(after.connection).toBe('live');

    // A dropped connection comes back by itself and resumes where it was: nothing twice
    // (the charts and tables hold as many points as before), nothing lost. First let this
    // minute's records (sensor.anomalies follows sensor.stats) all arrive.
    let quiet = { live: -1, since: Date.now() };
    const settled = (await eventually(
      async () => {
        const now = (await counters(page))!;
        if (now.liveRecords !== quiet.live) quiet = { live: now.liveRecords, since: Date.now() };
        return Date.now() - quiet.since > 3_000 ? now : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ))!;
    await page.evaluate(() => (globalThis as unknown as { __fastdata: PageCounters }).__fastdata.dropConnection());
    await page.waitForFunction(() => {
      const f = (globalThis as unknown as { __fastdata: PageCounters }).__fastdata;
      return f.counters.reconnects === 1 && f.connection === 'live';
    }, undefined, { timeout: 10_000 });
    // Give the resumed subscriptions time to answer (their snapshots would carry any repeat).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const resumed = (await counters(page))!;
    expect(resumed.points).toBe(settled.points);
    expect(resumed.counters.snapshot).toBe(settled.counters.snapshot);
    expect(resumed.liveRecords).toBe(settled.liveRecords);
    await mkdir(join(repo, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-artifacts', 'dashboard-fleet-live.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
