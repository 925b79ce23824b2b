import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AlertNotification,
  type DeliveryPolicy,
  ReceiverQueue,
  type Timers,
  WebhookReceiver,
  type WebhookReceiverConfig,
  verifySignature,
} from '../../../src/alerts/receivers/index.js';

const SECRET = 'test-secret-0123456789';

interface Received {
  key: string;
  body: string;
  headers: IncomingMessage['headers'];
}

type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang' | Promise<{ status: number }>;

/** A webhook receiver on 127.0.0.1 that records every request and counts idempotency keys. */
class HookServer {
  readonly received: Received[] = [];
  readonly keys = new Map<string, number>();
  port = 0;
  private server: Server | undefined;
  constructor(private readonly reply: (r: Received, n: number) => Reply = () => ({ status: 200 })) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const r: Received = { key: String(req.headers['idempotency-key']), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
        this.received.push(r);
        this.keys.set(r.key, (this.keys.get(r.key) ?? 0) + 1);
        const reply = await this.reply(r, this.received.length);
        if (reply === 'hang') return;
        res.writeHead(reply.status, (reply as { headers?: Record<string, string> }).headers).end((reply as { body?: string }).body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }
}

const servers: HookServer[] = [];
const queues: ReceiverQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close(100)));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(reply?: (r: Received, n: number) => Reply, port?: number): Promise<HookServer> {
  const server = await new HookServer(reply).start(port);
  servers.push(server);
  return server;
}

function notification(i: number, status: 'firing' | 'resolved' = 'firing'): AlertNotification {
  return {
    id: `overheat|s${i}|1000`,
    fingerprint: `overheat|s${i}`,
    rule: 'overheat',
    key: `s${i}`,
    status,
    severity: 'critical',
    startsAt: 1_000,
    ...(status === 'resolved' ? { endsAt: 2_000 } : {}),
    labels: { site: 'plant-a' },
    annotations: { summary: `s${i} is hot` },
    value: { sensorId: `s${i}`, temperature: 91.5 },
  };
}

function config(url: string, extra: Partial<WebhookReceiverConfig> = {}): WebhookReceiverConfig {
  return { name: 'ops', source: 'test', kind: 'webhook', url, secret: SECRET, timeoutMs: 2_000, headers: { 'X-Team': 'ops' }, delivery: policy(), ...extra };
}

function policy(extra: Partial<DeliveryPolicy> = {}): DeliveryPolicy {
  return { maxRetries: 8, backoff: { initialMs: 5, maxMs: 20 }, queueSize: 10_000, ...extra };
}

/** Real timers that record the delays asked for; `instant` runs them at once. */
function recordingTimers(instant = false): Timers & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout(fn, ms) {
      delays.push(ms);
      const t = setTimeout(fn, instant ? 0 : ms);
      return () => clearTimeout(t);
    },
  };
}

