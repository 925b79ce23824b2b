/**
 * What a dashboard view is, beyond its file: the time range and each variable's selected
 * keys. It lives in the address, as Grafana writes it, so a view can be shared and a reload
 * shows the same view:
 *
 *   ?from=now-1h&to=now              the last hour (live)
 *   ?from=1767225600000&to=now       since a moment, until now (live)
 *   ?from=1767225600000&to=1767229200000   a fixed range (no live updates)
 *   &var-sensor=sensor-07&var-sensor=sensor-11   the keys selected in $sensor
 *
 * `from`/`to` also take ISO times (2026-01-01T10:00:00Z). Anything unreadable falls back
 * to the dashboard's default, never to an error page.
 */

/** The last `lastMs` until now, or from `from` until `to` (null: now). Both end at now except a fixed range. */
export type TimeRange = { kind: 'relative'; lastMs: number } | { kind: 'absolute'; from: number; to: number | null };

export interface ViewState {
  range: TimeRange;
  /** Variable name -> selected keys (in the order selected). */
  variables: Map<string, string[]>;
}

/** The picker's quick ranges. */
export const QUICK_RANGES: readonly { label: string; ms: number }[] = [
  { label: 'Last 5 minutes', ms: 5 * 60_000 },
  { label: 'Last 15 minutes', ms: 15 * 60_000 },
  { label: 'Last 30 minutes', ms: 30 * 60_000 },
  { label: 'Last 1 hour', ms: 3_600_000 },
  { label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { label: 'Last 24 hours', ms: 24 * 3_600_000 },
];

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '15m' -> 900000; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

/** 900000 -> '15m' (the largest unit that divides it). */
export function durationText(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}

/** A point in time as the address or the picker gives it: epoch ms, an ISO or local date-time, 'now', 'now-1h' or '-1h'. */
export function parsePoint(text: string, now: number): number | 'now' | undefined {
  const t = text.trim();
  if (t === '' || t === 'now') return t === 'now' ? 'now' : undefined;
  const relative = /^(?:now)?-(.+)$/.exec(t);
  if (relative) {
    const ms = parseDuration(relative[1]!);
    return ms === undefined ? undefined : now - ms;
  }
  if (/^\d{10,}$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The range of `from`/`to` parameters; undefined when they do not make one. */
export function parseRange(from: string | null, to: string | null, now: number): TimeRange | undefined {
  if (from === null) return undefined;
  const last = /^(?:now)?-(.+)$/.exec(from.trim());
  const end = to === null ? 'now' : parsePoint(to, now);
  if (last && end === 'now') {
    const ms = parseDuration(last[1]!);
    return ms === undefined || ms <= 0 ? undefined : { kind: 'relative', lastMs: ms };
  }
  const start = parsePoint(from, now);
  if (typeof start !== 'number' || end === undefined) return undefined;
  if (end !== 'now' && end <= start) return undefined;
  return { kind: 'absolute', from: start, to: end === 'now' ? null : end };
}

/** The range as from/to parameters. */
export function rangeParams(range: TimeRange): { from: string; to: string } {
  if (range.kind === 'relative') return { from: `now-${durationText(range.lastMs)}`, to: 'now' };
  return { from: String(range.from), to: range.to === null ? 'now' : String(range.to) };
}

/** From and to in epoch ms now (to: null when the range ends now, so panels stay live). */
export function resolveRange(range: TimeRange, now: number): { from: number; to: number | null } {
  return range.kind === 'relative' ? { from: now - range.lastMs, to: null } : { from: range.from, to: range.to };
}

export function sameRange(a: TimeRange, b: TimeRange): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The state the address holds, with `fallback` where it holds none. */
export function readState(search: string, fallback: ViewState, now: number): ViewState {
  const params = new URLSearchParams(search);
  const range = parseRange(params.get('from'), params.get('to'), now) ?? fallback.range;
  const variables = new Map(fallback.variables);
  for (const name of new Set([...params.keys()].filter((k) => k.startsWith('var-')))) {
    variables.set(name.slice(4), params.getAll(name).filter((key) => key !== ''));
  }
  return { range, variables };
}

/** The address of a state: other parameters of `search` are kept. */
export function stateSearch(state: ViewState, search = ''): string {
  const params = new URLSearchParams(search);
  for (const key of [...params.keys()]) if (key === 'from' || key === 'to' || key.startsWith('var-')) params.delete(key);
  const { from, to } = rangeParams(state.range);
  params.set('from', from);
  params.set('to', to);
  for (const [name, keys] of state.variables) for (const key of keys) params.append(`var-${name}`, key);
  const text = params.toString();
  return text ? `?${text}` : '';
}
