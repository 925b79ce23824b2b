/** The REST calls of the page; errors carry the server's message, which says what to do. */
import type { DashboardDef } from '../src/serve/dashboards/definition.js';

/** A record as the access layer serves it (REST and WebSocket alike). */
export interface LiveRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: unknown;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string; code?: string } } | undefined;
  if (!response.ok) throw new ApiError(body?.error?.message ?? `${url}: HTTP ${response.status}`, response.status, body?.error?.code);
  return body as T;
}

export function getDashboard(name: string): Promise<DashboardDef> {
  return getJson<DashboardDef>(`/api/dashboards/${encodeURIComponent(name)}`);
}

const topicUrl = (topic: string) => `/api/outputs/${encodeURIComponent(topic)}`;

/** Records of the last `windowMs`, oldest first, at most `max` (the newest kept), following the pages. */
export async function getHistory(topic: string, windowMs: number, key: string | null, max: number): Promise<LiveRecord[]> {
  const base = `${topicUrl(topic)}/records?from=-${Math.ceil(windowMs / 1000)}s&limit=${Math.min(max, 10_000)}${key === null ? '' : `&key=${encodeURIComponent(key)}`}`;
  let records: LiveRecord[] = [];
  let cursor: string | null = null;
  // Bounded: a window with more records than a chart keeps would only be thrown away.
  for (let page = 0; page < 20; page++) {
    const result: { records: LiveRecord[]; next: string | null } = await getJson(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
    records = records.concat(result.records);
    if (records.length > max) records = records.slice(records.length - max);
    cursor = result.next;
    if (!cursor) break;
  }
  return records;
}

/** The latest record of every key (sorted by key), at most `limit`. */
export async function getLatest(topic: string, limit: number): Promise<LiveRecord[]> {
  return (await getJson<{ records: LiveRecord[] }>(`${topicUrl(topic)}/latest?limit=${limit}`)).records;
}

/** One key's latest record, or undefined when it has none yet. */
export async function getLatestOf(topic: string, key: string): Promise<LiveRecord | undefined> {
  try {
    return await getJson<LiveRecord>(`${topicUrl(topic)}/latest/${encodeURIComponent(key)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.code === 'FD_KEY_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * Records of one topic (one key, or all) from `from` to `to` (null: now), oldest first, at
 * most `max` (the newest kept), through the range API (GET .../records?from=&to=), page by page.
 */
export async function getRange(topic: string, from: number, to: number | null, key: string | null, max: number): Promise<LiveRecord[]> {
  const base = `${topicUrl(topic)}/records?from=${Math.floor(from)}&to=${to === null ? 'now' : Math.ceil(to)}&limit=${Math.min(Math.max(max, 1), 10_000)}${key === null ? '' : `&key=${encodeURIComponent(key)}`}`;
  let records: LiveRecord[] = [];
  let cursor: string | null = null;
  // Bounded: a range with more records than a panel keeps would only be thrown away.
  for (let page = 0; page < 50; page++) {
    const result: { records: LiveRecord[]; next: string | null } = await getJson(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
    records = records.concat(result.records);
    if (records.length > max) records = records.slice(records.length - max);
    cursor = result.next;
    if (!cursor) break;
  }
  return records;
}

/** The keys of a topic (sorted), at most `limit`, and how many it has. */
export async function getKeys(topic: string, limit: number): Promise<{ keys: string[]; total: number }> {
  const { records, total } = await getJson<{ records: LiveRecord[]; total: number }>(`${topicUrl(topic)}/latest?limit=${limit}`);
  return { keys: records.map((r) => r.key).filter((k): k is string => k !== null), total };
}

/** Who views the page, and whether their token may write (acknowledge alerts); an open server lets everyone. */
export interface Session {
  name: string | null;
  scope: 'read' | 'write' | 'admin' | null;
  open: boolean;
}

export async function getSession(): Promise<Session> {
  try {
    return await getJson<Session>('/api/session');
  } catch {
    // An older server without the route: offer nothing that writes.
    return { name: null, scope: 'read', open: false };
  }
}

/** An alert instance as GET /api/alerts lists it (the fields the page reads). */
export interface AlertEntry {
  id: string;
  rule: string;
  key: string;
  status: 'firing' | 'resolved';
  severity: string;
  startsAt: number;
  endsAt: number | null;
  annotations: Record<string, string>;
  acknowledged: { by: string; comment: string; at: number } | null;
}

/** The newest alert instances with their acknowledgements; undefined while alerting is not running here. */
export async function getAlerts(limit: number): Promise<AlertEntry[] | undefined> {
  try {
    return (await getJson<{ alerts: AlertEntry[] }>(`/api/alerts?limit=${limit}`)).alerts;
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401 && error.status !== 403) return undefined;
    throw error;
  }
}

/** POST /api/alerts/:id/ack. */
export async function acknowledgeAlert(id: string, by: string, comment: string): Promise<{ by: string; comment: string; at: number }> {
  const response = await fetch(`/api/alerts/${encodeURIComponent(id)}/ack`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ by, comment }) });
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string; code?: string } } | undefined;
  if (!response.ok) throw new ApiError(body?.error?.message ?? `acknowledge: HTTP ${response.status}`, response.status, body?.error?.code);
  return body as { by: string; comment: string; at: number };
}
