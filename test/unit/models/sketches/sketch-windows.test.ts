/**
 * The sketch aggregators inside a module: per-key tumbling windows restarted from their
 * checkpoint mid-stream (the sketches go through the changelog as JSON), and session windows
 * that a late record joins (the sketches merge). Each window's answers against the truth this
 * test computes from the records it sends.
 */
import { describe, expect, it } from 'vitest';
import { type Windowed, aggregate, defineStream, keyBy, session, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import type { OperatorFunction } from 'rxjs';
import { distinctCount, distinctCountStandardError, heavyHitters, quantileOf, quantiles } from '../../../../src/models/sketches/index.js';
import { mulberry32 } from '../../../../src/sources/random.js';

interface Request {
  site: string;
  ts: number;
  ms: number;
  user: string;
  page: string;
}
type Out = { key: string; windowStart: number; windowEnd: number; latency: number[]; p99: number; users: number; pages: { item: string; count: number }[] };

const sketches = () =>
  aggregate<Request, never>(
    {
      latency: quantiles((r: Request) => r.ms, [0.5, 0.9]),
      p99: quantileOf((r: Request) => r.ms, 0.99, { relativeAccuracy: 0.02 }),
      users: distinctCount((r: Request) => r.user, { precision: 12 }),
      pages: heavyHitters((r: Request) => r.page, { k: 3, epsilon: 0.01 }),
    } as never,
    { name: 'sketches' },
  );

function moduleOf(window: OperatorFunction<unknown, Windowed<Request>>) {
  return defineStream<{ requests: Request }, Out>({
    name: 'sketch-windows',
    inputs: { requests: 'requests' },
    output: { topic: 'out', schema: { type: 'record', name: 'Any', fields: [] }, key: (o) => o.key },
    eventTime: (r) => r.ts,
    pipeline: ({ requests }) => requests.pipe(keyBy((r) => r.site), window as never, sketches() as never) as never,
  });
}

const exactQuantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
const near = (got: number, truth: number, a: number) => Math.abs(got - truth) <= a * Math.abs(truth) * (1 + 1e-9);

function expectWindow(out: Out, rs: Request[]): void {
  const ms = rs.map((r) => r.ms);
  expect(near(out.latency[0]!, exactQuantile(ms, 0.5), 0.01)).toBe(true);
  expect(near(out.latency[1]!, exactQuantile(ms, 0.9), 0.01)).toBe(true);
  expect(near(out.p99, exactQuantile(ms, 0.99), 0.02)).toBe(true);
  const users = new Set(rs.map((r) => r.user)).size;
  // Within 3 standard errors (and one unit).
  expect(Math.abs(out.users - users)).toBeLessThanOrEqual(3 * distinctCountStandardError(12) * users + 1);
  const pages = new Map<string, number>();
  for (const r of rs) pages.set(r.page, (pages.get(r.page) ?? 0) + 1);
  const hottest = [...pages].sort((a, b) => b[1] - a[1])[0]![0];
  expect(out.pages[0]!.item).toBe(hottest);
  for (const p of out.pages) expect(p.count).toBeGreaterThanOrEqual(pages.get(p.item)!);
}

describe('sketch aggregators in windows', () => {
  it('answer each tumbling window within their bounds across restarts from the checkpoint', async () => {
    const rnd = mulberry32(12);
    const all: Request[] = Array.from({ length: 6_000 }, (_, i) => ({
      site: `s${i % 4}`,
      ts: i * 10,
      ms: Math.round(1 + 500 * rnd() ** 3 * 100) / 100,
      user: `u${Math.floor(rnd() * 400)}`,
      page: `/p${Math.floor(20 * rnd() ** 4)}`,
    }));
    const driver = await TestDriver.create(moduleOf(tumbling<Request>(10_000, { grace: 0, emit: 'final' }) as never));
    const outputs: Out[] = [];
    all.forEach((r, i) => {
      driver.pipe('requests', r);
      if (i % 1_700 === 1_699) {
        outputs.push(...driver.readValues());
        driver.restart();
      }
    });
    driver.advanceWatermark(10_000_000);
    outputs.push(...driver.readValues());
    expect(driver.readDeadLetters()).toEqual([]);
    expect(outputs).toHaveLength(24); // 6 windows of 10 s, 4 sites
    for (const out of outputs) expectWindow(out, all.filter((r) => r.site === out.key && r.ts >= out.windowStart && r.ts < out.windowEnd));
  });

  it('merge the sketches of sessions that a record joins', async () => {
    const rnd = mulberry32(3);
    const burst = (from: number): Request[] =>
      Array.from({ length: 300 }, (_, i) => ({ site: 'a', ts: from + i * 10, ms: 1 + Math.floor(rnd() * 1_000), user: `u${Math.floor(rnd() * 150)}`, page: i % 3 ? '/home' : `/p${i % 7}` }));
    const first = burst(0);
    const second = burst(20_000);
    const bridge: Request = { site: 'a', ts: 11_000, ms: 5, user: 'u-bridge', page: '/home' };
    const driver = await TestDriver.create(moduleOf(session<Request>('12s', { grace: '60s', emit: 'final' }) as never));
    // Two sessions (12 s apart at most: 3 s and 20 s) until the bridge at 11 s joins them.
    for (const r of [...first, ...second, bridge]) driver.pipe('requests', r);
    driver.advanceWatermark(10_000_000);
    const outputs = driver.readValues();
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ windowStart: 0, windowEnd: second.at(-1)!.ts });
    expectWindow(outputs[0]!, [...first, ...second, bridge]);
  });
});
