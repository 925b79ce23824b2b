/**
 * A line chart (uPlot: canvas, fast with thousands of points) of numeric fields over
 * record time: one series per key and field, each a ring of at most `maxPoints` points,
 * over the page's time range (live when it ends now). Thresholds are dashed lines with a
 * band of their colour up to the next one; values are written with the field's unit.
 */
import uPlot from 'uplot';
import { getRange, type LiveRecord } from '../api.js';
import { formatNumber, numberAt } from '../format.js';
import { MAX_SERIES_KEYS, type TimeseriesPanelDef } from '../../src/serve/dashboards/definition.js';
import { PointRing } from '../ring.js';
import { frameScheduler, panelFrame, type Panel, type PanelContext } from './panel.js';

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];
const HEIGHT = 260;

interface Series {
  key: string;
  field: string;
  ring: PointRing;
}

/** The xs of every series merged (sorted, each once), and each series' ys aligned to them (null where it has no point). */
export function alignSeries(all: readonly { xs: Float64Array; ys: Float64Array }[]): [number[], ...(number | null)[][]] {
  if (all.length === 1) return [Array.from(all[0]!.xs), Array.from(all[0]!.ys)];
  let total = 0;
  for (const s of all) total += s.xs.length;
  const merged = new Float64Array(total);
  let at = 0;
  for (const s of all) {
    merged.set(s.xs, at);
    at += s.xs.length;
  }
  merged.sort();
  const xs: number[] = [];
  for (let i = 0; i < merged.length; i++) if (i === 0 || merged[i] !== merged[i - 1]) xs.push(merged[i]!);
  const ys = all.map((s) => {
    const out: (number | null)[] = new Array(xs.length).fill(null);
    let j = 0;
    for (let i = 0; i < s.xs.length; i++) {
      while (xs[j]! < s.xs[i]!) j++;
      out[j] = s.ys[i]!;
    }
    return out;
  });
  return [xs, ...ys];
}

export class TimeseriesPanel implements Panel {
  readonly element: HTMLElement;
  private readonly frame: ReturnType<typeof panelFrame>;
  private readonly series = new Map<string, Series>();
  private chart: uPlot | undefined;
  private skippedKeys = new Set<string>();
  private readonly invalidate = frameScheduler(() => this.render());
  private range: { from: number; to: number | null } = { from: 0, to: null };
  private keys: string[] | null = null;
  private readonly cleanups: (() => void)[] = [];
  private ended = false;

  constructor(private readonly def: TimeseriesPanelDef) {
    this.frame = panelFrame('timeseries', def.title);
    this.element = this.frame.element;
  }

  points(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.ring.length;
    return n;
  }

  dispose(): void {
    this.ended = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.invalidate.cancel();
    this.chart?.destroy();
    this.chart = undefined;
  }

  async start(context: PanelContext): Promise<void> {
    const { def } = this;
    this.range = context.range;
    this.keys = def.keys ?? (def.variable === null ? null : context.keysOf(def.variable));
    if (this.keys !== null && this.keys.length === 0) {
      this.frame.problem(`No key selected in $${def.variable}: pick one above.`);
      return;
    }
    const keys: (string | null)[] = this.keys ?? [null];
    for (const key of this.keys ?? []) this.seriesOf(key);
    // From where the range starts, or (for a window longer than the chart keeps) from where its points would start.
    const { from, to } = context.range;
    try {
      const histories = await Promise.all(keys.map((key) => getRange(def.topic, from, to, key, def.maxPoints * (key === null ? MAX_SERIES_KEYS : 1))));
      if (this.disposed()) return;
      this.createChart();
      keys.forEach((key, i) => {
        for (const r of histories[i]!) this.add(r);
        // A range that ends now stays live; a fixed one is history only.
        if (to !== null) return;
        const spec = key === null ? { topic: def.topic, history: { since: from } } : { topic: def.topic, key, history: { since: from } };
        const sub = context.live.subscribe(spec, {
          record: (r) => this.add(r),
          error: (code, message) => (this.frame.note.textContent = `live updates failed: ${message} (${code})`),
        });
        sub.seen(histories[i]!);
        this.cleanups.push(() => sub.close());
      });
      if (to !== null) this.frame.note.textContent = '';
    } catch (error) {
      if (!this.disposed()) this.frame.problem((error as Error).message);
    }
  }

