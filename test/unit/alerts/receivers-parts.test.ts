import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type AlertNotification, LogReceiver, ReceiverQueue, isRetriableStatus, parseRetryAfter, retryDelay, singleDelivery } from '../../../src/alerts/receivers/index.js';
import { headerSafe } from '../../../src/alerts/receivers/webhook.js';

const n: AlertNotification = {
  id: 'hot|s1|1000',
  fingerprint: 'hot|s1',
  rule: 'hot',
  key: 's1',
  status: 'firing',
  severity: 'warning',
  startsAt: 1_000,
  labels: {},
  annotations: {},
};
const timers = { now: () => 42, setTimeout: (fn: () => void, ms: number) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); } };

describe('retry policy', () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 422].some(isRetriableStatus)).toBe(false);
  });

  it('backs off exponentially up to max, with full jitter', () => {
    const policy = { initialMs: 1_000, maxMs: 300_000 };
    expect([1, 2, 3, 4].map((r) => retryDelay(r, policy, () => 0.999999))).toEqual([999, 1999, 3999, 7999]);
    expect(retryDelay(20, policy, () => 0.999999)).toBe(299_999);
    expect(retryDelay(500, policy, () => 0.5)).toBe(150_000);
    expect(retryDelay(3, policy, () => 0)).toBe(0);
  });

  it('takes Retry-After (seconds or a date) over the jitter, capped at max', () => {
    const policy = { initialMs: 1_000, maxMs: 60_000 };
    expect(retryDelay(1, policy, () => 0.5, 5_000)).toBe(5_000);
    expect(retryDelay(1, policy, () => 0.5, 3_600_000)).toBe(60_000);
    expect(parseRetryAfter('7', 0)).toBe(7_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });

  it('keeps idempotency keys header-safe without losing uniqueness', () => {
    expect(headerSafe('hot|s1|1000:firing')).toBe('hot|s1|1000:firing');
    expect(headerSafe('hot|Kühlraum 2|1000:firing')).toBe('hot|K%C3%BChlraum 2|1000:firing');
    expect(headerSafe('a%b')).toBe('a%25b');
    expect(headerSafe('x\ny')).toBe('x%0Ay');
  });
});

describe('log receiver', () => {
  it('writes one JSON line per notification to a stream', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const queue = new ReceiverQueue(new LogReceiver({ name: 'audit' }, { stream: out, timers }), { timers });
    queue.enqueue(n);
    queue.enqueue({ ...n, status: 'resolved', endsAt: 2_000 });
    await queue.idle();
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { version: 1, sentAt: 42, ...n },
      { version: 1, sentAt: 42, ...n, status: 'resolved', endsAt: 2_000 },
    ]);
  });

  it('appends to a file, creating its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-log-receiver-'));
    try {
      const path = join(dir, 'sub', 'alerts.jsonl');
      const receiver = new LogReceiver({ name: 'audit', path }, { timers });
      expect(await receiver.send(singleDelivery(n))).toEqual({ outcome: 'delivered' });
      expect(await receiver.send(singleDelivery({ ...n, status: 'resolved' }))).toEqual({ outcome: 'delivered' });
      const text = await readFile(path, 'utf8');
      expect(text.trimEnd().split('\n').map((l) => JSON.parse(l).status)).toEqual(['firing', 'resolved']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
