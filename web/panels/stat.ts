/**
 * One number, large: a field of one key's latest record (in the range), coloured by
 * thresholds. The key is the panel's `key:`, else the first key selected in its variable,
 * else the topic's first key, chosen once: the panel never jumps from key to key.
 */
import { getKeys, getLatestOf, getRange, type LiveRecord } from '../api.js';
import { el, formatDateTime, formatNumber, numberAt } from '../format.js';
import type { StatPanelDef } from '../../src/serve/dashboards/definition.js';
import { frameScheduler, panelFrame, type Panel, type PanelContext } from './panel.js';

export class StatPanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private latest: LiveRecord | undefined;
  private key = '';
  private readonly value = el('div', 'stat-value', '–');
  private readonly detail = el('div', 'stat-detail', 'no record yet');
  private readonly invalidate = frameScheduler(() => this.render());
  private close: (() => void) | undefined;
  private ended = false;

  constructor(private readonly def: StatPanelDef) {
    this.frame = panelFrame('stat', def.title);
    this.element = this.frame.element;
    this.frame.body.append(this.value, this.detail);
  }

  points(): number {
    return this.latest ? 1 : 0;
  }

  dispose(): void {
    this.ended = true;
    this.close?.();
    this.invalidate.cancel();
  }

  /** The one key shown, and why it is that one. */
  private async chooseKey(context: PanelContext): Promise<{ key: string; why: string } | undefined> {
    const { def } = this;
    if (def.key !== null) return { key: def.key, why: '' };
    if (def.variable !== null) {
      const selected = context.keysOf(def.variable);
      if (selected.length === 0) return undefined;
      return { key: selected[0]!, why: selected.length > 1 ? ` (the first of ${selected.length} selected in $${def.variable})` : '' };
    }
    const first = (await getKeys(def.topic, 1)).keys[0];
    return first === undefined ? undefined : { key: first, why: ' (the first key; set key: to choose)' };
  }

  async start(context: PanelContext): Promise<void> {
    const { def } = this;
    try {
      const chosen = await this.chooseKey(context);
      if (this.ended) return;
      if (!chosen) {
        this.detail.textContent = def.variable !== null ? `no key selected in $${def.variable}` : `${def.topic} has no records yet`;
        return;
      }
      this.key = chosen.key;
      this.element.dataset.key = chosen.key;
      this.detail.textContent = `${chosen.key}${chosen.why}: no record in this range`;
      this.detail.dataset.why = chosen.why;
      const { from, to } = context.range;
      const history =
        to === null
          ? [await getLatestOf(def.topic, chosen.key)].filter((r): r is LiveRecord => r !== undefined && r.timestamp >= from)
          : (await getRange(def.topic, from, to, chosen.key, 10_000)).slice(-1);
      if (this.ended) return;
      for (const r of history) this.add(r);
      if (to !== null) return;
      const sub = context.live.subscribe(
        { topic: def.topic, key: chosen.key, history: { last: 1 } },
        { record: (r) => this.add(r), error: (code, message) => (this.frame.note.textContent = `live updates failed: ${message} (${code})`) },
      );
      sub.seen(history);
      this.close = () => sub.close();
    } catch (error) {
      if (!this.ended) this.frame.problem((error as Error).message);
    }
  }

  private add(r: LiveRecord): void {
    // One key only, and the latest by record time: history and live records may interleave.
    if (r.key !== this.key) return;
    if (this.latest && r.timestamp < this.latest.timestamp) return;
    this.latest = r;
    this.invalidate();
  }

  private render(): void {
    const r = this.latest;
    if (!r) return;
    const v = numberAt(r.value, this.def.field);
    this.value.textContent = v === undefined ? '–' : formatNumber(v, this.def.formats[this.def.field], this.def.decimals);
    let color = '';
    for (const t of this.def.thresholds) if (v !== undefined && v >= t.value) color = t.color;
    this.value.style.color = color;
    this.detail.textContent = `${r.key ?? ''}${this.detail.dataset.why ?? ''} · ${formatDateTime(r.timestamp)}`;
    this.element.dataset.points = String(this.points());
  }
}
