/**
 * The alert list: the latest record of each alert key, newest first. The alert topic is
 * written by the alert engine; until it exists the panel says so (and the connection
 * asks for it again now and then).
 */
import { ApiError, getLatest, type LiveRecord } from '../api.js';
import { el, fieldValue, formatTime, formatValue } from '../format.js';
import type { LiveConnection } from '../live.js';
import type { AlertsPanelDef } from '../../src/serve/dashboards/definition.js';
import { frameScheduler, panelFrame, type Panel } from './panel.js';

export class AlertsPanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private readonly alerts = new Map<string, LiveRecord>();
  private readonly list = el('ul', 'alerts');
  private readonly empty: HTMLElement;
  private readonly invalidate = frameScheduler(() => this.render());

  constructor(private readonly def: AlertsPanelDef) {
    this.frame = panelFrame('alerts', def.title);
    this.element = this.frame.element;
    this.empty = el('p', 'empty', 'No alerts.');
    this.frame.body.append(this.empty, this.list);
  }

  points(): number {
    return this.alerts.size;
  }

  async start(live: LiveConnection): Promise<void> {
    const { def } = this;
    let history: LiveRecord[] = [];
    try {
      history = await getLatest(def.topic, def.maxRows);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'FD_TOPIC_NOT_FOUND')) return this.frame.problem((error as Error).message);
      this.empty.textContent = `No alerts: ${def.topic} does not exist yet (the alert engine writes it when alert rules run).`;
    }
    for (const r of history) this.add(r);
    live.subscribe({ topic: def.topic, history: { last: def.maxRows } }, { record: (r) => this.add(r) }).seen(history);
  }

  private add(r: LiveRecord): void {
    const key = r.key ?? `${r.partition}@${r.offset}`;
    const had = this.alerts.get(key);
    if (had && had.timestamp > r.timestamp) return;
    this.alerts.set(key, r);
    this.invalidate();
  }

  private render(): void {
    const newest = [...this.alerts.values()].sort((a, b) => b.timestamp - a.timestamp);
    // Bounded: only the newest maxRows alerts are kept.
    for (const r of newest.slice(this.def.maxRows)) this.alerts.delete(r.key ?? `${r.partition}@${r.offset}`);
    this.empty.hidden = newest.length > 0;
    this.list.replaceChildren(
      ...newest.slice(0, this.def.maxRows).map((r) => {
        const li = el('li');
        li.append(el('span', 'time', formatTime(r.timestamp)), el('span', 'key', r.key ?? ''));
        const fields = this.def.fields ?? (r.value && typeof r.value === 'object' ? Object.keys(r.value) : []);
        for (const f of fields) li.append(el('span', 'field', `${f}: ${formatValue(fieldValue(r.value, f))}`));
        // Records of the alert topic carry their status and a summary annotation: shown as such.
        const status = fieldValue(r.value, 'status');
        if (typeof status === 'string') li.dataset.status = status;
        const summary = fieldValue(r.value, 'annotations.summary');
        if (typeof summary === 'string') li.append(el('span', 'summary', summary));
        return li;
      }),
    );
    this.element.dataset.points = String(this.points());
  }
}
