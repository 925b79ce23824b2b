/**
 * Alerting on Kafka and the schema registry: two alert services (as two workers would
 * run them) share one rule; one evaluates and delivers, the other stands by. The firing
 * reaches a real HTTP receiver once; the active one stops; the standby takes the lease and
 * the receiver's partition over, and the resolve reaches the receiver once, with no repeat
 * of the firing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/runtime/alert-service.js';
import { alertTopics } from '../../src/alerts/topic/topics.js';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { valueSubject } from '../../src/schema/types.js';
import { eventually } from '../helpers/eventually.js';
import { kafkaBrokers, registryUrl } from '../helpers/servers.js';
import { tempDir, uniqueName } from '../helpers/temp-dir.js';
import { startWebhookServer, type WebhookServer } from '../helpers/webhook-server.js';

const SECRET = 'a-webhook-secret-of-some-length';
const MINUTE = 60_000;
/** Recent event times: Kafka's retention deletes records by timestamp. */
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
const SCHEMA = {
  type: 'record',
  name: 'MachineTemp',
  namespace: 'test.kafka',
  fields: [
    { name: 'machine', type: 'string' },
    { name: 'temperature', type: 'double' },
  ],
};

describe.skipIf(!kafkaBrokers || !registryUrl)('alerting on Kafka: one evaluator, a standby that takes over', () => {
  const topic = uniqueName('alerts-it.temps');
  const topics = alertTopics(uniqueName('alerts-it.alerts'));
  const cleanups: (() => Promise<void>)[] = [];
  let hook: WebhookServer;
  let root: string;
  const logs: KafkaLog[] = [];

  beforeAll(async () => {
    hook = await startWebhookServer(SECRET);
    const dir = await tempDir();
    root = dir.path;
    cleanups.push(dir.remove, hook.close);
    await mkdir(join(root, 'alerts'));
    await writeFile(
      join(root, 'alerts', 'hot.yaml'),
      `rules:\n  - name: hot\n    source: ${topic}\n    key: machine\n    when: temperature > 80\n    for: 2m\n    recover: temperature < 70\n    severity: critical\n    receivers: [ops]\n`,
    );
    await writeFile(
      join(root, 'alerts', 'receivers.yaml'),
      `receivers:\n  ops:\n    kind: webhook\n    url: ${hook.url}\n    secret_env: HOOK_SECRET\n    backoff: { initial: 50ms, max: 500ms }\n`,
    );
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const log of logs) await log.close().catch(() => undefined);
  });

  async function service(name: string): Promise<{ service: AlertService; serde: AvroSerde; log: KafkaLog }> {
    const log = await KafkaLog.connect({ brokers: kafkaBrokers!, clientId: `alerts-it-${name}`, onWarning: () => {} });
    logs.push(log);
    const serde = new AvroSerde(new RemoteSchemaRegistry({ url: registryUrl! }));
    await log.createTopic({ name: topic, partitions: 2 });
    const started = await AlertService.start({
      root,
      log,
      serde,
      schemaOf: async (t) => (t === topic ? SCHEMA : undefined),
      env: { HOOK_SECRET: SECRET },
      // Topics and groups of their own: other runs against the same broker do not meet them.
      topics,
      checkpointIntervalMs: 200,
      idleTimeoutMs: 3_600_000,
    });
    cleanups.push(() => started.stop());
    expect(started.problems).toEqual([]);
    return { service: started, serde, log };
  }

  it('fires once, fails over to the standby, and resolves once', async () => {
    const a = await service('a');
    const b = await service('b');
    const active = async () => {
      const [sa, sb] = await Promise.all([a.service.status(), b.service.status()]);
      return sa.engine.active ? a : sb.engine.active ? b : undefined;
    };
    await eventually(async () => (await active()) !== undefined, { timeoutMs: 60_000, intervalMs: 250 });
    const first = (await active())!;
    const standby = first === a ? b : a;
    expect((await standby.service.status()).engine.active).toBe(false);

    const encoder = await a.serde.encoderFor(valueSubject(topic), SCHEMA);
    const send = (machine: string, minute: number, temperature: number) =>
      a.log.produce(topic, [{ key: machine, timestamp: BASE + minute * MINUTE, value: encoder.encode({ machine, temperature }) }]);
    // Both partitions get records, so the topic's watermark moves (the least of its partitions').
    for (const minute of [0, 1, 2]) {
      await send('k1', minute, 90);
      await send('k2', minute, 20);
      await send('k3', minute, 20);
    }
    await eventually(() => hook.accepted().length === 1, { timeoutMs: 60_000, intervalMs: 100 });
    expect(hook.accepted()[0]!.body).toMatchObject({ status: 'firing', key: 'k1', startsAt: BASE + 2 * MINUTE });
    expect(hook.accepted()[0]!.signed).toBe(true);

    await first.service.stop();
    await eventually(async () => (await standby.service.status()).engine.active, { timeoutMs: 60_000, intervalMs: 250 });
    for (const [machine, temperature] of [['k1', 60], ['k2', 20], ['k3', 20]] as const) await send(machine, 3, temperature);
    await eventually(() => hook.accepted().length === 2, { timeoutMs: 60_000, intervalMs: 100 });
    await standby.service.idle();
    expect(hook.accepted().map((p) => `${String(p.body.status)} ${String(p.body.key)}`)).toEqual(['firing k1', 'resolved k1']);
    expect(hook.accepted()[1]!.body.id).toBe(hook.accepted()[0]!.body.id);
    expect((await standby.service.status()).receivers[0]).toMatchObject({ receiver: 'ops', delivered: 1 });
  });
});
