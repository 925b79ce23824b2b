/**
 * The catalog page in a real browser (headless Chromium, the Debian package), over
 * `fastdata dev` on the demo project: the lineage graph is drawn with every node and edge
 * of the demo (sensor.readings -> sensor-stats -> sensor.stats -> sensor-anomalies ->
 * sensor.anomalies, the rules, the alert topic, the fleet dashboard, the Cassandra sink),
 * a module's doc is rendered, and a source's profile opens. Saves test-results/catalog.png.
 *
 * Chromium: `apt-get install chromium` (or FASTDATA_CHROMIUM=<path>). Without it the test
 * is skipped, except in CI (CI=true), where it fails.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
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
  console.error(`[catalog-browser] SKIPPED: no Chromium at ${CHROMIUM}; ${HOW}.`);
}

interface CatalogCounters {
  catalogLoaded: boolean;
  nodes: number;
  edges: number;
}

describe.skipIf(!haveChromium && process.env.CI !== 'true')('the catalog page in headless Chromium', () => {
  let data: { path: string; remove: () => Promise<void> };
  let dev: ReturnType<typeof startCli>;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no Chromium at ${CHROMIUM} (CI=true, so the catalog browser test cannot be skipped): ${HOW}`);
    await ensureWebBuilt(repo);
    data = await tempDir();
    dev = startCli(['dev', '--data-dir', data.path, '--port', '0'], { cwd: repo });
    url = (await eventually(() => /status page and schema registry: (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.output.stderr)?.[1], { timeoutMs: 60_000, intervalMs: 100 })) as string;
    // The source topic exists (and has records) once the demo generator has written its history.
    await eventually(async () => (await fetch(`${url}/api/catalog/topics/sensor.readings/profile`)).ok, { timeoutMs: 60_000, intervalMs: 250 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await dev?.stop('SIGKILL');
    await data?.remove();
  });

  it('draws the lineage graph of the demo, renders module docs and opens a profile', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${url}/catalog`);
    await page.waitForFunction(() => (globalThis as unknown as { __fastdata?: CatalogCounters }).__fastdata?.catalogLoaded === true, undefined, { timeout: 15_000 });

    // 26 nodes: 2 declared sources (sources/plant-r-*.yaml), 2 source topics (the readings, the metadata table),
    // 1 repartition topic, 7 modules, 8 outputs (with the alert topic), 4 rules, 1 dashboard, 1 sink; 34 edges.
    const counters = (await page.evaluate(() => (globalThis as unknown as { __fastdata: CatalogCounters }).__fastdata))!;
    expect(counters).toMatchObject({ nodes: 26, edges: 34 });
    expect(await page.locator('svg.lineage g.node').count()).toBe(26);
    expect(await page.locator('svg.lineage path.edge').count()).toBe(34);
    const kinds = await page.locator('svg.lineage g.node').evaluateAll((nodes) => nodes.map((n) => (n as unknown as { getAttribute(name: string): string }).getAttribute('data-id')));
    expect(kinds.sort()).toEqual(
      [
        'dashboard:fleet',
        'input:plant-r-readings',
        'input:plant-r-sensors',
        'module:sensor-anomalies',
        'module:sensor-drift',
        'module:sensor-forecast',
        'module:sensor-health',
        'module:sensor-onnx-anomalies',
        'module:sensor-stats',
        'module:site-stats',
        'rule:dead-sensor',
        'rule:over-limit',
        'rule:overheating',
        'rule:temperature-drift',
        'sink:cassandra:sensor_stats',
        'topic:fastdata.alerts',
        'topic:fastdata.site-stats.by-site.repartition',
        'topic:sensor.anomalies',
        'topic:sensor.drift',
        'topic:sensor.forecast',
        'topic:sensor.health',
        'topic:sensor.metadata',
        'topic:sensor.onnx-anomalies',
        'topic:sensor.readings',
        'topic:sensor.stats',
        'topic:site.stats',
      ].sort(),
    );
    // Drawn, not just present: every node has a box of its size on the page.
    const box = await page.locator('svg.lineage g.node[data-id="module:sensor-stats"]').boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(await page.locator('svg.lineage path.edge[data-from="topic:sensor.stats"][data-to="sink:cassandra:sensor_stats"]').count()).toBe(1);
    expect(await page.locator('svg.lineage path.edge[data-from="input:plant-r-readings"][data-to="topic:sensor.readings"]').count()).toBe(1);
    // The Sources section lists both, with what they read and the topic they write.
    const source = page.locator('tr', { has: page.locator('span.name', { hasText: /^plant-r-readings$/ }) });
    expect(await source.textContent()).toContain('data/plant-r-readings.csv (replay 1x, retimed, looped)');
    expect(await source.textContent()).toContain('fastdata.source.plant-r-readings.dlq');

    // The module's doc, rendered from markdown (a list with bold text), and the link to its code.
    expect(await page.locator('article.module .doc li strong').count()).toBeGreaterThan(0);
    const code = page.locator('article.module a', { hasText: 'sensor-stats.ts' });
    expect(await code.getAttribute('href')).toBe('/api/catalog/modules/sensor-stats/code');
    expect(await (await fetch(`${url}/api/catalog/modules/sensor-stats/code`)).text()).toContain("name: 'sensor-stats'");

    // A source's profile: its fields, none failing to decode.
    const row = page.locator('tr', { has: page.locator('span.name', { hasText: /^sensor\.readings$/ }) });
    await row.locator('button', { hasText: 'profile' }).click();
    await expect.poll(() => row.locator('.box table tr').count(), { timeout: 10_000 }).toBeGreaterThan(3);
    expect(await row.locator('.box').textContent()).toContain('0 failed to decode');

    await mkdir(join(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-results', 'catalog.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
