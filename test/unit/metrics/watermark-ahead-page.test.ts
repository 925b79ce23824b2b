/**
 * Issue 15: a watermark moved ten years ahead by one reading went unnoticed. The status
 * page's modules table now says so: a watermark ahead of the clock (in red beyond the
 * module's maxFutureSkew), the records refused for an event time from the future, and a
 * checkpointed watermark left out at restore; /metrics has the same as
 * fastdata_module_watermark_ahead_seconds, fastdata_module_future_records_total and
 * fastdata_module_watermark_resets_total. In headless Chromium when installed.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { startServer } from '../../../src/serve/server.js';
import type { RunnerStatus } from '../../../src/stream/runner.js';
import { eventually } from '../../helpers/eventually.js';
import { parseExposition, valueOf } from './exposition.js';

const CHROMIUM = process.env.FASTDATA_CHROMIUM ?? '/usr/bin/chromium';
const TEN_YEARS = Math.round(10 * 365.25 * 86_400_000);

const base = {
  state: 'running' as const,
  partitions: [0, 1],
  records: 100,
  outputs: 10,
  late: 0,
  checkpoints: 4,
  lastCheckpointAt: undefined,
  lag: { 0: 0, 1: 0 },
  maxFutureSkew: 300_000,
};
/** A module whose partition 1 was moved to 2036 before the check existed (a process still running old code would look so). */
const poisoned = { status: (): RunnerStatus => ({ ...base, module: 'poisoned', deadLettered: 0, watermarks: { 0: Date.now() - 5_000, 1: Date.now() + TEN_YEARS } }) };
/** A module that refused 3 readings from the future and left a checkpointed 2036 watermark out at restore. */
const guarded = {
  status: (): RunnerStatus => ({
    ...base,
    module: 'guarded',
    deadLettered: 3,
    future: 3,
    watermarkResets: 1,
    lastWatermarkReset: { partition: 1, watermark: Date.UTC(2036, 4, 12), at: Date.now() - 60_000 },
    watermarks: { 0: Date.now() - 5_000, 1: Date.now() - 4_000 },
  }),
};

describe('a watermark ahead of the clock, on the status page and in /metrics', () => {
  let server: { app: FastifyInstance; url: string };
  let metrics: MetricsRegistry;

  beforeAll(async () => {
    metrics = new MetricsRegistry({ runners: () => [poisoned, guarded], processMetrics: false });
    const modules = [poisoned, guarded].map((r) => ({ ...r.status(), inputs: ['sensor.readings'], output: `${r.status().module}.stats` }));
    server = await startServer({ status: async () => ({ summary: 'test', modules, sources: [], topics: [] }), host: '127.0.0.1', port: 0, metrics });
  });
  afterAll(async () => {
    await server?.app.close();
  });

  it('exports how far ahead each partition is, the records from the future and the watermarks left out', async () => {
    const { samples, types } = parseExposition(await metrics.text());
    expect(valueOf(samples, 'fastdata_module_watermark_ahead_seconds', { module: 'poisoned', partition: '1' })).toBeGreaterThan(TEN_YEARS / 1000 - 60);
    expect(valueOf(samples, 'fastdata_module_watermark_ahead_seconds', { module: 'poisoned', partition: '0' })).toBe(0);
    expect(valueOf(samples, 'fastdata_module_future_records_total', { module: 'guarded' })).toBe(3);
    expect(valueOf(samples, 'fastdata_module_watermark_resets_total', { module: 'guarded' })).toBe(1);
    expect(valueOf(samples, 'fastdata_module_future_records_total', { module: 'poisoned' })).toBe(0);
    expect(types).toMatchObject({
      fastdata_module_watermark_ahead_seconds: 'gauge',
      fastdata_module_future_records_total: 'counter',
      fastdata_module_watermark_resets_total: 'counter',
    });
    const summaries = (await (await fetch(`${server.url}/api/metrics/modules`)).json()) as { modules: { module: string; watermarkAheadSeconds: number }[] };
    expect(summaries.modules.find((m) => m.module === 'poisoned')!.watermarkAheadSeconds).toBeGreaterThan(TEN_YEARS / 1000 - 60);
    expect(summaries.modules.find((m) => m.module === 'guarded')).toMatchObject({ future: 3, watermarkResets: 1, watermarkAheadSeconds: 0, lastWatermarkReset: { partition: 1 } });
  });

  it.skipIf(!existsSync(CHROMIUM))('shows the watermark ahead in red, the records from the future and the watermark left out at restore', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${server.url}/`);
      const row = (module: string) => page.locator(`tr[data-module="${module}"]`);
      await eventually(async () => ((await row('poisoned').locator('td.watermark-delay').textContent()) ?? '').startsWith('ahead'));
      expect(await row('poisoned').locator('td.watermark-delay').textContent()).toMatch(/^ahead 3,65\d d$/);
      expect(await row('poisoned').locator('.watermark-ahead').getAttribute('class')).toBe('watermark-ahead failed');
      const guardedRow = row('guarded');
      await eventually(async () => (await guardedRow.locator('td.dead-lettered').textContent()) === '3, 3 from the future');
      expect(await guardedRow.locator('.future').getAttribute('class')).toBe('future failed');
      expect(await guardedRow.locator('td.watermark-delay').textContent()).toMatch(/^5\.\d spartition 1: watermark 2036-05-12 00:00:00 not restored \(.*\)$/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
