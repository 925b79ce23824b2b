/**
 * Geometry of an SVG path as the browser draws it, for layout tests: the path's `M`, `L`
 * and `C` commands (absolute, as the lineage graph writes them) flattened into short
 * straight pieces, and whether a straight piece enters the inside of a rectangle.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
type Point = [number, number];

/** The path as a polyline: each cubic Bézier sampled at `steps` points (the curve is within a hair of its chords). */
export function flatten(d: string, steps = 64): Point[] {
  const tokens = d.match(/[MLC]|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? [];
  const points: Point[] = [];
  let i = 0;
  const num = () => Number(tokens[i++]);
  while (i < tokens.length) {
    const command = tokens[i++];
    if (command === 'M' || command === 'L') points.push([num(), num()]);
    else if (command === 'C') {
      const p0 = points[points.length - 1]!;
      const p1: Point = [num(), num()];
      const p2: Point = [num(), num()];
      const p3: Point = [num(), num()];
      for (let s = 1; s <= steps; s++) {
        const t = s / steps;
        const u = 1 - t;
        const at = (k: 0 | 1) => u * u * u * p0[k] + 3 * u * u * t * p1[k] + 3 * u * t * t * p2[k] + t * t * t * p3[k];
        points.push([at(0), at(1)]);
      }
    } else throw new Error(`path command ${command} not handled in ${d}`);
  }
  return points;
}

/** Whether the segment a-b passes through the inside of `r` (touching its border does not count), by Liang–Barsky clipping. */
export function segmentEntersRect(a: Point, b: Point, r: Rect, inset = 0.5): boolean {
  const [x0, y0] = a;
  const dx = b[0] - x0;
  const dy = b[1] - y0;
  const left = r.x + inset;
  const right = r.x + r.width - inset;
  const top = r.y + inset;
  const bottom = r.y + r.height - inset;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [[-dx, x0 - left], [dx, right - x0], [-dy, y0 - top], [dy, bottom - y0]] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/** The rectangles (by name) that the drawn path passes through. */
export function rectsCrossed(d: string, rects: Map<string, Rect>): string[] {
  const line = flatten(d);
  const crossed = new Set<string>();
  for (let i = 1; i < line.length; i++) for (const [name, r] of rects) if (segmentEntersRect(line[i - 1]!, line[i]!, r)) crossed.add(name);
  return [...crossed];
}
