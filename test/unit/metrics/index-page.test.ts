/**
 * The index page shows each module's live metrics: the HTML has the table and the script
 * reads /api/metrics/modules; in headless Chromium (when installed, see
 * test/e2e/dashboard-browser.test.ts) the table fills in with the module's figures.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { startServer } from '../../../src/serve/server.js';
import type { RunnerStatus } from '../../../src/stream/runner.js';
import { eventually } from '../../helpers/eventually.js';

const CHROMIUM = process.env.FASTDATA_CHROMIUM ?? '/usr/bin/chromium';

/** A module that has read `records` records, as its runner reports it. */
let records = 100;
const runner = {
  status: (): RunnerStatus => ({
    module: 'sensor-stats',
    state: 'running',
    partitions: [0, 1],
    records,
    outputs: 10,
    late: 2,
    deadLettered: 3,
    checkpoints: 4,
    lastCheckpointAt: undefined,
    lag: { 0: 5, 1: 7 },
    watermarks: { 0: Date.now() - 30_000, 1: Date.now() - 90_000 },
  }),
};

describe('the index page', () => {
  let server: { app: FastifyInstance; url: string };

  beforeAll(async () => {
    const metrics = new MetricsRegistry({ runners: () => [runner], processMetrics: false });
    const status = async () => ({ summary: 'test', modules: [{ ...runner.status(), inputs: ['sensor.readings'], output: 'sensor.stats' }], sources: [], topics: [] });
    server = await startServer({ status, host: '127.0.0.1', port: 0, metrics });
  });
  afterAll(async () => {
    await server?.app.close();
  });

  it('has the module metrics table, filled from /api/metrics/modules', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toContain('<table id="module-metrics">');
    for (const column of ['in/s', 'out/s', 'lag', 'watermark delay', 'late', 'dead letters']) expect(html).toContain(`>${column}</th>`);
    expect(html).toContain("fetch('/api/metrics/modules')");
  });

  it.skipIf(!existsSync(CHROMIUM))('shows rates, lag, watermark delay, late and dead-lettered counts live in Chromium', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${server.url}/`);
      const row = page.locator('tr[data-module="sensor-stats"]');
      const cell = (name: string) => row.locator(`td.${name}`).textContent();
      await eventually(async () => (await cell('lag')) === '12');
      expect(await cell('late')).toBe('2');
      expect(await cell('dead-lettered')).toBe('3');
      // The larger delay of the two partitions: a minute and a half.
      expect(await cell('watermark-delay')).toMatch(/^9\d\.\d s$/);
      // 200 more records read: the page's next refreshes show a positive input rate.
      records += 200;
      await eventually(async () => Number((await cell('in-rate'))?.replace(/,/g, '')) > 0, { timeoutMs: 15_000, intervalMs: 100 });
      expect(await cell('out-rate')).toBe('0.0');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
