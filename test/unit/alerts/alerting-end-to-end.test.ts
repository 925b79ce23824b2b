/**
 * Alerting end to end on the embedded log, with a real HTTP receiver: records go into a
 * topic, the alert service evaluates the rule, publishes to the alert topic, and the
 * webhook dispatcher POSTs, signed, to a server this test runs. Counts are exact: one
 * firing after `for`, one resolve, nothing for flapping, nothing repeated by a restart,
 * everything once a receiver that was down comes back.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertService } from '../../../src/alerts/runtime/alert-service.js';
import { alertTopics, type AlertTopics } from '../../../src/alerts/topic/topics.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.js';

const TOPIC = 'machine.temps';
const SECRET = 'a-webhook-secret-of-some-length';
const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);
const MINUTE = 60_000;
const SCHEMA = {
  type: 'record',
  name: 'MachineTemp',
  namespace: 'test',
  fields: [
    { name: 'machine', type: 'string' },
    { name: 'temperature', type: 'double' },
  ],
};

const RULES = `
rules:
  - name: hot
    description: A machine above 80 degrees for two minutes; cool again below 70.
    source: ${TOPIC}
    key: machine
    when: temperature > 80
    for: 2m
    recover: temperature < 70
    severity: critical
    labels: { team: ops }
    annotations:
      summary: "{{ machine }} at {{ temperature }}"
    receivers: [ops]
`;

function receiversYaml(url: string, group = ''): string {
  return `
receivers:
  ops:
    kind: webhook
    url: ${url}
    secret_env: HOOK_SECRET
    timeout: 2s
    max_retries: 100
    backoff: { initial: 20ms, max: 100ms }
${group}`;
}

interface Harness {
  log: EmbeddedLog;
  hook: WebhookServer;
  /** What the services told their process (what dev and run print), as "<status> <key>". */
  told: string[];
  start(): Promise<AlertService>;
  send(machine: string, minute: number, temperature: number): Promise<void>;
}

