/**
 * Delivery that does not give up silently (issue 15), from its reproduction: a webhook
 * receiver down for 7 minutes with `max_retries: 3` lost every notification of the outage
 * (marked dead, committed past, never re-sent). Here the dispatcher runs on the embedded log
 * against a real HTTP receiver (test/helpers/webhook-server.ts, answering 503 while down),
 * with ManualTimers, so the minutes of an outage pass at once: what is still undelivered
 * when its retries are spent is parked, visible (status, /api/alerts, metrics), probed once
 * a minute, and re-sent in order, exactly once, when the receiver answers again, also after
 * a restart of the process; a firing whose alert resolved meanwhile is not re-sent (its
 * resolve is), and one older than max_age is dropped and counted.
 */
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ReceiverDispatcher, type DispatcherStats } from '../../../src/alerts/delivery/receiver-dispatcher.js';
import { ManualTimers, WebhookReceiver, type AlertNotification, type WebhookReceiverConfig } from '../../../src/alerts/receivers/index.js';
import { ALERT_SCHEMA, toAlertRecord, type AlertRecord } from '../../../src/alerts/topic/alert-record.js';
import { alertTopics, type AlertTopics } from '../../../src/alerts/topic/topics.js';
import type { AlertHistory } from '../../../src/alerts/state/alert-history.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde, type AvroEncoder } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { alertRoutes, type AlertingApi } from '../../../src/serve/alerts/alert-routes.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.js';
import { parseExposition, valueOf } from '../metrics/exposition.js';

const SECRET = 'a-webhook-secret-of-some-length';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function notification(machine: string, status: 'firing' | 'resolved' = 'firing'): AlertNotification {
  return {
    id: `hot|${machine}:1000`,
    fingerprint: `hot|${machine}`,
    rule: 'hot',
    key: machine,
    status,
    severity: 'critical',
    startsAt: 1_000,
    ...(status === 'resolved' ? { endsAt: 2_000 } : {}),
    labels: { alertname: 'hot', key: machine },
    annotations: { summary: `${machine} is hot` },
  };
}

interface Harness {
  dir: string;
  log: EmbeddedLog;
  hook: WebhookServer;
  timers: ManualTimers;
  topics: AlertTopics;
  warnings: string[];
  /** A dispatcher for receiver `ops` (stopped at the end of the test). */
  dispatcher(options?: { delivery?: Partial<WebhookReceiverConfig['delivery']>; secret?: string | null; history?: Partial<AlertHistory> }): Promise<ReceiverDispatcher>;
  /** Publishes to the alert topic as the alert publisher does, stamped with the manual clock's time. */
  publish(...ns: AlertNotification[]): Promise<void>;
  reopen(): Promise<void>;
}

