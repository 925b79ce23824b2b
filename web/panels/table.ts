/** The latest record of each key as a row (sorted by key), updated live; a changed row flashes. */
import { getLatest, type LiveRecord } from '../api.js';
import { el, fieldValue, formatValue } from '../format.js';
import type { LiveConnection } from '../live.js';
import type { TablePanelDef } from '../../src/serve/dashboards/definition.js';
import { frameScheduler, panelFrame, type Panel } from './panel.js';

/** Recent records asked for on subscribe: covers what was written between the REST read and the subscription. */
const CATCH_UP = 500;

export class TablePanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private readonly rows = new Map<string, { record: LiveRecord; changedAt: number }>();
  private readonly tbody = el('tbody');
  private readonly keys: Set<string> | null;
  private readonly invalidate = frameScheduler(() => this.render());

  constructor(private readonly def: TablePanelDef) {
    this.frame = panelFrame('table', def.title);
    this.element = this.frame.element;
    this.keys = def.keys ? new Set(def.keys) : null;
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

  async start(live: LiveConnection): Promise<void> {
    const { def } = this;
    try {
      const history = await getLatest(def.topic, this.keys ? 100_000 : def.maxRows);
      for (const r of history) this.add(r, false);
      const key = def.keys?.length === 1 ? def.keys[0] : undefined;
      live
        .subscribe(key === undefined ? { topic: def.topic, history: { last: CATCH_UP } } : { topic: def.topic, key, history: { last: 1 } }, {
          record: (r, isLive) => this.add(r, isLive),
          error: (code, message) => (this.frame.note.textContent = `live updates failed: ${message} (${code})`),
        })
        .seen(history);
    } catch (error) {
      this.frame.problem((error as Error).message);
    }
  }

  private add(r: LiveRecord, live: boolean): void {
    if (r.key === null || (this.keys && !this.keys.has(r.key))) return;
    const had = this.rows.get(r.key);
    if (had && had.record.partition === r.partition && had.record.offset > r.offset) return;
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
          tr.append(el('td', v === true ? 'flag' : typeof v === 'number' ? 'num' : '', formatValue(v)));
        }
        tr.append(el('td', 'time', new Date(record.timestamp).toLocaleTimeString(undefined, { hour12: false })));
        return tr;
      }),
    );
    this.element.dataset.points = String(this.points());
  }
}
