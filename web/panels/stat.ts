/** One number, large: a field of the latest record (of one key, or of the topic), coloured by thresholds. */
import { getLatest, getLatestOf, type LiveRecord } from '../api.js';
import { el, formatTime, numberAt } from '../format.js';
import type { LiveConnection } from '../live.js';
import type { StatPanelDef } from '../../src/serve/dashboards/definition.js';
import { frameScheduler, panelFrame, type Panel } from './panel.js';

export class StatPanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private latest: LiveRecord | undefined;
  private readonly value = el('div', 'stat-value', '–');
  private readonly detail = el('div', 'stat-detail', 'no record yet');
  private readonly invalidate = frameScheduler(() => this.render());

  constructor(private readonly def: StatPanelDef) {
    this.frame = panelFrame('stat', def.title);
    this.element = this.frame.element;
    this.frame.body.append(this.value, this.detail);
  }

  points(): number {
    return this.latest ? 1 : 0;
  }

  async start(live: LiveConnection): Promise<void> {
    const { def } = this;
    try {
      let history: LiveRecord[];
      if (def.key === null) history = await getLatest(def.topic, 10_000);
      else history = [await getLatestOf(def.topic, def.key)].filter((r): r is LiveRecord => r !== undefined);
      for (const r of history) this.add(r);
      const spec = def.key === null ? { topic: def.topic, history: { last: 1 } } : { topic: def.topic, key: def.key, history: { last: 1 } };
      live.subscribe(spec, { record: (r) => this.add(r), error: (code, message) => (this.frame.note.textContent = `live updates failed: ${message} (${code})`) }).seen(history);
    } catch (error) {
      this.frame.problem((error as Error).message);
    }
  }

  private add(r: LiveRecord): void {
    // The latest by record time: history and live records may interleave.
    if (this.latest && r.timestamp < this.latest.timestamp) return;
    this.latest = r;
    this.invalidate();
  }

  private render(): void {
    const r = this.latest;
    if (!r) return;
    const v = numberAt(r.value, this.def.field);
    this.value.textContent = v === undefined ? '–' : `${v.toFixed(this.def.decimals)}${this.def.unit ? ` ${this.def.unit}` : ''}`;
    let color = '';
    for (const t of this.def.thresholds) if (v !== undefined && v >= t.value) color = t.color;
    this.value.style.color = color;
    this.detail.textContent = `${r.key ?? ''} · ${formatTime(r.timestamp)}`;
    this.element.dataset.points = String(this.points());
  }
}