  private disposed(): boolean {
    return this.ended;
  }

  private seriesOf(key: string): Series[] | undefined {
    const out: Series[] = [];
    for (const field of this.def.fields) {
      const id = `${key}\u0000${field}`;
      let s = this.series.get(id);
      if (!s) {
        if (this.keys === null && !this.series.has(`${key}\u0000${this.def.fields[0]}`) && this.series.size / this.def.fields.length >= MAX_SERIES_KEYS) {
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
    if (r.key === null && this.keys === null) return;
    if (this.range.to !== null && (r.timestamp < this.range.from || r.timestamp > this.range.to)) return;
    const all = this.seriesOf(r.key ?? '');
    if (!all) return;
    for (const s of all) {
      const y = numberAt(r.value, s.field);
      if (y !== undefined) s.ring.push(r.timestamp, y);
    }
    this.invalidate();
  }

  private format(value: number | null): string {
    return value === null ? '–' : formatNumber(value, this.def.formats[this.def.fields[0]!], this.def.decimals);
  }

  private seriesOptions(s: Series): uPlot.Series {
    const index = [...this.series.values()].indexOf(s);
    const label = this.def.fields.length === 1 ? s.key : `${s.key} ${s.field}`;
    return { label, stroke: PALETTE[index % PALETTE.length]!, width: 1.5, spanGaps: true, points: { show: false }, value: (_u, v) => this.format(v) };
  }

  /** Threshold lines (dashed) and bands (from each value up to the next, faint): drawn under the series. */
  private drawThresholds(u: uPlot): void {
    const { thresholds } = this.def;
    if (thresholds.length === 0) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    thresholds.forEach((t, i) => {
      const y = u.valToPos(t.value, 'y', true);
      const next = thresholds[i + 1];
      const yNext = next === undefined ? top : u.valToPos(next.value, 'y', true);
      ctx.globalAlpha = 0.08;
      ctx.fillStyle = t.color;
      ctx.fillRect(left, Math.min(y, yNext), width, Math.abs(y - yNext));
      ctx.globalAlpha = 0.9;
      ctx.strokeStyle = t.color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    });
    ctx.restore();
  }

  private xRange(): [number, number] {
    const now = Date.now();
    return [this.range.from, this.range.to ?? now];
  }

  private createChart(): void {
    const width = Math.max(300, this.frame.body.clientWidth || 600);
    const thresholds = this.def.thresholds.map((t) => t.value);
    const opts: uPlot.Options = {
      width,
      height: HEIGHT,
      // Record timestamps are epoch milliseconds.
      ms: 1,
      scales: {
        x: { time: true, range: () => this.xRange() },
        // The thresholds stay in view: a line at 30 °C means little if the axis stops at 25.
        y: {
          range: (_u, min, max) => {
            const lo = Math.min(min ?? 0, ...thresholds);
            const hi = Math.max(max ?? 1, ...thresholds);
            const pad = (hi - lo) * 0.05 || 1;
            return [lo - pad, hi + pad];
          },
        },
      },
      axes: [{}, { size: 70, values: (_u, splits) => splits.map((v) => this.format(v)) }],
      series: [{}, ...[...this.series.values()].map((s) => this.seriesOptions(s))],
      legend: { live: false },
      hooks: { drawClear: [(u) => this.drawThresholds(u)] },
    };
    this.frame.body.replaceChildren();
    if (this.def.thresholds.length) this.frame.body.dataset.thresholds = this.def.thresholds.map((t) => `${t.value}:${t.color}`).join(',');
    this.chart = new uPlot(opts, [[], ...[...this.series.values()].map(() => [])], this.frame.body);
    const resize = new ResizeObserver(() => this.chart?.setSize({ width: Math.max(300, this.frame.body.clientWidth), height: HEIGHT }));
    resize.observe(this.frame.body);
    this.cleanups.push(() => resize.disconnect());
    // The time axis moves on when no record comes (a range that ends now).
    if (this.range.to === null) {
      const tick = setInterval(() => this.invalidate(), 5_000);
      this.cleanups.push(() => clearInterval(tick));
    }
    this.invalidate();
  }

  private render(): void {
    if (!this.chart) return;
    const data = alignSeries([...this.series.values()].map((s) => s.ring.arrays()));
    this.chart.setData(data as uPlot.AlignedData);
    this.element.dataset.points = String(this.points());
  }
}