describe('alerting end to end (embedded log, real HTTP receiver)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  async function harness(group = '', topics?: AlertTopics): Promise<Harness> {
    const dir = await tempDir();
    const hook = await startWebhookServer(SECRET);
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, hook.close, () => registry.close(), () => log.close());
    const alerts = join(dir.path, 'alerts');
    await mkdir(alerts);
    await writeFile(join(alerts, 'hot.yaml'), RULES);
    await writeFile(join(alerts, 'receivers.yaml'), receiversYaml(hook.url, group));
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(valueSubject(TOPIC), SCHEMA);
    await log.createTopic({ name: TOPIC, partitions: 1 });
    const told: string[] = [];
    return {
      log,
      hook,
      told,
      async start() {
        const service = await AlertService.start({
          root: dir.path,
          log,
          serde,
          schemaOf: async (topic) => (topic === TOPIC ? SCHEMA : undefined),
          env: { HOOK_SECRET: SECRET },
          ...(topics ? { topics } : {}),
          checkpointIntervalMs: 50,
          // Event times here are in the past: the clock must not move the watermark during a test.
          idleTimeoutMs: 3_600_000,
          onNotification: (n) => told.push(`${n.status} ${n.key}`),
        });
        cleanups.push(() => service.stop());
        expect(service.problems).toEqual([]);
        return service;
      },
      async send(machine, minute, temperature) {
        await log.produce(TOPIC, [{ key: machine, timestamp: T0 + minute * MINUTE, value: encoder.encode({ machine, temperature }) }]);
      },
    };
  }

  /** Waits until the engine has evaluated `n` records (in this service's life). */
  const evaluated = (service: AlertService, n: number) => eventually(async () => (await service.status()).engine.records >= n, { timeoutMs: 10_000 });
  const published = async (service: AlertService) => (await service.status()).engine.notifications;
  const statuses = (hook: WebhookServer) => hook.accepted().map((p) => `${String(p.body.status)} ${String(p.body.key)}`);

  it('fires once after `for`, sends nothing while flapping in the hysteresis band, survives a restart without a repeat, and resolves once', async () => {
    const h = await harness();
    let service = await h.start();

    await h.send('m1', 0, 85);
    await h.send('m1', 1, 90);
    await evaluated(service, 2);
    expect(await published(service)).toBe(0); // pending, not firing: `for` has not passed
    expect(h.hook.posts).toEqual([]);

    await h.send('m1', 2, 88);
    await eventually(() => h.hook.accepted().length === 1);
    const firing = h.hook.accepted()[0]!;
    expect(firing.body).toMatchObject({ status: 'firing', rule: 'hot', key: 'm1', startsAt: T0 + 2 * MINUTE, severity: 'critical', annotations: { summary: 'm1 at 88' } });
    expect(firing.signed).toBe(true);
    expect(firing.idempotencyKey).toBe(`${String(firing.body.id)}:firing`);

    // Between recover (< 70) and when (> 80): hysteresis, nothing changes.
    await h.send('m1', 3, 75);
    await h.send('m1', 4, 82);
    await h.send('m1', 5, 72);
    await evaluated(service, 6);

    // A restart between firing and resolving.
    await service.stop();
    service = await h.start();
    await h.send('m1', 6, 65);
    await eventually(() => h.hook.accepted().length === 2);
    await h.send('m1', 7, 60);
    await evaluated(service, 2);
    await service.idle();

    expect(statuses(h.hook)).toEqual(['firing m1', 'resolved m1']);
    expect(h.told).toEqual(['firing m1', 'resolved m1']);
    const resolved = h.hook.accepted()[1]!;
    expect(resolved.body).toMatchObject({ status: 'resolved', id: firing.body.id, endsAt: T0 + 6 * MINUTE });
    expect(resolved.idempotencyKey).toBe(`${String(firing.body.id)}:resolved`);
    expect(h.hook.posts).toHaveLength(2); // nothing re-sent, nothing retried

    // The history has the instance, resolved.
    const entry = service.history.get(String(firing.body.id));
    expect(entry).toMatchObject({ status: 'resolved', startsAt: T0 + 2 * MINUTE, endsAt: T0 + 6 * MINUTE });
  });

  it('sends nothing for a condition that flaps faster than `for`', async () => {
    const h = await harness();
    const service = await h.start();
    for (let minute = 0; minute < 12; minute++) await h.send('m2', minute, minute % 2 === 0 ? 85 : 60);
    await evaluated(service, 12);
    expect(await published(service)).toBe(0);
    expect(h.hook.posts).toEqual([]);
  });

  it('holds the notifications of a receiver that is down, without holding evaluation, and delivers them in order, once, when it is back', async () => {
    const h = await harness();
    const service = await h.start();
    h.hook.down = true;
    for (const minute of [0, 1, 2]) await h.send('m3', minute, 90);
    await h.send('m3', 3, 60);
    // Evaluation went on while the receiver refused: both changes are published.
    await eventually(async () => (await published(service)) === 2);
    await eventually(() => h.hook.posts.length >= 3); // retried against the 503s
    expect(h.hook.accepted()).toEqual([]);
    const down = (await service.status()).receivers[0]!;
    expect(down.retried).toBeGreaterThan(0);
    expect(down.lag).toBe(2);

    h.hook.down = false;
    await eventually(() => h.hook.accepted().length === 2);
    await service.idle();
    expect(statuses(h.hook)).toEqual(['firing m3', 'resolved m3']);
    await eventually(async () => (await service.status()).receivers[0]!.lag === 0);
    expect(new Set(h.hook.accepted().map((p) => p.idempotencyKey)).size).toBe(2);
  });

  it('delivers after a restart what a receiver that was down never took', async () => {
    const h = await harness();
    let service = await h.start();
    h.hook.down = true;
    for (const minute of [0, 1, 2]) await h.send('m5', minute, 95);
    await eventually(() => h.hook.posts.length >= 2);
    await service.stop();
    h.hook.down = false;
    service = await h.start();
    await eventually(() => h.hook.accepted().length === 1);
    await service.idle();
    expect(statuses(h.hook)).toEqual(['firing m5']);
  });

  it('sends neither the firing of a silenced alert nor its resolve (as Alertmanager), and records an acknowledgement', async () => {
    const h = await harness();
    const service = await h.start();
    await service.silences.create({ matchers: [{ label: 'key', op: '=', value: 'm4' }], endsAt: Date.now() + 3_600_000, comment: 'maintenance', createdBy: 'test' });
    for (const minute of [0, 1, 2]) await h.send('m4', minute, 90);
    await eventually(async () => (await service.status()).receivers[0]!.silenced === 1);
    const [alert] = service.history.query({ limit: 10 }).alerts;
    expect(alert).toMatchObject({ key: 'm4', status: 'firing', acknowledged: null });
    await service.history.acknowledge(alert!.id, { by: 'ana', comment: 'on it' });
    expect(service.history.get(alert!.id)?.acknowledged).toMatchObject({ by: 'ana', comment: 'on it' });

    await h.send('m4', 3, 60);
    await eventually(async () => (await service.status()).receivers[0]!.silenced === 2);
    // An alert no silence matches still goes out, after the held-back resolve.
    for (const minute of [4, 5, 6]) await h.send('m7', minute, 90);
    await eventually(() => h.hook.accepted().length === 1);
    await service.idle();
    expect(statuses(h.hook)).toEqual(['firing m7']);
  });

  it('keeps every alert topic and group under the configured prefix (alerts.topicPrefix)', async () => {
    const h = await harness('', alertTopics('plant-a.alerts'));
    const service = await h.start();
    for (const minute of [0, 1, 2]) await h.send('p1', minute, 90);
    await eventually(() => h.hook.accepted().length === 1);
    await service.idle();
    const names = (await h.log.listTopics()).map((t) => t.name).filter((n) => n.includes('alerts')).sort();
    expect(names).toEqual(['plant-a.alerts', 'plant-a.alerts.acks', 'plant-a.alerts.dlq', 'plant-a.alerts.history', 'plant-a.alerts.silences', 'plant-a.alerts.state']);
    expect((await h.log.offsets('plant-a.alerts'))[0]!.end).toBe(1);
    expect((await h.log.committed('plant-a.alerts.receiver.ops', 'plant-a.alerts'))[0]!.offset).toBe(1);
  });

  it('groups alerts by label: a burst goes out as one delivery', async () => {
    const h = await harness('    group: { by: [team], wait: 200ms, interval: 1s, repeat: 1h }\n');
    const service = await h.start();
    for (const minute of [0, 1, 2]) for (const machine of ['g1', 'g2', 'g3']) await h.send(machine, minute, 90);
    await eventually(() => h.hook.accepted().length === 1);
    await service.idle();
    const [delivery] = h.hook.accepted();
    expect(delivery!.body).toMatchObject({ status: 'firing', groupLabels: { team: 'ops' } });
    expect((delivery!.body.alerts as { key: string }[]).map((a) => a.key).sort()).toEqual(['g1', 'g2', 'g3']);
    expect(delivery!.signed).toBe(true);
  });
});