describe('delivery that does not give up (parking)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  async function harness(): Promise<Harness> {
    const dir = await tempDir();
    const hook = await startWebhookServer(SECRET);
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const serde = new AvroSerde(registry);
    const topics = alertTopics('parking');
    const state: { log: EmbeddedLog; encoder?: AvroEncoder<AlertRecord> } = { log: await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' }) };
    cleanups.push(dir.remove, hook.close, () => registry.close(), () => state.log.close());
    await state.log.createTopic({ name: topics.events, partitions: 1 });
    const timers = new ManualTimers(Date.now());
    const warnings: string[] = [];
    return {
      dir: dir.path,
      get log() {
        return state.log;
      },
      hook,
      timers,
      topics,
      warnings,
      async dispatcher(options = {}) {
        const secret = options.secret === undefined ? SECRET : options.secret;
        const config: WebhookReceiverConfig = {
          name: 'ops',
          source: 'alerts/receivers.yaml:3',
          kind: 'webhook',
          url: hook.url,
          ...(secret ? { secret } : {}),
          timeoutMs: 2_000,
          headers: {},
          delivery: { maxRetries: 3, backoff: { initialMs: 1_000, maxMs: 300_000 }, queueSize: 10_000, ...options.delivery },
        };
        const dispatcher = new ReceiverDispatcher({
          log: state.log,
          serde,
          config,
          receiver: new WebhookReceiver(config, { timers }),
          topics,
          timers,
          random: () => 0,
          onWarning: (m) => warnings.push(m),
          ...(options.history ? { history: { isAcknowledged: () => false, query: () => ({ alerts: [], total: 0 }), ...options.history } } : {}),
        });
        await dispatcher.start();
        cleanups.push(() => dispatcher.stop());
        return dispatcher;
      },
      async publish(...ns) {
        state.encoder ??= await serde.encoderFor<AlertRecord>(valueSubject(topics.events), ALERT_SCHEMA);
        const encoder = state.encoder;
        await state.log.produce(topics.events, ns.map((n) => ({ key: n.fingerprint, value: encoder.encode(toAlertRecord(n, ['ops'])), timestamp: timers.now() })));
      },
      async reopen() {
        await state.log.close();
        state.log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
      },
    };
  }

  const keysOf = (hook: WebhookServer) => hook.accepted().map((p) => p.idempotencyKey);
  const parkingOf = async (d: ReceiverDispatcher) => (await d.stats()).parking!;

  /** Waits for the dispatcher to take the receiver for down, then for the probe timer it sets. */
  async function parked(h: Harness, d: ReceiverDispatcher, count: number): Promise<void> {
    await eventually(async () => (await parkingOf(d)).state === 'parked' && (await parkingOf(d)).parked === count, { timeoutMs: 10_000 });
    await eventually(() => h.timers.waiting().length > 0);
  }

  /** One probe interval passes with the receiver still down: one more failed probe. */
  async function failedProbe(h: Harness, d: ReceiverDispatcher): Promise<void> {
    const before = (await parkingOf(d)).probes;
    h.timers.advance(MINUTE);
    await eventually(async () => (await parkingOf(d)).probes === before + 1 && h.timers.waiting().length > 0);
  }

  it('parks what is undelivered after max_retries, shows it, probes once a minute, and re-sends it all in order, once each, when the receiver is back', async () => {
    const h = await harness();
    const d = await h.dispatcher();
    await h.publish(notification('m0'));
    await eventually(() => keysOf(h.hook).length === 1);

    // The reproduction: the receiver goes down for 7 minutes while notifications keep coming.
    h.hook.down = true;
    const outage = Array.from({ length: 20 }, (_, i) => notification(`m${i + 1}`));
    await h.publish(...outage);
    await parked(h, d, 20);
    // max_retries 3: four attempts at the first, none yet at the others, then one probe a minute.
    expect(h.hook.posts.filter((p) => p.answered === 503)).toHaveLength(4);
    expect(h.timers.waiting()).toEqual([MINUTE]);
    expect(h.warnings).toContainEqual(expect.stringMatching(/^receiver ops: hot\|m1:1000:firing still undelivered after 4 attempts \(last: HTTP 503: down for maintenance\); taking the receiver for down/));

    const stats: DispatcherStats = await d.stats();
    expect(stats).toMatchObject({ delivered: 1, dead: 0, lag: 20 });
    expect(stats.parking).toMatchObject({ state: 'parked', parked: 20, oldestAgeMs: 0, resent: 0, expired: 0, probeIntervalMs: MINUTE, maxAgeMs: 24 * HOUR });
    expect(stats.parking!.held.map((x) => x.key)).toEqual(outage.map((n) => `${n.id}:firing`));

    for (let minute = 1; minute <= 6; minute++) await failedProbe(h, d);
    expect((await parkingOf(d)).oldestAgeMs).toBe(6 * MINUTE);

    // Visible where an operator looks: the status API, /api/alerts, /metrics.
    const history = { query: () => ({ alerts: outage.slice(0, 2).map((n) => ({ ...toAlertRecord(n, ['ops']), value: null, acknowledged: null })), total: 2 }), get: () => undefined };
    const api = { history, silences: {}, status: async () => ({ receivers: [await d.stats()] }) } as unknown as AlertingApi;
    const app = Fastify({ logger: false });
    await app.register(alertRoutes, { alerting: () => api, prefix: '/api/alerts' });
    cleanups.push(() => app.close());
    const undelivered = (await app.inject({ method: 'GET', url: '/api/alerts/undelivered' })).json();
    expect(undelivered.receivers).toEqual([expect.objectContaining({ receiver: 'ops', kind: 'webhook', state: 'parked', parked: 20, oldestAgeMs: 6 * MINUTE, probes: 6, lag: 20 })]);
    expect(undelivered.receivers[0].held[0]).toMatchObject({ key: 'hot|m1:1000:firing', ageMs: 6 * MINUTE, alerts: [{ id: 'hot|m1:1000', status: 'firing' }] });
    const alerts = (await app.inject({ method: 'GET', url: '/api/alerts' })).json();
    expect(alerts.alerts.map((a: { key: string; undelivered?: string[] }) => [a.key, a.undelivered])).toEqual([
      ['m1', ['ops']],
      ['m2', ['ops']],
    ]);
    const metrics = new MetricsRegistry({ runners: () => [], alerting: () => ({ status: async () => ({ engine: { active: false, records: 0, undecodable: 0, notifications: 0, checkpoints: 0, rules: [] }, receivers: [await d.stats()] }) }), processMetrics: false });
    const { samples } = parseExposition(await metrics.text());
    const ops = { receiver: 'ops', kind: 'webhook' };
    expect(valueOf(samples, 'fastdata_alert_receiver_down', ops)).toBe(1);
    expect(valueOf(samples, 'fastdata_alert_receiver_parked', ops)).toBe(20);
    expect(valueOf(samples, 'fastdata_alert_receiver_oldest_parked_age_seconds', ops)).toBe(360);
    expect(valueOf(samples, 'fastdata_alert_receiver_probes_total', ops)).toBe(6);
    expect(valueOf(samples, 'fastdata_alert_receiver_dead_total', ops)).toBe(0);

    // Back after 7 minutes: the next probe is taken and the backlog follows, in order, once each.
    h.hook.down = false;
    h.timers.advance(MINUTE);
    await eventually(() => keysOf(h.hook).length === 21);
    expect(keysOf(h.hook)).toEqual(['hot|m0:1000:firing', ...outage.map((n) => `${n.id}:firing`)]);
    expect(new Set(keysOf(h.hook)).size).toBe(21);
    await eventually(async () => (await d.stats()).lag === 0);
    expect(await d.stats()).toMatchObject({ delivered: 21, dead: 0, parking: { state: 'up', parked: 0, resent: 20, expired: 0, superseded: 0, probes: 7, held: [] } });
    expect(h.warnings).toContainEqual('receiver ops answers again after 7m down: re-sending its 20 parked notification(s) in order');
  });

  it('does not re-send a parked firing whose alert resolved meanwhile: the resolve goes out instead', async () => {
    const h = await harness();
    // The history knows m3 resolved; its resolve has not been read by this receiver yet.
    const d = await h.dispatcher({ history: { get: (id: string) => (id === 'hot|m3:1000' ? ({ status: 'resolved' } as ReturnType<AlertHistory['get']>) : undefined) } });
    h.hook.down = true;
    await h.publish(notification('m1'), notification('m2'), notification('m3'));
    await parked(h, d, 3);
    await h.publish(notification('m1', 'resolved'));
    await eventually(async () => (await parkingOf(d)).parked === 4);

    h.hook.down = false;
    h.timers.advance(MINUTE);
    await eventually(async () => (await d.stats()).lag === 0);
    // m1's firing was the one probed: dropped at the next probe, as its resolve waits behind it.
    expect(keysOf(h.hook)).toEqual(['hot|m2:1000:firing', 'hot|m1:1000:resolved']);
    expect((await parkingOf(d)).superseded).toBe(2);
    expect(h.warnings).toContainEqual(expect.stringMatching(/^receiver ops: not re-sending hot\|m1:1000:firing: its alert resolved while the receiver was down/));
  });

  it('drops a parked notification older than max_age, counted and logged, and delivers the younger ones', async () => {
    const h = await harness();
    const d = await h.dispatcher({ delivery: { maxAgeMs: HOUR } });
    h.hook.down = true;
    await h.publish(notification('old'));
    await parked(h, d, 1);
    for (let minute = 1; minute <= 30; minute++) await failedProbe(h, d);
    await h.publish(notification('young'));
    await eventually(async () => (await parkingOf(d)).parked === 2);
    for (let minute = 31; minute <= 59; minute++) await failedProbe(h, d);

    // Back at 59 minutes; at the next probe, 61 minutes after it was published, `old` is past the hour.
    h.hook.down = false;
    h.timers.advance(2 * MINUTE);
    await eventually(async () => (await d.stats()).lag === 0);
    expect(keysOf(h.hook)).toEqual(['hot|young:1000:firing']);
    expect(await d.stats()).toMatchObject({ delivered: 1, parking: { expired: 1, resent: 1, parked: 0, state: 'up' } });
    expect(h.warnings).toContainEqual(expect.stringMatching(/^receiver ops: dropped hot\|old:1000:firing undelivered: it is 61m old, past max_age \(60m\)/));
  });

  it('keeps parked notifications across a restart of the process (they are past the committed offset) and sends them once it is back', async () => {
    const h = await harness();
    const first = await h.dispatcher();
    await h.publish(notification('m0'));
    await eventually(() => keysOf(h.hook).length === 1);
    h.hook.down = true;
    const outage = Array.from({ length: 5 }, (_, i) => notification(`m${i + 1}`));
    await h.publish(...outage);
    await parked(h, first, 5);
    await failedProbe(h, first);

    // The process stops while the receiver is down, and starts again (the log reopened from disk).
    await first.stop();
    await h.reopen();
    h.hook.down = false;
    const second = await h.dispatcher();
    await eventually(() => keysOf(h.hook).length === 6);
    await eventually(async () => (await second.stats()).lag === 0);
    expect(keysOf(h.hook)).toEqual(['hot|m0:1000:firing', ...outage.map((n) => `${n.id}:firing`)]);
  });

  it('leaves the warning about a webhook without a secret to the receivers file (said once, with its line: webhook-signature.test.ts)', async () => {
    const h = await harness();
    await h.dispatcher({ secret: null });
    expect(h.warnings).toEqual([]);
  });
});
