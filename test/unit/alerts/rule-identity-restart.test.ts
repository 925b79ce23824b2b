/**
 * What the alert evaluator keeps of a rule across a restart with edited rule files, as a
 * hot reload does (rule-identity.ts): a rule of the same identity keeps its firing alert
 * (nothing sent again), a rule whose labels changed and a rule removed have their firing
 * alerts resolved, once, under the labels and to the receivers they fired with; the same
 * through reloads that leave no rule at all.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertService } from '../../../src/alerts/runtime/alert-service.js';
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
const SCHEMA = { type: 'record', name: 'MachineTemp', fields: [{ name: 'machine', type: 'string' }, { name: 'temperature', type: 'double' }] };

const rule = (name: string, threshold: number, team: string, receiver = 'ops') => `rules:
  - name: ${name}
    source: ${TOPIC}
    key: machine
    when: temperature > ${threshold}
    recover: temperature < ${threshold - 10}
    severity: warning
    labels: { team: ${team} }
    receivers: [${receiver}]
`;

describe('rule identity across restarts and reloads', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  async function setup() {
    const dir = await tempDir();
    const hook: WebhookServer = await startWebhookServer(SECRET);
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, hook.close, () => registry.close(), () => log.close());
    const alerts = join(dir.path, 'alerts');
    await mkdir(alerts);
    await writeFile(join(alerts, 'receivers.yaml'), `receivers:\n  ops:\n    kind: webhook\n    url: ${hook.url}\n    secret: ${SECRET}\n  audit:\n    kind: log\n    path: audit.log\n`);
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(valueSubject(TOPIC), SCHEMA);
    await log.createTopic({ name: TOPIC, partitions: 1 });
    const start = async () => {
      const service = await AlertService.start({
        root: dir.path,
        log,
        serde,
        schemaOf: async (topic) => (topic === TOPIC ? SCHEMA : undefined),
        checkpointIntervalMs: 50,
        idleTimeoutMs: 3_600_000,
      });
      cleanups.push(() => service.stop());
      expect(service.problems).toEqual([]);
      return service;
    };
    const send = (machine: string, minute: number, temperature: number) =>
      log.produce(TOPIC, [{ key: machine, timestamp: T0 + minute * MINUTE, value: encoder.encode({ machine, temperature }) }]);
    const posts = () => hook.accepted().map((p) => p.body as { status: string; rule: string; key: string; id: string; labels: Record<string, string>; annotations: Record<string, string> });
    return { alerts, start, send, posts };
  }

  it('keeps the alerts of an unchanged rule and resolves those of a changed or removed one at the next start', async () => {
    const { alerts, start, send, posts } = await setup();
    await writeFile(join(alerts, 'a.yaml'), rule('kept', 50, 'ops'));
    await writeFile(join(alerts, 'b.yaml'), rule('relabelled', 60, 'ops'));
    await writeFile(join(alerts, 'c.yaml'), rule('removed', 70, 'ops'));
    let service = await start();
    await send('m1', 0, 90);
    await eventually(() => posts().length === 3);
    const fired = new Map(posts().map((p) => [p.rule, p]));
    // Delivered and committed: what a restart finds past the committed offset it sends again (at least once).
    await service.idle();
    await service.stop();

    // While stopped: b's labels change (another rule), c is deleted, a is reworded only.
    await writeFile(join(alerts, 'a.yaml'), rule('kept', 50, 'ops').replace('severity: warning', 'severity: warning\n    annotations: { summary: "{{ machine }} warm" }'));
    await writeFile(join(alerts, 'b.yaml'), rule('relabelled', 60, 'sre'));
    await rm(join(alerts, 'c.yaml'));
    service = await start();
    await eventually(() => posts().length === 5);
    const resolved = posts().slice(3);
    expect(resolved.map((p) => `${p.status} ${p.rule} ${p.key}`).sort()).toEqual(['resolved relabelled m1', 'resolved removed m1']);
    for (const p of resolved) {
      expect(p.id).toBe(fired.get(p.rule)!.id);
      expect(p.labels.team).toBe('ops'); // as it fired
    }
    expect(resolved.find((p) => p.rule === 'removed')!.annotations.resolved_reason).toBe('rule removed was removed from the alert rules; its open alerts are resolved');

    // The kept rule's alert is still firing: a recovering record resolves it, the one it fired as.
    await send('m1', 1, 30);
    await eventually(() => posts().length === 6);
    expect(posts()[5]).toMatchObject({ status: 'resolved', rule: 'kept', key: 'm1', id: fired.get('kept')!.id });
    await service.idle();
    await service.stop();

    // Started again with nothing changed: nothing is resolved twice.
    service = await start();
    await send('m2', 2, 0);
    await eventually(async () => (await service.status()).engine.records >= 1);
    await service.stop();
    expect(posts().slice(6)).toEqual([]);
  }, 60_000);

  it('resolves the alerts of the last rule deleted, and a rule that moves to another receiver is resolved at the old one', async () => {
    const { alerts, start, send, posts } = await setup();
    await writeFile(join(alerts, 'a.yaml'), rule('only', 50, 'ops'));
    const service = await start();
    await send('m1', 0, 90);
    await send('m2', 0, 95);
    await eventually(() => posts().length === 2);

    // To the audit receiver: another rule for ops, whose webhook hears both alerts end.
    let report = await service.reloadRules(join(alerts, 'a.yaml'));
    expect(report).toMatchObject({ outcome: 'unchanged' });
    await writeFile(join(alerts, 'a.yaml'), rule('only', 50, 'ops', 'audit'));
    report = await service.reloadRules(join(alerts, 'a.yaml'));
    expect(report.changes).toEqual(['rule only is another rule now (receivers ["ops"] -> ["audit"]): 2 open alerts resolved, it starts again']);
    await eventually(() => posts().length === 4);
    expect(posts().slice(2).map((p) => `${p.status} ${p.key}`).sort()).toEqual(['resolved m1', 'resolved m2']);

    // It fires again (to audit only), then its file is deleted: no rule is left, and its alert is still resolved.
    await send('m1', 1, 91);
    await eventually(async () => (await service.status()).engine.rules[0]?.firing === 1);
    await rm(join(alerts, 'a.yaml'));
    report = await service.reloadRules(join(alerts, 'a.yaml'));
    expect(report.changes).toEqual(['rule only removed (1 open alert resolved)']);
    expect((await service.status()).rules).toEqual([]);
    expect(posts()).toHaveLength(4);
  }, 60_000);
});
