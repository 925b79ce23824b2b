/**
 * A layered layout of the lineage graph for the page's SVG, written here rather than
 * taken from a graph library: the graph is a small DAG (a project has tens of nodes), and
 * a longest-path layering with barycentre ordering reads well at that size.
 *
 * - Layer of a node: 0 for a node nothing flows into, else one more than its deepest
 *   predecessor, so data always flows left to right (sources, modules, outputs, then
 *   the modules, rules, dashboards and sinks that read them).
 * - An edge that spans several layers (`sensor.stats -> fleet`, from layer 3 to 8) gets a
 *   waypoint in each layer it crosses, and each waypoint holds a row of its layer as a
 *   box would: the edge runs through that free row, never under a box it does not
 *   connect. (Drawn as one curve from end to end, it passed behind every box on the way.)
 * - Order within a layer: by the mean row of the predecessors (fewer crossings), swept
 *   down, up and down again, ties by kind and name, so the same graph is always drawn the
 *   same way.
 *
 * An edge's route is its points: the source's right side, then for each layer crossed the
 * left and right end of its row there, then the target's left side. `edgePath` draws it:
 * curves with horizontal ends in the gaps between columns, straight lines across the
 * columns. Between columns there is no box, and across a column the row is the edge's own.
 *
 * A cycle cannot come from a valid project (modules are ordered, rules write only the
 * alert topic); should one appear, the nodes on it stay in layer 0 rather than loop, and
 * an edge that does not go rightwards is drawn straight from end to end.
 * Imports nothing: web/catalog-graph.ts bundles it.
 */
import type { LineageGraph, LineageNode } from './types.js';

export interface PlacedNode extends LineageNode {
  layer: number;
  /** Position within the layer, from the top. */
  row: number;
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** Start (the source's right side), two points per layer crossed (its row's left and right end), end (the target's left side). */
  points: Point[];
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 170, nodeHeight: 34, columnGap: 70, rowGap: 18 };

export interface Layout {
  nodes: PlacedNode[];
  edges: RoutedEdge[];
  width: number;
  height: number;
}

/** A slot of a layer: a node, or the waypoint of a long edge there (id `edge#<n>@<layer>`). */
interface Slot {
  id: string;
  preds: string[];
  succs: string[];
}

function layersOf(graph: LineageGraph): Map<string, number> {
  const preds = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) preds.get(e.to)?.push(e.from);
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const layerOf = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle: see above
    visiting.add(id);
    const l = Math.max(-1, ...(preds.get(id) ?? []).map(layerOf)) + 1;
    visiting.delete(id);
    layer.set(id, l);
    return l;
  };
  graph.nodes.forEach((n) => layerOf(n.id));
  return layer;
}

/** Rows within each layer by the barycentre of the neighbours on the side `by` (stable: ties keep their order). */
function sweep(layers: Slot[][], row: Map<string, number>, by: 'preds' | 'succs'): void {
  const order = by === 'preds' ? layers : [...layers].reverse();
  for (const slots of order) {
    const centre = (s: Slot) => {
      const rows = s[by].map((id) => row.get(id)).filter((r): r is number => r !== undefined);
      return rows.length === 0 ? row.get(s.id)! : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    const ordered = slots.map((s) => ({ s, c: centre(s) })).sort((a, b) => a.c - b.c);
    ordered.forEach(({ s }, i) => {
      slots[i] = s;
      row.set(s.id, i);
    });
  }
}

export function layoutLineage(graph: LineageGraph, options: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const layer = layersOf(graph);
  const slots = new Map<string, Slot>(graph.nodes.map((n) => [n.id, { id: n.id, preds: [], succs: [] }]));
  const link = (from: string, to: string) => {
    slots.get(from)!.succs.push(to);
    slots.get(to)!.preds.push(from);
  };
  // Each edge as a chain through one waypoint per layer it crosses.
  const chains = graph.edges
    .filter((e) => slots.has(e.from) && slots.has(e.to))
    .map((e, n) => {
      const waypoints: string[] = [];
      for (let l = layer.get(e.from)! + 1; l < layer.get(e.to)!; l++) {
        const id = `edge#${n}@${l}`;
        slots.set(id, { id, preds: [], succs: [] });
        layer.set(id, l);
        waypoints.push(id);
      }
      [e.from, ...waypoints, e.to].reduce((a, b) => (link(a, b), b));
      return { edge: e, waypoints };
    });

  // graph.nodes is sorted by kind and name, and waypoints come after the nodes: the first order of each layer.
  const layers: Slot[][] = [];
  for (const slot of slots.values()) (layers[layer.get(slot.id)!] ??= []).push(slot);
  for (let l = 0; l < layers.length; l++) layers[l] ??= [];
  const row = new Map<string, number>();
  for (const slotsOfLayer of layers) slotsOfLayer.forEach((s, i) => row.set(s.id, i));
  sweep(layers, row, 'preds');
  sweep(layers, row, 'succs');
  sweep(layers, row, 'preds');

  const { nodeWidth, nodeHeight, columnGap, rowGap } = options;
  const xOf = (l: number) => l * (nodeWidth + columnGap);
  const yOf = (r: number) => r * (nodeHeight + rowGap);
  const placed = graph.nodes.map((n) => ({ ...n, layer: layer.get(n.id)!, row: row.get(n.id)!, x: xOf(layer.get(n.id)!), y: yOf(row.get(n.id)!) }));
  const at = new Map(placed.map((n) => [n.id, n]));
  const edges = chains.map(({ edge, waypoints }) => {
    const a = at.get(edge.from)!;
    const b = at.get(edge.to)!;
    const middle = waypoints.flatMap((id) => {
      const y = yOf(row.get(id)!) + nodeHeight / 2;
      return [{ x: xOf(layer.get(id)!), y }, { x: xOf(layer.get(id)!) + nodeWidth, y }];
    });
    return { from: edge.from, to: edge.to, points: [{ x: a.x + nodeWidth, y: a.y + nodeHeight / 2 }, ...middle, { x: b.x, y: b.y + nodeHeight / 2 }] };
  });
  const columns = layers.length;
  const rows = Math.max(0, ...layers.map((l) => l.length));
  return {
    nodes: placed,
    edges,
    width: Math.max(0, columns * nodeWidth + (columns - 1) * columnGap),
    height: Math.max(0, rows * nodeHeight + (rows - 1) * rowGap),
  };
}

/**
 * The SVG path of a route: from each point to the next, a curve with horizontal ends when
 * it goes rightwards from one column to the next (it stays in the gap between them), a
 * straight line along a row of a column (its waypoint), and a straight line otherwise.
 */
export function edgePath(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M ${first.x} ${first.y}`;
  let from = first;
  for (const to of rest) {
    if (to.y === from.y || to.x <= from.x) d += ` L ${to.x} ${to.y}`;
    else {
      const bend = (to.x - from.x) / 2;
      d += ` C ${from.x + bend} ${from.y}, ${to.x - bend} ${to.y}, ${to.x} ${to.y}`;
    }
    from = to;
  }
  return d;
}
