/**
 * What the process and the receivers are told of a silenced alert and of a resolve
 * (issue 17), on the embedded log with a real HTTP receiver:
 *
 * - a firing a silence matches is not sent to the receivers (as Alertmanager), and the
 *   process hears it with that silence, so the terminal can say "silenced";
 * - a resolve's annotations are rendered from the record that resolved it, not repeated
 *   from the firing, and the terminal line says how long it fired and what the firing said.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../../src/alerts/engine/index.js';
import { AlertService } from '../../../src/alerts/runtime/alert-service.js';
import type { Silence } from '../../../src/alerts/state/silence.js';
import { AlertLines } from '../../../src/cli/alert-line.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startWebhookServer } from '../../helpers/webhook-server.js';

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
    source: ${TOPIC}
    key: machine
    when: temperature > 80
    for: 2m
    recover: temperature < 70
    severity: critical
    annotations:
      summary: "{{ machine }} runs hot: {{ temperature }} °C"
    receivers: [ops]
`;

describe('silenced firings and resolve texts', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  async function start() {
    const dir = await tempDir();
    const hook = await startWebhookServer(SECRET);
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, hook.close, () => registry.close(), () => log.close());
    await mkdir(join(dir.path, 'alerts'));
    await writeFile(join(dir.path, 'alerts', 'hot.yaml'), RULES);
    await writeFile(join(dir.path, 'alerts', 'receivers.yaml'), `receivers:\n  ops:\n    kind: webhook\n    url: ${hook.url}\n    secret_env: HOOK_SECRET\n`);
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(valueSubject(TOPIC), SCHEMA);
    await log.createTopic({ name: TOPIC, partitions: 1 });
    const told: { n: AlertNotification; silence: Silence | undefined }[] = [];
    const service = await AlertService.start({
      root: dir.path,
      log,
      serde,
      schemaOf: async (topic) => (topic === TOPIC ? SCHEMA : undefined),
      env: { HOOK_SECRET: SECRET },
      checkpointIntervalMs: 50,
      // Event times here are in the past: the clock must not move the watermark during a test.
      idleTimeoutMs: 3_600_000,
      onNotification: (n, silence) => told.push({ n, silence }),
    });
    cleanups.push(() => service.stop());
    expect(service.problems).toEqual([]);
    const send = (machine: string, minute: number, temperature: number) =>
      log.produce(TOPIC, [{ key: machine, timestamp: T0 + minute * MINUTE, value: encoder.encode({ machine, temperature }) }]);
    return { service, hook, told, send };
  }

  it('does not send a silenced firing to the receivers, and tells the process which silence holds it', async () => {
    const { service, hook, told, send } = await start();
    const silence = await service.silences.create({ matchers: [{ label: 'key', op: '=', value: 'm4' }], endsAt: Date.now() + 3_600_000, comment: 'maintenance', createdBy: 'test' });
    // m4 is silenced, m5 is not: both fire at minute 2.
    for (const minute of [0, 1, 2]) {
      await send('m4', minute, 90);
      await send('m5', minute, 91);
    }
    await eventually(async () => (await service.status()).receivers[0]!.silenced === 1);
    await eventually(() => hook.accepted().length === 1);
    await service.idle();
    expect(hook.accepted().map((p) => `${String(p.body.status)} ${String(p.body.key)}`)).toEqual(['firing m5']);
    expect(told.map(({ n, silence: s }) => [n.status, n.key, s?.id])).toEqual([
      ['firing', 'm4', silence.id],
      ['firing', 'm5', undefined],
    ]);
    const lines = new AlertLines();
    expect(lines.line(told[0]!.n, told[0]!.silence)).toBe(
      `ALERT FIRING (silenced by "maintenance", silence ${silence.id}; receivers are not sent it) hot m4 (critical): m4 runs hot: 90 °C`,
    );
  });

  it('renders a resolve from the record that resolved it; the terminal line says how long it fired and what the firing said', async () => {
    const { service, hook, told, send } = await start();
    await send('m1', 0, 85);
    await send('m1', 1, 90);
    await send('m1', 2, 88.8);
    await eventually(() => told.length === 1);
    await send('m1', 5, 64.25);
    await eventually(() => hook.accepted().length === 2);
    await service.idle();
    const [firing, resolved] = told.map(({ n }) => n);
    expect(firing).toMatchObject({ status: 'firing', startsAt: T0 + 2 * MINUTE, annotations: { summary: 'm1 runs hot: 88.8 °C' } });
    // The values at resolve, the record at minute 5: not the firing's 88.8.
    expect(resolved).toMatchObject({ status: 'resolved', endsAt: T0 + 5 * MINUTE, annotations: { summary: 'm1 runs hot: 64.25 °C' }, value: { machine: 'm1', temperature: 64.25 } });
    expect(hook.accepted()[1]!.body).toMatchObject({ status: 'resolved', annotations: { summary: 'm1 runs hot: 64.25 °C' } });
    const lines = new AlertLines();
    expect(lines.line(firing!)).toBe('ALERT FIRING hot m1 (critical): m1 runs hot: 88.8 °C');
    expect(lines.line(resolved!)).toBe('ALERT resolved hot m1 after 3m00s (was: m1 runs hot: 88.8 °C)');
  });
});
