/**
 * REST for alerts, under /api/alerts:
 *
 *   GET    /api/alerts                  alert instances, newest first (?status=firing|resolved, ?rule, ?key, ?from, ?to, ?limit=1..10000)
 *   GET    /api/alerts/:id              one instance, with its acknowledgement
 *   POST   /api/alerts/:id/ack          acknowledge it: { by, comment }
 *   DELETE /api/alerts/:id/ack          withdraw the acknowledgement
 *   GET    /api/alerts/silences         silences (?state=active|pending|expired)
 *   POST   /api/alerts/silences         create one: { matchers: [{ label, op, value }], startsAt?, endsAt, comment, createdBy }
 *   GET    /api/alerts/silences/:id     one silence
 *   DELETE /api/alerts/silences/:id     expire it now (it is kept, as expired)
 *   GET    /api/alerts/status           rules, the evaluator and each receiver's queue, lag and counts
 *   GET    /api/alerts/undelivered      per receiver: whether it is taken for down, the notifications parked for it (oldest first, with ages) and what was re-sent, dropped past max_age or superseded
 *
 * An alert instance in GET /api/alerts (and /:id) that a receiver of this process still holds
 * parked carries `undelivered: [<receiver>, ...]`.
 *
 * Everything reads and writes the alert topics, so this works in `fastdata dev`, in
 * `fastdata serve` beside Kafka workers, or in any worker. Errors as in api-errors.ts; query
 * parameters are range-checked as the outputs' are (access/query-params.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { FastdataError } from '../../errors.js';
import type { AlertHistory } from '../../alerts/state/alert-history.js';
import type { SilenceStore } from '../../alerts/state/silence-store.js';
import type { SilenceState } from '../../alerts/state/silence.js';
import { apiErrorHandler } from '../api-errors.js';
import { parseKey, parseLimit, parseOneOf, parseTime } from '../access/query-params.js';

export interface AlertingApi {
  history: AlertHistory;
  silences: SilenceStore;
  /** Rules, evaluator and receivers of this process, when it runs them. */
  status?: () => Promise<unknown>;
}

export interface AlertRoutesOptions {
  /** Asked per request: alerting starts after the server (it waits for the topics). */
  alerting: () => AlertingApi | undefined;
  now?: () => number;
}

/** As fastify parses a query string: a parameter given twice is an array (query-params.ts refuses it). */
type Query = Record<string, string | string[] | undefined>;

/** What a receiver that parks says in the status (ReceiverQueue's ParkingStats, read without importing the alert runtime). */
interface ReceiverParking {
  receiver: string;
  kind?: string;
  lag?: number;
  lastError?: unknown;
  parking: { held?: { alerts?: { id?: unknown }[] }[] } & Record<string, unknown>;
}

/** The receivers of a status() answer that report parking; none when it is not that shape. */
function parkingOf(status: unknown): ReceiverParking[] {
  const receivers = (status as { receivers?: unknown } | null | undefined)?.receivers;
  if (!Array.isArray(receivers)) return [];
  return receivers.filter((r): r is ReceiverParking => typeof r?.receiver === 'string' && typeof r?.parking === 'object' && r.parking !== null);
}

/** Alert id -> the receivers holding a notification of it parked. */
async function undeliveredByAlert(api: AlertingApi): Promise<Map<string, string[]>> {
  const byAlert = new Map<string, string[]>();
  if (!api.status) return byAlert;
  let status: unknown;
  try {
    status = await api.status();
  } catch {
    // The list answers without the annotation rather than not at all.
    return byAlert;
  }
  for (const r of parkingOf(status)) {
    for (const held of r.parking.held ?? []) {
      for (const alert of held.alerts ?? []) {
        if (typeof alert.id !== 'string') continue;
        const list = byAlert.get(alert.id) ?? [];
        if (!list.includes(r.receiver)) list.push(r.receiver);
        byAlert.set(alert.id, list);
      }
    }
  }
  return byAlert;
}

function withUndelivered<T extends { id: string }>(entry: T, byAlert: Map<string, string[]>): T & { undelivered?: string[] } {
  const receivers = byAlert.get(entry.id);
  return receivers ? { ...entry, undelivered: receivers } : entry;
}

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  app.setErrorHandler(apiErrorHandler);
  const alerting = (): AlertingApi => {
    const api = options.alerting();
    if (!api) throw new FastdataError('FD_LOG_IO', 'alerting is still starting (reading the alert topics); try again in a moment');
    return api;
  };

  app.get<{ Querystring: Query }>('/', async (request) => {
    const q = request.query;
    const t = now();
    const status = parseOneOf('status', q.status, ['firing', 'resolved'] as const);
    const rule = parseKey('rule', q.rule);
    const key = parseKey('key', q.key);
    const from = parseTime('from', q.from, t);
    const to = parseTime('to', q.to, t);
    if (from !== undefined && to !== undefined && from >= to) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`, { context: { field: 'from' } });
    }
    const limit = parseLimit('limit', q.limit, 100, 10_000);
    const api = alerting();
    const found = api.history.query({ limit, ...(status ? { status } : {}), ...(rule ? { rule } : {}), ...(key !== undefined ? { key } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    const byAlert = await undeliveredByAlert(api);
    return byAlert.size === 0 ? found : { ...found, alerts: found.alerts.map((entry) => withUndelivered(entry, byAlert)) };
  });

  app.get('/status', async () => {
    const api = alerting();
    return api.status ? api.status() : { rules: [], receivers: [], engine: null, note: 'this process runs no alert rules' };
  });

  app.get('/undelivered', async () => {
    const api = alerting();
    if (!api.status) return { receivers: [], note: 'this process delivers to no receivers' };
    return {
      receivers: parkingOf(await api.status()).map((r) => ({ receiver: r.receiver, kind: r.kind, lag: r.lag, ...(r.lastError ? { lastError: r.lastError } : {}), ...r.parking })),
    };
  });

  app.get<{ Querystring: Query }>('/silences', async (request) => ({
    silences: alerting().silences.list(parseOneOf<SilenceState>('state', request.query.state, ['active', 'pending', 'expired'])),
  }));

  app.post('/silences', async (request, reply) => reply.code(201).send(await alerting().silences.create(request.body)));

  app.get<{ Params: { id: string } }>('/silences/:id', async (request) => {
    const silence = alerting().silences.get(request.params.id);
    if (!silence) throw new FastdataError('FD_SILENCE_NOT_FOUND', `no silence ${JSON.stringify(request.params.id)}; GET /api/alerts/silences lists them`, { context: { field: 'id' } });
    return silence;
  });

  app.delete<{ Params: { id: string } }>('/silences/:id', async (request) => alerting().silences.expire(request.params.id));

  app.get<{ Params: { id: string } }>('/:id', async (request) => {
    const api = alerting();
    const entry = api.history.get(request.params.id);
    if (!entry) throw new FastdataError('FD_ALERT_NOT_FOUND', `no alert ${JSON.stringify(request.params.id)}; GET /api/alerts lists them`, { context: { field: 'id' } });
    return withUndelivered(entry, await undeliveredByAlert(api));
  });

  app.post<{ Params: { id: string } }>('/:id/ack', async (request, reply) => reply.code(201).send(await alerting().history.acknowledge(request.params.id, request.body ?? {})));

  app.delete<{ Params: { id: string } }>('/:id/ack', async (request, reply) => {
    await alerting().history.unacknowledge(request.params.id);
    return reply.code(204).send();
  });
};
