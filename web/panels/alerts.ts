/**
 * The alert list: the latest state of each alert instance, newest first, as people read
 * it: the rule, the key, its summary, firing or resolved (since when), who acknowledged it,
 * an Acknowledge button for a viewer whose token may write, and a link to the dashboard
 * with the alert's key selected and the time around it.
 *
 * The list comes from GET /api/alerts (which joins the acknowledgements) where this process
 * runs alerting, else from the alert topic; live changes come from the topic, and the
 * acknowledgements are read again now and then (others acknowledge too).
 */
import { ApiError, acknowledgeAlert, getAlerts, getLatest, type AlertEntry, type LiveRecord } from '../api.js';
import { el, fieldValue, formatDateTime, formatValue } from '../format.js';
import type { AlertsPanelDef } from '../../src/serve/dashboards/definition.js';
import { frameScheduler, panelFrame, type Panel, type PanelContext } from './panel.js';

/** How much time the link shows before an alert starts and after it ends. */
const LINK_MARGIN_MS = 15 * 60_000;
const ACKS_EVERY_MS = 30_000;
const SHOWN = new Set(['rule', 'key', 'status', 'severity', 'startsAt', 'endsAt', 'annotations', 'id', 'fingerprint', 'labels', 'receivers', 'value']);

/** An alert record of the topic (the Avro `Alert`) as an entry; undefined when it is not one. */
function entryOf(r: LiveRecord): AlertEntry | undefined {
  const v = r.value as Partial<AlertEntry> | null;
  if (!v || typeof v !== 'object' || typeof v.id !== 'string' || typeof v.rule !== 'string') return undefined;
  return { id: v.id, rule: v.rule, key: String(v.key ?? ''), status: v.status === 'resolved' ? 'resolved' : 'firing', severity: String(v.severity ?? ''), startsAt: Number(v.startsAt ?? r.timestamp), endsAt: typeof v.endsAt === 'number' ? v.endsAt : null, annotations: (v.annotations as Record<string, string>) ?? {}, acknowledged: null };
}

