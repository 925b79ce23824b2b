/**
 * A line chart (uPlot: canvas, fast with thousands of points) of numeric fields over
 * record time: one series per key and field, each a ring of at most `maxPoints` points.
 */
import uPlot from 'uplot';
import { getHistory, type LiveRecord } from '../api.js';
import { numberAt } from '../format.js';
import type { LiveConnection } from '../live.js';
import { MAX_SERIES_KEYS, type TimeseriesPanelDef } from '../../src/serve/dashboards/definition.js';
import { PointRing } from '../ring.js';
import { frameScheduler, panelFrame, type Panel } from './panel.js';

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];
const HEIGHT = 260;

interface Series {
  key: string;
  field: string;
  ring: PointRing;
}

export class TimeseriesPanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private readonly series = new Map<string, Series>();
  private chart: uPlot | undefined;
  private skippedKeys = new Set<string>();
  private readonly invalidate = frameScheduler(() => this.render());

  constructor(private readonly def: TimeseriesPanelDef) {
    this.frame = panelFrame('timeseries', def.title);
    this.element = this.frame.element;
  }

  points(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.ring.length;
    return n;
  }

  async start(live: LiveConnection): Promise<void> {
    const { def } = this;
    const keys: (string | null)[] = def.keys ?? [null];
    for (const key of def.keys ?? []) this.seriesOf(key);
    try {
      const histories = await Promise.all(keys.map((key) => getHistory(def.topic, def.windowMs, key, def.maxPoints * (key === null ? MAX_SERIES_KEYS : 1))));
      this.createChart();
      keys.forEach((key, i) => {
        for (const r of histories[i]!) this.add(r);
        const since = Date.now() - def.windowMs;
        const sub = live.subscribe(key === null ? { topic: def.topic, history: { since } } : { topic: def.topic, key, history: { since } }, {
          record: (r) => this.add(r),
          error: (code, message) => (this.frame.note.textContent = `live updates failed: ${message} (${code})`),
        });
        sub.seen(histories[i]!);
      });
    } catch (error) {
      this.frame.problem((error as Error).message);
    }
  }

  private seriesOf(key: string): Series[] | undefined {
    const out: Series[] = [];
    for (const field of this.def.fields) {
      const id = `${key}\u0000${field}`;
      let s = this.series.get(id);
      if (!s) {
        if (this.def.keys === null && !this.series.has(`${key}\u0000${this.def.fields[0]}`) && this.series.size / this.def.fields.length >= MAX_SERIES_KEYS) {
          this.skippedKeys.add(key);
          this.frame.note.textContent = `the first ${MAX_SERIES_KEYS} keys of ${MAX_SERIES_KEYS + this.skippedKeys.size} (set keys: to choose)`;
          return undefined;
        }
        s = { key, field, ring: new PointRing(this.def.maxPoints) };
        this.series.set(id, s);
        this.chart?.addSeries(this.seriesOptions(s), this.chart.series.length);
      }
      out.push(s);
    }
    return out;
  }

  private add(r: LiveRecord): void {
    if (r.key === null && this.def.keys === null) return;
    const all = this.seriesOf(r.key ?? '');
    if (!all) return;
    for (const s of all) {
      const y = numberAt(r.value, s.field);
      if (y !== undefined) s.ring.push(r.timestamp, y);
    }
    this.invalidate();
  }

  private seriesOptions(s: Series): uPlot.Series {
    const index = [...this.series.values()].indexOf(s);
    const label = this.def.fields.length === 1 ? s.key : `${s.key} ${s.field}`;
    return { label, stroke: PALETTE[index % PALETTE.length]!, width: 1.5, spanGaps: true, points: { show: false } };
  }

  private createChart(): void {
    const width = Math.max(300, this.frame.body.clientWidth || 600);
    const opts: uPlot.Options = {
      width,
      height: HEIGHT,
      // Record timestamps are epoch milliseconds.
      ms: 1,
      scales: { x: { time: true, range: () => [Date.now() - this.def.windowMs, Date.now()] } },
      series: [{}, ...[...this.series.values()].map((s) => this.seriesOptions(s))],
      legend: { live: false },
    };
    this.frame.body.replaceChildren();
    this.chart = new uPlot(opts, [[], ...[...this.series.values()].map(() => [])], this.frame.body);
    new ResizeObserver(() => this.chart?.setSize({ width: Math.max(300, this.frame.body.clientWidth), height: HEIGHT })).observe(this.frame.body);
    // The time axis moves on when no record comes.
    setInterval(() => this.invalidate(), 5_000);
    this.invalidate();
  }

  private render(): void {
    if (!this.chart) return;
    const all = [...this.series.values()].map((s) => s.ring.points());
    const xs = [...new Set(all.flatMap((points) => points.map((p) => p.x)))].sort((a, b) => a - b);
    const ys = all.map((points) => {
      const byX = new Map(points.map((p) => [p.x, p.y]));
      return xs.map((x) => byX.get(x) ?? null);
    });
    this.chart.setData([xs, ...ys] as uPlot.AlignedData);
    this.element.dataset.points = String(this.points());
  }
}
