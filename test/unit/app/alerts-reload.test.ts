/**
 * Hot reload of alert rules, receivers and dashboards in `fastdata dev` (in this process, on
 * a temporary project and the embedded log), as a user edits them while an alert fires.
 * Ground truth is what a real webhook server received and what the alert topic holds,
 * computed from the records this test posts: a summary edit keeps the alert firing and
 * sends nothing (and a pending `for` keeps its start); a changed condition keeps the alert
 * and decides from the next record; changed labels resolve it with a reason; a new rule
 * evaluates; a deleted one resolves its alerts; a broken save is reported with
 * file:line:col while the previous version keeps evaluating; a receivers.yaml change sends
 * what was queued for a receiver that was down to its new address; dashboards are reported
 * as they are saved.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../src/app/events.js';
import type { FastdataProcess } from '../../../src/app/process.js';
import { startDev } from '../../../src/app/profiles.js';
import type { AlertsRole } from '../../../src/app/roles/alerts.js';
import type { HttpRole } from '../../../src/app/roles/http.js';
import { fromAlertRecord, type AlertRecord } from '../../../src/alerts/topic/alert-record.js';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { describeError } from '../../../src/cli/output.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.js';

const SECRET = 'a-webhook-secret-of-some-length';
const MINUTE = 60_000;
// Two hours ago: event times in the past, with `for` far longer than this test lasts, so
// only records (never the idle watermark moving with the clock) decide what fires.
const T0 = Math.floor((Date.now() - 2 * 3_600_000) / MINUTE) * MINUTE;
const SCHEMA = {
  type: 'record',
  name: 'MachineTemp',
  fields: [
    { name: 'machine', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'temperature', type: 'double' },
  ],
};

function hotRule(options: { summary?: string; when?: string; recover?: string; team?: string } = {}): string {
  return `rules:
  - name: hot
    source: machine.temps
    key: machine
    when: ${options.when ?? 'temperature > 80'}
    for: 10m
    recover: ${options.recover ?? 'temperature < 70'}
    severity: critical
    labels: { team: ${options.team ?? 'ops'} }
    annotations:
      summary: "${options.summary ?? '{{ machine }} runs hot'}"
    receivers: [ops]
`;
}

const WARM_RULE = `rules:
  - name: warm
    source: machine.temps
    key: machine
    when: temperature > 50
    recover: temperature < 40
    severity: warning
    receivers: [ops]
`;

const COLD_RULE = `rules:
  - name: cold
    source: machine.temps
    key: machine
    when: temperature < 10
    recover: temperature > 15
    severity: info
    receivers: [ops]
`;

function receivers(url: string): string {
  return `receivers:
  ops:
    kind: webhook
    url: ${url}
    secret: ${SECRET}
    timeout: 2s
    max_retries: 1
    backoff: { initial: 20ms, max: 50ms }
    probe_interval: 1s
`;
}

describe('hot reload of alerts and dashboards in dev', () => {
  let root: string;
  let remove: () => Promise<void>;
  let dev: FastdataProcess | undefined;
  const hooks: WebhookServer[] = [];
  const events: AppEvent[] = [];

  beforeEach(async () => {
    ({ path: root, remove } = await tempDir());
    for (const dir of ['sources', 'streams', 'schemas', 'alerts', 'dashboards']) await mkdir(join(root, dir));
    await writeFile(join(root, 'schemas/temp.avsc'), JSON.stringify(SCHEMA));
    await writeFile(join(root, 'sources/temps.yaml'), 'kind: http\ntopic: machine.temps\nschema: schemas/temp.avsc\nkey: machine\ntime: ts\n');
    await writeFile(join(root, 'fastdata.config.yaml'), 'server: { port: 0 }\nlog: { partitions: 2 }\ngenerator: { enabled: false }\n');
    events.length = 0;
  });
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
    for (const hook of hooks.splice(0)) await hook.close();
    await remove();
  });

  async function hook(): Promise<WebhookServer> {
    const server = await startWebhookServer(SECRET);
    hooks.push(server);
    return server;
  }

  async function start(): Promise<{ post: (machine: string, minute: number, temperature: number) => Promise<void>; alerts: AlertsRole; url: string }> {
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    dev = await startDev({ root, config, dataDir, onEvent: (e) => events.push(e) });
    const url = dev.role<HttpRole>('http')!.url!;
    const post = async (machine: string, minute: number, temperature: number) => {
      const response = await fetch(`${url}/api/ingest/machine.temps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ machine, ts: T0 + minute * MINUTE, temperature }]) });
      expect(response.status).toBe(202);
    };
    return { post, alerts: dev.role<AlertsRole>('alerts')!, url };
  }

  /** Writes `text` to `file` and waits until the reload it causes has been reported (an event about that file, after this write). */
  async function save(file: string, text: string | null): Promise<AppEvent[]> {
    const from = events.length;
    if (text === null) await rm(join(root, file));
    else await writeFile(join(root, file), text);
    const about = () => events.slice(from).filter((e) => 'file' in e && e.file === join(root, file));
    await eventually(() => about().length > 0, { timeoutMs: 15_000 }).catch((error: unknown) => {
      // What the process did say instead, so a failure shows why.
      const said = events.slice(from).map((e) => ('error' in e ? { ...e, error: describeError(e.error) } : e));
      throw new Error(`no event about ${file} after saving it; the events since: ${JSON.stringify(said)}`, { cause: error });
    });
    return about();
  }

  const posts = (server: WebhookServer) => server.accepted().map((p) => p.body as { status: string; rule: string; key: string; id: string; startsAt: number; endsAt?: number; labels: Record<string, string>; annotations: Record<string, string> });
  const seen = (server: WebhookServer) => posts(server).map((b) => `${b.status} ${b.rule} ${b.key}`);

  async function alertTopic(): Promise<AlertRecord[]> {
    const serde = new AvroSerde(dev!.context.registry);
    return Promise.all((await readAll(dev!.context.log, 'fastdata.alerts')).map(async (r) => (await serde.decode(r.value!)) as AlertRecord));
  }

  it('reloads rules on save: state kept by rule identity, new rules evaluate, deleted ones resolve, a broken save keeps the previous version', async () => {
    const ops = await hook();
    await writeFile(join(root, 'alerts/receivers.yaml'), receivers(ops.url));
    await writeFile(join(root, 'alerts/hot.yaml'), hotRule());
    await writeFile(join(root, 'alerts/warm.yaml'), WARM_RULE);
    const { post, alerts } = await start();
    expect((await alerts.service!.status()).problems).toEqual([]);

    // m1 hot for 10 minutes: hot fires (startsAt T0+10m); m2 hot since T0+10m: pending. warm fires for both at once.
    await post('m1', 0, 90);
    await post('m1', 10, 91);
    await post('m2', 10, 85);
    await eventually(() => seen(ops).length === 3, { timeoutMs: 15_000 });
    expect(seen(ops).sort()).toEqual(['firing hot m1', 'firing warm m1', 'firing warm m2']);
    const hotM1 = posts(ops).find((b) => b.rule === 'hot')!;
    expect(hotM1).toMatchObject({ startsAt: T0 + 10 * MINUTE, annotations: { summary: 'm1 runs hot' } });

    // 1. The summary edited: same rule, so m1 stays firing (nothing sent) and m2's `for` keeps its start.
    let reported = await save('alerts/hot.yaml', hotRule({ summary: '{{ machine }} is overheating' }));
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', what: 'alert rules', changes: ['rule hot: annotations changed'] }));
    await post('m1', 20, 92); // still hot: no second notification for m1
    await post('m2', 20, 86); // ten minutes since m2's first hot record, which the reload did not forget
    await eventually(() => seen(ops).length === 4, { timeoutMs: 15_000 });
    const hotM2 = posts(ops)[3]!;
    expect(hotM2).toMatchObject({ status: 'firing', rule: 'hot', key: 'm2', startsAt: T0 + 20 * MINUTE, annotations: { summary: 'm2 is overheating' } });
    expect((await alerts.service!.status()).engine.rules.find((r) => r.name === 'hot')).toMatchObject({ firing: 2 });

    // 2. The condition changed (threshold and recover): same alerts, the new rule decides from the next record.
    reported = await save('alerts/hot.yaml', hotRule({ summary: '{{ machine }} is overheating', when: 'temperature > 95', recover: 'temperature < 90' }));
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', changes: ['rule hot: when, recover changed; its alerts keep their state and the new rule decides from the next record'] }));
    await post('m1', 30, 89); // under the old recover (< 70) m1 would stay firing; under the new one (< 90) it resolves
    await eventually(() => seen(ops).length === 5, { timeoutMs: 15_000 });
    expect(posts(ops)[4]).toMatchObject({ status: 'resolved', rule: 'hot', key: 'm1', id: hotM1.id, endsAt: T0 + 30 * MINUTE });

    // 3. Its labels changed: another rule under the same name. m2's open alert is resolved, with the old labels and a reason.
    reported = await save('alerts/hot.yaml', hotRule({ summary: '{{ machine }} is overheating', when: 'temperature > 95', recover: 'temperature < 90', team: 'sre' }));
    expect(reported).toContainEqual(
      expect.objectContaining({ type: 'file-reloaded', changes: ['rule hot is another rule now (labels {"team":"ops"} -> {"team":"sre"}): 1 open alert resolved, it starts again'] }),
    );
    await eventually(() => seen(ops).length === 6, { timeoutMs: 15_000 });
    expect(posts(ops)[5]).toMatchObject({ status: 'resolved', rule: 'hot', key: 'm2', id: hotM2.id, labels: { team: 'ops', alertname: 'hot', key: 'm2' } });
    expect(posts(ops)[5]!.annotations.resolved_reason).toBe('rule hot changed (labels {"team":"ops"} -> {"team":"sre"}): the alerts it opened are resolved and it starts again');

    // 4. A new rule file: its rule evaluates the next records.
    reported = await save('alerts/cold.yaml', COLD_RULE);
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', changes: ['rule cold added'] }));
    await post('m3', 40, 5);
    await eventually(() => seen(ops).includes('firing cold m3'), { timeoutMs: 15_000 });
    // m3 at 5 degrees: warm does not hold; cold fires at once. Nothing else.
    expect(seen(ops).slice(6)).toEqual(['firing cold m3']);

    // 5. A rule file deleted: its alerts (warm m1, m2) are resolved, and the alert topic's lineage drops nothing it still reads.
    reported = await save('alerts/warm.yaml', null);
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', changes: ['rule warm removed (2 open alerts resolved)'] }));
    await eventually(() => seen(ops).length === 9, { timeoutMs: 15_000 });
    expect(seen(ops).slice(7).sort()).toEqual(['resolved warm m1', 'resolved warm m2']);
    expect((await alerts.service!.status()).rules.map((r) => r.name)).toEqual(['cold', 'hot']);

    // 6. A broken save: reported with file:line:col, and the previous version of the file keeps evaluating.
    reported = await save('alerts/cold.yaml', COLD_RULE.replace('when: temperature < 10', 'when: temprature < 10'));
    const failed = reported.find((e) => e.type === 'reload-failed');
    expect(failed && describeError((failed as { error: unknown }).error)).toMatch(/alerts\/cold\.yaml:5:11 rules\.0\.when: .*temprature/);
    expect((await alerts.service!.status()).problems).toEqual([expect.stringMatching(/^alerts\/cold\.yaml:5:11 rules\.0\.when/)]);
    await post('m4', 41, 3);
    await eventually(() => seen(ops).includes('firing cold m4'), { timeoutMs: 15_000 });
    // Fixed: the problem goes, and the unchanged rule keeps its alerts (nothing sent for the fix).
    reported = await save('alerts/cold.yaml', COLD_RULE);
    expect(reported.filter((e) => e.type === 'reload-failed')).toEqual([]);
    await eventually(async () => (await alerts.service!.status()).problems.length === 0);

    // The alert topic holds each instance's firing and resolve once, in the order sent.
    await post('m9', 50, 20); // a record through the evaluator after everything above
    await eventually(async () => (await alerts.service!.status()).engine.records >= 1);
    const topic = (await alertTopic()).map((r) => fromAlertRecord(r));
    expect(topic.map((n) => `${n.status} ${n.rule} ${n.key}`)).toEqual(seen(ops));
    expect(new Set(topic.map((n) => `${n.id}:${n.status}`)).size).toBe(topic.length);
  }, 120_000);

  it('starts evaluating when the first rule file is added to a project that had none, and the alert topic lineage follows', async () => {
    const ops = await hook();
    await writeFile(join(root, 'alerts/receivers.yaml'), receivers(ops.url));
    const { post, alerts } = await start();
    expect(alerts.outputs()[0]!.inputs).toEqual([]);
    const reported = await save('alerts/warm.yaml', WARM_RULE);
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', changes: ['rule warm added'] }));
    expect(alerts.outputs()[0]!.inputs).toEqual(['machine.temps']);
    await post('m1', 0, 60);
    await eventually(() => seen(ops).length === 1, { timeoutMs: 15_000 });
    expect(seen(ops)).toEqual(['firing warm m1']);
  }, 60_000);

  it('swaps receivers on save without losing what was queued for one that was down', async () => {
    const down = await hook();
    down.down = true;
    const up = await hook();
    await writeFile(join(root, 'alerts/receivers.yaml'), receivers(down.url));
    await writeFile(join(root, 'alerts/warm.yaml'), WARM_RULE);
    const { post, alerts } = await start();

    // Five alerts fire while the receiver answers 503: its retries are spent, it is parked.
    for (let i = 0; i < 5; i++) await post(`m${i}`, i, 60);
    await eventually(async () => (await alerts.service!.status()).engine.notifications === 5, { timeoutMs: 15_000 });
    await eventually(() => down.posts.length >= 2, { timeoutMs: 15_000 });
    expect(down.accepted()).toEqual([]);

    // The receiver moves to an address that answers: everything it had not delivered goes there, in order, once each.
    const reported = await save('alerts/receivers.yaml', receivers(up.url));
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', what: 'alert receivers', changes: ['receiver ops changed: its undelivered notifications go to the new version'] }));
    await eventually(() => up.accepted().length === 5, { timeoutMs: 15_000 });
    expect(seen(up)).toEqual([0, 1, 2, 3, 4].map((i) => `firing warm m${i}`));
    const sentToDown = down.posts.length;

    // A broken receiver: reported with file:line:col, and the previous version keeps delivering.
    const broken = await save('alerts/receivers.yaml', receivers(up.url).replace(`url: ${up.url}`, 'url: not-a-url'));
    const failed = broken.find((e) => e.type === 'reload-failed');
    expect(failed && describeError((failed as { error: unknown }).error)).toMatch(/alerts\/receivers\.yaml:4:10 receivers\.ops\.url: must be an http:\/\/ or https:\/\/ address/);
    await post('m5', 5, 60);
    await eventually(() => up.accepted().length === 6, { timeoutMs: 15_000 });
    expect(seen(up)[5]).toBe('firing warm m5');
    expect(down.posts.length).toBe(sentToDown);
  }, 120_000);

  it('reports dashboards as they are saved: added, changed, broken (file:line:col) beside one that keeps working', async () => {
    const panel = (title: string) => `  - kind: alerts\n    title: ${title}\n    topic: fastdata.alerts\n`;
    await writeFile(join(root, 'dashboards/first.yaml'), `title: First\npanels:\n${panel('Alerts')}`);
    const { url } = await start();
    const get = async (name: string) => {
      const response = await fetch(`${url}/api/dashboards/${name}`);
      return { status: response.status, body: (await response.json()) as { panels?: unknown[] } };
    };
    expect((await get('first')).status).toBe(200);

    let reported = await save('dashboards/second.yaml', `title: Second\npanels:\n${panel('One')}`);
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', what: 'dashboard', changes: ['/dashboards/second ("Second"): 1 panel'] }));
    expect((await get('second')).body.panels).toHaveLength(1);

    reported = await save('dashboards/second.yaml', `title: Second\npanels:\n${panel('One')}${panel('Two')}`);
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', changes: ['/dashboards/second ("Second"): 2 panels'] }));
    expect((await get('second')).body.panels).toHaveLength(2);

    reported = await save('dashboards/second.yaml', `title: Second\npanels:\n${panel('One')}  - kind: table\n    topic: fastdata.alerts\n`);
    const failed = reported.find((e) => e.type === 'load-failed');
    expect(failed && describeError((failed as { error: unknown }).error)).toMatch(/dashboards\/second\.yaml:6:5 panels\.1\.fields: is required/);
    // The page of the broken file shows its problems (a bad panel as an error panel, or the file's problems); the other one is untouched.
    const listed = (await (await fetch(`${url}/api/dashboards`)).json()) as { dashboards: { name: string; errors: string[] }[] };
    expect(listed.dashboards.find((d) => d.name === 'second')!.errors).toEqual([expect.stringMatching(/^dashboards\/second\.yaml:6:5 panels\.1\.fields: is required/)]);
    expect(listed.dashboards.find((d) => d.name === 'first')!.errors).toEqual([]);
    expect((await get('first')).status).toBe(200);

    reported = await save('dashboards/second.yaml', null);
    expect(reported).toContainEqual(expect.objectContaining({ type: 'file-reloaded', changes: ['deleted: /dashboards/second is gone'] }));
    expect((await get('second')).status).toBe(404);
  }, 60_000);
});