export class AlertsPanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private readonly alerts = new Map<string, { entry: AlertEntry; record: unknown }>();
  private readonly list = el('ul', 'alerts');
  private readonly empty: HTMLElement;
  private readonly invalidate = frameScheduler(() => this.render());
  private context: PanelContext | undefined;
  private readonly cleanups: (() => void)[] = [];
  private ended = false;

  constructor(private readonly def: AlertsPanelDef) {
    this.frame = panelFrame('alerts', def.title);
    this.element = this.frame.element;
    this.empty = el('p', 'empty', 'No alerts.');
    this.frame.body.append(this.empty, this.list);
  }

  points(): number {
    return this.alerts.size;
  }

  dispose(): void {
    this.ended = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.invalidate.cancel();
  }

  async start(context: PanelContext): Promise<void> {
    const { def } = this;
    this.context = context;
    let history: LiveRecord[] = [];
    try {
      // The instances with their acknowledgements, where alerting runs; the topic's records otherwise.
      const entries = await getAlerts(def.maxRows);
      if (entries) for (const entry of entries) this.put(entry, entry);
      else history = await getLatest(def.topic, def.maxRows);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'FD_TOPIC_NOT_FOUND')) return this.frame.problem((error as Error).message);
      this.empty.textContent = `No alerts: ${def.topic} does not exist yet (the alert engine writes it when alert rules run).`;
    }
    if (this.ended) return;
    for (const r of history) this.add(r);
    const sub = context.live.subscribe({ topic: def.topic, history: { last: def.maxRows } }, { record: (r) => this.add(r) });
    sub.seen(history);
    const acks = setInterval(() => void this.refreshAcks(), ACKS_EVERY_MS);
    this.cleanups.push(() => sub.close(), () => clearInterval(acks));
    this.invalidate();
  }

  private async refreshAcks(): Promise<void> {
    const entries = await getAlerts(this.def.maxRows).catch(() => undefined);
    if (!entries || this.ended) return;
    for (const entry of entries) {
      const had = this.alerts.get(entry.id);
      if (had) had.entry.acknowledged = entry.acknowledged;
    }
    this.invalidate();
  }

  private put(entry: AlertEntry, record: unknown): void {
    const had = this.alerts.get(entry.id);
    // A resolve replaces its firing; an older change never replaces a newer one.
    if (had && had.entry.status === 'resolved' && entry.status === 'firing') return;
    this.alerts.set(entry.id, { entry: { ...entry, acknowledged: entry.acknowledged ?? had?.entry.acknowledged ?? null }, record });
    this.invalidate();
  }

  private add(r: LiveRecord): void {
    const entry = entryOf(r);
    if (entry) this.put(entry, r.value);
  }

  private async acknowledge(entry: AlertEntry, button: HTMLButtonElement): Promise<void> {
    const session = this.context!.session;
    button.disabled = true;
    try {
      entry.acknowledged = await acknowledgeAlert(entry.id, session.name ?? 'dashboard viewer', `acknowledged on ${location.pathname}`);
      this.frame.note.textContent = '';
    } catch (error) {
      button.disabled = false;
      this.frame.note.textContent = `could not acknowledge: ${(error as Error).message}`;
    }
    this.invalidate();
  }

  private item(entry: AlertEntry, record: unknown): HTMLElement {
    const context = this.context!;
    const li = el('li');
    li.dataset.status = entry.status;
    li.dataset.id = entry.id;
    li.dataset.key = entry.key;
    const head = el('div', 'alert-head');
    head.append(el('span', `severity severity-${entry.severity}`, entry.severity), el('strong', 'rule', entry.rule), el('span', 'key', entry.key));
    const state = entry.status === 'firing' ? `firing since ${formatDateTime(entry.startsAt)}` : `resolved ${entry.endsAt === null ? '' : formatDateTime(entry.endsAt)} (fired ${formatDateTime(entry.startsAt)})`;
    head.append(el('span', 'state', state));
    const link = el('a', 'series', 'show series');
    link.href = context.linkTo({ dashboard: this.def.dashboard, variable: this.def.variable, key: entry.key, from: entry.startsAt - LINK_MARGIN_MS, to: entry.endsAt === null ? null : entry.endsAt + LINK_MARGIN_MS });
    link.title = `${entry.key} from ${LINK_MARGIN_MS / 60_000} minutes before the alert to ${entry.endsAt === null ? 'now' : `${LINK_MARGIN_MS / 60_000} minutes after`}`;
    head.append(link);
    li.append(head);
    const summary = entry.annotations.summary;
    if (summary) li.append(el('div', 'summary', summary));
    for (const f of this.def.fields ?? []) if (!SHOWN.has(f)) li.append(el('span', 'field', `${f}: ${formatValue(fieldValue(record, f))}`));
    if (entry.acknowledged) {
      li.dataset.acknowledged = 'true';
      li.append(el('div', 'ack', `acknowledged by ${entry.acknowledged.by} at ${formatDateTime(entry.acknowledged.at)}${entry.acknowledged.comment ? `: ${entry.acknowledged.comment}` : ''}`));
    } else if (entry.status === 'firing' && (context.session.scope === 'write' || context.session.scope === 'admin')) {
      const button = el('button', 'ack-button', 'Acknowledge');
      button.type = 'button';
      button.onclick = () => void this.acknowledge(entry, button);
      li.append(button);
    }
    return li;
  }

  private render(): void {
    const newest = [...this.alerts.values()].sort((a, b) => b.entry.startsAt - a.entry.startsAt || Number(a.entry.status === 'resolved') - Number(b.entry.status === 'resolved'));
    // Bounded: only the newest maxRows alerts are kept.
    for (const { entry } of newest.slice(this.def.maxRows)) this.alerts.delete(entry.id);
    this.empty.hidden = newest.length > 0;
    if (this.context) this.list.replaceChildren(...newest.slice(0, this.def.maxRows).map(({ entry, record }) => this.item(entry, record)));
    this.element.dataset.points = String(this.points());
  }
}
