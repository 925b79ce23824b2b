/**
 * The webhook signature covers the time as well as the body (issue 15: "the signature
 * covers the body but not the timestamp, so a captured request can be replayed"). A real
 * HTTP receiver verifies with verifyWebhook, as docs/alerts.md tells receivers to, and a
 * request captured and sent again six minutes later is refused; so is one whose time or
 * body was changed. The body-only X-Fastdata-Signature is still sent for one release, and
 * the test shows why it goes: the replay passes it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_TOLERANCE_SECONDS,
  ManualTimers,
  SIGNATURE_HEADER,
  WebhookReceiver,
  parseReceivers,
  signWebhook,
  singleDelivery,
  verifySignature,
  verifyWebhook,
  type AlertNotification,
  type WebhookReceiverConfig,
} from '../../../src/alerts/receivers/index.js';
import { formatProblem } from '../../../src/config/validated-file.js';

const SECRET = 'whsec-0123456789abcdef';
const MINUTE = 60_000;

const notification: AlertNotification = {
  id: 'hot|m1:1000',
  fingerprint: 'hot|m1',
  rule: 'hot',
  key: 'm1',
  status: 'firing',
  severity: 'critical',
  startsAt: 1_000,
  labels: { alertname: 'hot', key: 'm1' },
  annotations: { summary: 'm1 is hot: 91 °C' },
};

interface Captured {
  body: Buffer;
  headers: IncomingHttpHeaders;
  verdict: ReturnType<typeof verifyWebhook>;
}

/** A receiver as docs/alerts.md describes one: verify the raw body and time, refuse with 401 otherwise. */
async function verifyingReceiver(clock: () => number): Promise<{ url: string; seen: Captured[]; close: () => Promise<void> }> {
  const seen: Captured[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const verdict = verifyWebhook(body, request.headers['fastdata-signature'] as string | undefined, SECRET, { now: clock() });
      seen.push({ body, headers: request.headers, verdict });
      response.writeHead(verdict.ok ? 200 : 401).end(verdict.ok ? 'ok' : verdict.reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function config(url: string, secret: string | null = SECRET): WebhookReceiverConfig {
  return { name: 'ops', source: 'test', kind: 'webhook', url, ...(secret ? { secret } : {}), timeoutMs: 2_000, headers: {}, delivery: { maxRetries: 0, backoff: { initialMs: 1, maxMs: 1 }, queueSize: 10 } };
}

describe('webhook signature over time and body', () => {
  it('signs t=<unix seconds>,v1=<HMAC of "t.body">; a receiver takes it, and refuses the same request replayed six minutes later', async () => {
    const timers = new ManualTimers(Date.UTC(2026, 10, 24, 6, 0, 0));
    const hook = await verifyingReceiver(() => timers.now());
    closers.push(hook.close);
    const receiver = new WebhookReceiver(config(hook.url), { timers });
    expect(await receiver.send(singleDelivery(notification), new AbortController().signal)).toEqual({ outcome: 'delivered', status: 200 });

    const [sent] = hook.seen;
    const header = sent!.headers['fastdata-signature'] as string;
    const t = Math.floor(timers.now() / 1_000);
    expect(header).toBe(`t=${t},v1=${signWebhook(sent!.body, SECRET, t).split('v1=')[1]}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(sent!.verdict).toEqual({ ok: true, timestamp: t });
    expect(JSON.parse(sent!.body.toString()).sentAt).toBe(timers.now());

    // An attacker who captured it sends the very same bytes again, six minutes on.
    timers.advance(6 * MINUTE);
    const replay = await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json', 'fastdata-signature': header }, body: sent!.body });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toBe('too-old');
    expect(hook.seen[1]!.verdict).toMatchObject({ ok: false, reason: 'too-old', message: expect.stringContaining('360 s ago, more than the 300 s allowed') });
    // The deprecated body-only signature cannot tell: that is why it goes.
    expect(verifySignature(sent!.body, SECRET, sent!.headers['x-fastdata-signature'] as string)).toBe(true);
  });

  it('refuses a changed time, a changed body, another secret, a missing or garbled header, and a time from the future', () => {
    const now = Date.UTC(2026, 10, 24, 6, 0, 0);
    const t = now / 1_000;
    const body = JSON.stringify({ version: 1, key: 'm1' });
    const header = signWebhook(body, SECRET, t);
    expect(verifyWebhook(body, header, SECRET, { now })).toEqual({ ok: true, timestamp: t });
    expect(verifyWebhook(Buffer.from(body), header, ['an-old-secret-000000', SECRET], { now })).toMatchObject({ ok: true }); // during a rotation
    expect(verifyWebhook(body, header.replace(`t=${t}`, `t=${t + 300}`), SECRET, { now: now + 300_000 })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(body.replace('m1', 'm2'), header, SECRET, { now })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(body, header, 'another-secret-0000000', { now })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(body, undefined, SECRET, { now })).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyWebhook(body, 'sha256=abc', SECRET, { now })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyWebhook(body, `t=${t}`, SECRET, { now })).toMatchObject({ ok: false, reason: 'malformed' });
    // Within the tolerance either way, it passes (clocks drift); past it, it does not.
    expect(verifyWebhook(body, header, SECRET, { now: now + DEFAULT_TOLERANCE_SECONDS * 1_000 })).toMatchObject({ ok: true });
    expect(verifyWebhook(body, header, SECRET, { now: now + DEFAULT_TOLERANCE_SECONDS * 1_000 + 1_000 })).toMatchObject({ ok: false, reason: 'too-old' });
    expect(verifyWebhook(body, header, SECRET, { now: now - 301_000 })).toMatchObject({ ok: false, reason: 'too-new' });
    expect(verifyWebhook(body, header, SECRET, { now: now + 3_600_000, toleranceSeconds: 7_200 })).toMatchObject({ ok: true });
    // Unknown schemes are ignored; one v1 that verifies is enough.
    expect(verifyWebhook(body, `t=${t},v0=deadbeef,v1=${'0'.repeat(64)},${header.split(',')[1]}`, SECRET, { now })).toMatchObject({ ok: true });
  });

  it('re-signs every attempt: a notification re-sent after an outage carries a fresh time', async () => {
    const timers = new ManualTimers(Date.UTC(2026, 10, 24, 6, 0, 0));
    const hook = await verifyingReceiver(() => timers.now());
    closers.push(hook.close);
    const receiver = new WebhookReceiver(config(hook.url), { timers });
    await receiver.send(singleDelivery(notification), new AbortController().signal);
    timers.advance(7 * MINUTE);
    await receiver.send(singleDelivery(notification), new AbortController().signal);
    expect(hook.seen.map((s) => s.verdict.ok)).toEqual([true, true]);
    expect(hook.seen.map((s) => s.headers['idempotency-key'])).toEqual(['hot|m1:1000:firing', 'hot|m1:1000:firing']);
  });

  it('sends no signature without a secret, and receivers.yaml warns about such a webhook, naming file, line, column and receiver', async () => {
    const hook = await verifyingReceiver(() => Date.now());
    closers.push(hook.close);
    await new WebhookReceiver(config(hook.url, null)).send(singleDelivery(notification), new AbortController().signal);
    expect(hook.seen[0]!.headers[SIGNATURE_HEADER.toLowerCase()]).toBeUndefined();
    expect(hook.seen[0]!.verdict).toMatchObject({ ok: false, reason: 'missing' });

    const text = ['receivers:', '  signed:', '    kind: webhook', '    url: https://a.example/x', '    secret_env: A_SECRET', '  open:', '    kind: webhook', '    url: https://b.example/x'].join('\n');
    const loaded = parseReceivers('alerts/receivers.yaml', text, { env: { A_SECRET: SECRET } });
    expect(loaded.problems).toEqual([]);
    expect([...loaded.receivers.keys()]).toEqual(['signed', 'open']);
    expect(loaded.warnings!.map(formatProblem)).toEqual([expect.stringMatching(/^alerts\/receivers\.yaml:6:3 receivers\.open: webhook open has no secret: its requests go out unsigned/)]);
  });
});
