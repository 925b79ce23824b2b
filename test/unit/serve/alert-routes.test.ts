/**
 * /api/alerts over a real server and the embedded log: the history as the alert engine
 * publishes it, acknowledgements and silences written through the API and read back, and
 * every bad input answered 400 with the field named.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../../src/alerts/receivers/index.js';
import { openAlertingApi } from '../../../src/alerts/runtime/alerting-api.js';
import { AlertPublisher } from '../../../src/alerts/topic/alert-publisher.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { startServer } from '../../../src/serve/server.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);

function notification(key: string, status: 'firing' | 'resolved', startsAt: number): AlertNotification {
  return {
    id: `fp-${key}:${startsAt}`,
    fingerprint: `fp-${key}`,
    rule: 'overheating',
    key,
    status,
    severity: 'critical',
    startsAt,
    ...(status === 'resolved' ? { endsAt: startsAt + 300_000 } : {}),
    labels: { alertname: 'overheating', key, team: 'ops' },
    annotations: { summary: `${key} runs hot` },
    value: { sensorId: key, meanTemperature: 31.5 },
  };
}

describe('/api/alerts', () => {
  let url: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    const serde = new AvroSerde(registry);
    const publisher = new AlertPublisher(log, serde, () => ['ops']);
    await publisher.start();
    await publisher.publish([notification('s1', 'firing', T0), notification('s2', 'firing', T0 + 60_000), notification('s1', 'resolved', T0)]);
    const api = await openAlertingApi(log, serde);
    const server: { app: FastifyInstance; url: string } = await startServer({ status: async () => ({}), host: '127.0.0.1', port: 0, alerting: () => api });
    url = `${server.url}/api/alerts`;
    cleanups.push(dir.remove, () => registry.close(), () => log.close(), async () => api?.close(), () => server.app.close());
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const call = async (path: string, init: { method?: string; body?: unknown; raw?: string } = {}) => {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined || init.raw !== undefined ? { headers: { 'content-type': 'application/json' }, body: init.raw ?? JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };

  it('lists the latest state of each alert instance, newest first, filtered', async () => {
    const all = await call('');
    expect(all.status).toBe(200);
    expect(all.body!.alerts.map((a: { key: string; status: string }) => `${a.key} ${a.status}`)).toEqual(['s2 firing', 's1 resolved']);
    expect(all.body!.alerts[1]).toMatchObject({ endsAt: T0 + 300_000, value: { sensorId: 's1' }, receivers: ['ops'], acknowledged: null });
    expect((await call('?status=firing')).body!.alerts.map((a: { key: string }) => a.key)).toEqual(['s2']);
    expect((await call('?key=s1&limit=1')).body!.total).toBe(1);
    expect((await call(`?from=${T0 + 1}`)).body!.alerts).toHaveLength(1);
  });

  it('answers bad query parameters and unknown ids with the field named', async () => {
    expect(await call('?status=burning')).toMatchObject({ status: 400, body: { error: { code: 'FD_ARGUMENT_INVALID', field: 'status' } } });
    expect(await call('?limit=0')).toMatchObject({ status: 400, body: { error: { field: 'limit' } } });
    expect(await call('?from=yesterday')).toMatchObject({ status: 400, body: { error: { field: 'from' } } });
    expect(await call('/nope')).toMatchObject({ status: 404, body: { error: { code: 'FD_ALERT_NOT_FOUND', field: 'id' } } });
  });

  it('acknowledges an alert, shows it, and withdraws it', async () => {
    const id = `fp-s2:${T0 + 60_000}`;
    expect(await call(`/${encodeURIComponent(id)}/ack`, { method: 'POST', body: { by: 'ana', comment: 'replacing the fan' } })).toMatchObject({ status: 201, body: { alertId: id, by: 'ana' } });
    expect((await call(`/${encodeURIComponent(id)}`)).body!.acknowledged).toMatchObject({ by: 'ana', comment: 'replacing the fan' });
    expect(await call(`/${encodeURIComponent(id)}/ack`, { method: 'POST', body: { comment: 'who?' } })).toMatchObject({ status: 400, body: { error: { field: 'by' } } });
    expect(await call(`/${encodeURIComponent(id)}/ack`, { method: 'POST', body: { by: 'ana', extra: 1 } })).toMatchObject({ status: 400, body: { error: { field: 'extra' } } });
    expect(await call('/nope/ack', { method: 'POST', body: { by: 'ana' } })).toMatchObject({ status: 404 });
    expect((await call(`/${encodeURIComponent(id)}/ack`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/${encodeURIComponent(id)}`)).body!.acknowledged).toBeNull();
  });

  it('creates, lists and expires silences, refusing bad ones field by field', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const valid = { matchers: [{ label: 'alertname', op: '=', value: 'overheating' }, { label: 'key', op: '=~', value: 's[0-9]+' }], endsAt, comment: 'maintenance', createdBy: 'ana' };
    for (const [body, field] of [
      [{ ...valid, matchers: [] }, 'matchers'],
      [{ ...valid, matchers: [{ label: 'key', op: '=~', value: '(' }] }, 'matchers[0].value'],
      [{ ...valid, matchers: [{ label: 'key', op: '~', value: 'x' }] }, 'matchers[0].op'],
      [{ ...valid, matchers: [{ label: '1bad', value: 'x' }] }, 'matchers[0].label'],
      [{ ...valid, endsAt: '2020-01-01T00:00:00Z' }, 'endsAt'],
      [{ ...valid, endsAt: 'soon' }, 'endsAt'],
      [{ ...valid, comment: '' }, 'comment'],
      [{ ...valid, reason: 'x' }, 'reason'],
    ] as const) {
      expect(await call('/silences', { method: 'POST', body }), field).toMatchObject({ status: 400, body: { error: { code: 'FD_ARGUMENT_INVALID', field } } });
    }
    expect((await call('/silences', { method: 'POST', raw: '{not json' })).status).toBe(400);

    const created = await call('/silences', { method: 'POST', body: valid });
    expect(created).toMatchObject({ status: 201, body: { comment: 'maintenance', createdBy: 'ana', endsAt: Date.parse(endsAt) } });
    const id = created.body!.id as string;
    expect((await call('/silences?state=active')).body!.silences.map((s: { id: string }) => s.id)).toEqual([id]);
    expect(await call(`/silences/${id}`, { method: 'DELETE' })).toMatchObject({ status: 200 });
    expect((await call(`/silences/${id}`)).body).toMatchObject({ state: 'expired' });
    expect((await call('/silences?state=active')).body!.silences).toEqual([]);
    expect(await call('/silences?state=sleeping')).toMatchObject({ status: 400, body: { error: { field: 'state' } } });
    expect(await call('/silences/nope', { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: { code: 'FD_SILENCE_NOT_FOUND' } } });
  });
});
