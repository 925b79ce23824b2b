/**
 * A fixed-capacity ring of (x, y) points: pushing past capacity overwrites the oldest, so
 * a chart left open for hours holds the same memory as after its first minutes.
 */
export class PointRing {
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(x: number, y: number): void {
    const at = (this.start + this.count) % this.capacity;
    this.xs[at] = x;
    this.ys[at] = y;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The points oldest first, sorted by x (records of one key may arrive out of time order). */
  points(): { x: number; y: number }[] {
    const out: { x: number; y: number }[] = [];
    let sorted = true;
    for (let i = 0; i < this.count; i++) {
      const at = (this.start + i) % this.capacity;
      const point = { x: this.xs[at]!, y: this.ys[at]! };
      if (out.length > 0 && point.x < out[out.length - 1]!.x) sorted = false;
      out.push(point);
    }
    if (!sorted) out.sort((a, b) => a.x - b.x);
    return out;
  }

  /** The points as two arrays sorted by x, without an object per point (what the chart draws every frame). */
  arrays(): { xs: Float64Array; ys: Float64Array } {
    const xs = new Float64Array(this.count);
    const ys = new Float64Array(this.count);
    let sorted = true;
    for (let i = 0; i < this.count; i++) {
      const at = (this.start + i) % this.capacity;
      xs[i] = this.xs[at]!;
      ys[i] = this.ys[at]!;
      if (i > 0 && xs[i]! < xs[i - 1]!) sorted = false;
    }
    if (sorted) return { xs, ys };
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
    return { xs: Float64Array.from(order, (i) => xs[i]!), ys: Float64Array.from(order, (i) => ys[i]!) };
  }
}
