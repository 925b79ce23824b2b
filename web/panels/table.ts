/**
 * The latest record of each key as a row (sorted by key), updated live; a changed row
 * flashes. Values are written with their field's format (a unit, or a time). Over a fixed
 * range, the rows are each key's last record in it (no live updates).
 */
import { getLatest, getRange, type LiveRecord } from '../api.js';
import { el, fieldValue, formatDateTime, formatField } from '../format.js';
import type { TablePanelDef } from '../../src/serve/dashboards/definition.js';
import { frameScheduler, panelFrame, type Panel, type PanelContext } from './panel.js';

/** Recent records asked for on subscribe: covers what was written between the REST read and the subscription. */
const CATCH_UP = 500;
/** Records of a fixed range read to find each key's last one. */
const RANGE_SCAN = 100_000;

export class TablePanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private readonly rows = new Map<string, { record: LiveRecord; changedAt: number }>();
  private readonly tbody = el('tbody');
  private keys: Set<string> | null = null;
  private readonly invalidate = frameScheduler(() => this.render());
  private close: (() => void) | undefined;
  private ended = false;

  constructor(private readonly def: TablePanelDef) {
    this.frame = panelFrame('table', def.title);
    this.element = this.frame.element;
    const head = el('tr');
    for (const name of ['key', ...def.fields, 'time']) head.append(el('th', '', name));
    const table = el('table');
    table.append(el('thead'), this.tbody);
    table.tHead!.append(head);
    this.frame.body.append(table);
  }

  points(): number {
    return this.rows.size;
  }

  dispose(): void {
    this.ended = true;
    this.close?.();
    this.invalidate.cancel();
  }

  async start(context: PanelContext): Promise<void> {
    const { def } = this;
    const keys = def.keys ?? (def.variable === null ? null : context.keysOf(def.variable));
    this.keys = keys ? new Set(keys) : null;
    if (keys !== null && keys.length === 0) {
      this.frame.problem(`No key selected in $${def.variable}: pick one above.`);
      return;
    }
    const { from, to } = context.range;
    try {
      if (to !== null) {
        const records = await getRange(def.topic, from, to, keys?.length === 1 ? keys[0]! : null, RANGE_SCAN);
        if (!this.ended) for (const r of records) this.add(r, false);
        return;
      }
      const history = (await getLatest(def.topic, this.keys ? 100_000 : def.maxRows)).filter((r) => r.timestamp >= from);
      if (this.ended) return;
      for (const r of history) this.add(r, false);
      const key = keys?.length === 1 ? keys[0] : undefined;
      const sub = context.live.subscribe(key === undefined ? { topic: def.topic, history: { last: CATCH_UP } } : { topic: def.topic, key, history: { last: 1 } }, {
        record: (r, isLive) => this.add(r, isLive),
        error: (code, message) => (this.frame.note.textContent = `live updates failed: ${message} (${code})`),
      });
      sub.seen(history);
      this.close = () => sub.close();
    } catch (error) {
      if (!this.ended) this.frame.problem((error as Error).message);
    }
  }

  private add(r: LiveRecord, live: boolean): void {
    if (r.key === null || (this.keys && !this.keys.has(r.key))) return;
    const had = this.rows.get(r.key);
    if (had && (had.record.partition === r.partition ? had.record.offset > r.offset : had.record.timestamp > r.timestamp)) return;
    this.rows.set(r.key, { record: r, changedAt: live ? Date.now() : 0 });
    this.invalidate();
  }

  private render(): void {
    const keys = [...this.rows.keys()].sort();
    // Bounded: keys past the first maxRows are not kept (the table is sorted by key).
    for (const key of keys.slice(this.def.maxRows)) this.rows.delete(key);
    const now = Date.now();
    this.tbody.replaceChildren(
      ...keys.slice(0, this.def.maxRows).map((key) => {
        const { record, changedAt } = this.rows.get(key)!;
        const tr = el('tr', now - changedAt < 1_500 ? 'changed' : '');
        tr.append(el('td', 'key', key));
        for (const field of this.def.fields) {
          const v = fieldValue(record.value, field);
          const format = this.def.formats[field];
          tr.append(el('td', v === true ? 'flag' : typeof v === 'number' && !format?.time ? 'num' : '', formatField(v, format, this.def.decimals)));
        }
        tr.append(el('td', 'time', formatDateTime(record.timestamp)));
        return tr;
      }),
    );
    this.element.dataset.points = String(this.points());
  }
}
