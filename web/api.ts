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