function queueFor(cfg: WebhookReceiverConfig, options: ConstructorParameters<typeof ReceiverQueue>[1] = {}, timers?: Timers): ReceiverQueue {
  const queue = new ReceiverQueue(new WebhookReceiver(cfg, timers ? { timers } : {}), { policy: cfg.delivery, onWarning: () => {}, ...(timers ? { timers } : {}), ...options });
  queues.push(queue);
  return queue;
}

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('webhook delivery', () => {
  it('POSTs the notification signed with HMAC-SHA256 of the exact body, with its idempotency key', async () => {
    const server = await serve();
    const queue = queueFor(config(server.url));
    queue.enqueue(notification(1));
    queue.enqueue(notification(1, 'resolved'));
    await queue.idle();

    expect(server.received.map((r) => r.key)).toEqual(['overheat|s1|1000:firing', 'overheat|s1|1000:resolved']);
    for (const r of server.received) {
      expect(verifySignature(r.body, SECRET, r.headers['x-fastdata-signature'] as string)).toBe(true);
      expect(r.headers['x-fastdata-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifySignature(r.body, 'another-secret-000000', r.headers['x-fastdata-signature'] as string)).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-team']).toBe('ops');
      const body = JSON.parse(r.body);
      expect(body).toMatchObject({ version: 1, rule: 'overheat', key: 's1', severity: 'critical', value: { temperature: 91.5 } });
      expect(String(body.sentAt)).toBe(r.headers['x-fastdata-timestamp']);
      expect(r.body).not.toContain(SECRET);
    }
    expect(queue.stats()).toMatchObject({ queued: 0, delivered: 2, retried: 0, dead: 0, lastDeliveredAt: expect.any(Number) });
  });

  it('retries 503 with exponential backoff and full jitter, then succeeds', async () => {
    const server = await serve((_, n) => (n <= 2 ? { status: 503, body: 'busy' } : { status: 200 }));
    const timers = recordingTimers();
    const queue = queueFor(config(server.url, { delivery: policy({ backoff: { initialMs: 20, maxMs: 1_000 } }) }), { random: () => 0.5 }, timers);
    queue.enqueue(notification(1));
    await queue.idle();

    expect(server.received.map((r) => r.key)).toEqual(Array(3).fill('overheat|s1|1000:firing'));
    expect(timers.delays).toEqual([10, 20]); // 0.5 x 20, 0.5 x 40
    expect(queue.stats()).toMatchObject({ delivered: 1, retried: 2, dead: 0, lastError: { status: 503, message: 'HTTP 503: busy' } });
  });

  it('honours Retry-After', async () => {
    const server = await serve((_, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '3' } } : { status: 200 }));
    const timers = recordingTimers(true); // records the 3 s, waits none of it
    const queue = queueFor(config(server.url, { delivery: policy({ backoff: { initialMs: 5, maxMs: 60_000 } }) }), {}, timers);
    queue.enqueue(notification(1));
    await queue.idle();
    expect(timers.delays).toEqual([3_000]);
    expect(queue.stats()).toMatchObject({ delivered: 1, retried: 1 });
  });

  it('does not retry 400: counted as rejected, logged with the status, and the next one goes on', async () => {
    const server = await serve((r) => (r.key.startsWith('overheat|s1|') ? { status: 400, body: 'no such channel' } : { status: 200 }));
    const warnings: string[] = [];
    const queue = queueFor(config(server.url), { onWarning: (m) => warnings.push(m) });
    queue.enqueue(notification(1));
    queue.enqueue(notification(2));
    await queue.idle();
    expect(server.received.map((r) => r.key)).toEqual(['overheat|s1|1000:firing', 'overheat|s2|1000:firing']);
    expect(queue.stats()).toMatchObject({ delivered: 1, rejected: 1, retried: 0, dead: 0, lastError: { status: 400 } });
    expect(warnings).toEqual([expect.stringContaining('HTTP 400: no such channel')]);
  });

  it('counts a timeout as retriable, and the retry carries the same idempotency key', async () => {
    const server = await serve((_, n) => (n === 1 ? 'hang' : { status: 200 }));
    const queue = queueFor(config(server.url, { timeoutMs: 100 }));
    queue.enqueue(notification(1));
    await queue.idle();
    expect(server.received.map((r) => r.key)).toEqual(['overheat|s1|1000:firing', 'overheat|s1|1000:firing']);
    expect(queue.stats()).toMatchObject({ delivered: 1, retried: 1, lastError: { message: 'no response within 100 ms' } });
  });

  it('gives up after max_retries: dead, counted and logged', async () => {
    const server = await serve(() => ({ status: 500 }));
    const warnings: string[] = [];
    const queue = queueFor(config(server.url, { delivery: policy({ maxRetries: 2 }) }), { onWarning: (m) => warnings.push(m) });
    queue.enqueue(notification(1));
    await queue.idle();
    expect(server.received).toHaveLength(3);
    expect(queue.stats()).toMatchObject({ delivered: 0, retried: 2, dead: 1 });
    expect(warnings).toEqual([expect.stringMatching(/gave up on overheat\|s1\|1000:firing after 3 attempts/)]);
  });

  it('a receiver down for a while gets everything once back, in order, exactly once each', async () => {
    const first = await serve();
    const port = first.port;
    await first.stop();
    const queue = queueFor(config(`http://127.0.0.1:${port}/hook`, { delivery: policy({ maxRetries: 1_000, backoff: { initialMs: 5, maxMs: 20 } }) }));
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (const status of ['firing', 'resolved'] as const) {
        queue.enqueue(notification(i, status));
        sent.push(`overheat|s${i}|1000:${status}`);
      }
    }
    await until(() => queue.stats().retried >= 5, 'retries against the closed port');
    expect(queue.stats()).toMatchObject({ delivered: 0, queued: 20, dead: 0 });

    const back = await serve(undefined, port);
    await queue.idle();
    expect(back.received.map((r) => r.key)).toEqual(sent);
    expect([...back.keys.values()].every((n) => n === 1)).toBe(true);
    expect(queue.stats()).toMatchObject({ delivered: 20, queued: 0, dead: 0, dropped: 0 });
  });
});

describe('receiver queue', () => {
  it('enqueue returns at once, without waiting for the network', async () => {
    let release = () => {};
    const held = new Promise<{ status: number }>((r) => (release = () => r({ status: 200 })));
    const server = await serve(() => held);
    const queue = queueFor(config(server.url));
    const results = Array.from({ length: 200 }, (_, i) => queue.enqueue(notification(i)));
    // Synchronous: nothing returned to await, and not even the first attempt has begun.
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(queue.stats()).toMatchObject({ queued: 200, inFlight: 0 });
    expect(server.received).toHaveLength(0);
    await until(() => server.received.length === 1, 'the first delivery');
    release();
    await queue.idle();
    expect(server.received).toHaveLength(200);
  });

  it('is bounded: when full it drops the oldest waiting, counts them and warns once per burst', async () => {
    let release = () => {};
    const held = new Promise<{ status: number }>((r) => (release = () => r({ status: 200 })));
    const server = await serve((_, n) => (n === 1 ? held : { status: 200 }));
    const warnings: string[] = [];
    const queue = queueFor(config(server.url, { delivery: policy({ queueSize: 3 }) }), { onWarning: (m) => warnings.push(m) });
    queue.enqueue(notification(0));
    await until(() => server.received.length === 1, 'the first delivery in flight');
    for (let i = 1; i <= 5; i++) queue.enqueue(notification(i));
    expect(queue.stats()).toMatchObject({ queued: 4, inFlight: 1, dropped: 2 });
    expect(warnings).toEqual([expect.stringContaining('queue full (3 waiting')]);
    release();
    await queue.idle();
    expect(server.received.map((r) => r.key)).toEqual([0, 3, 4, 5].map((i) => `overheat|s${i}|1000:firing`));
    expect(queue.stats()).toMatchObject({ queued: 0, delivered: 4, dropped: 2 });
  });

  it('close waits for the attempt in flight at most the time given, then aborts it', async () => {
    const server = await serve(() => 'hang');
    const queue = queueFor(config(server.url, { timeoutMs: 60_000 }));
    queue.enqueue(notification(1));
    queue.enqueue(notification(2));
    await until(() => server.received.length === 1, 'the first attempt');
    // A close that waited for the hung attempt (60 s) would fail this test by its timeout.
    expect(await queue.close(50)).toEqual({ undelivered: 2 });
    queue.enqueue(notification(3));
    expect(queue.stats().dropped).toBe(1);
  });
});
