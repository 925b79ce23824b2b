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
}
