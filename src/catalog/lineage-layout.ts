/**
 * A layered layout of the lineage graph for the page's SVG, written here rather than
 * taken from a graph library: the graph is a small DAG (a project has tens of nodes), and
 * a longest-path layering with one barycentre pass reads well at that size.
 *
 * - Layer of a node: 0 for a node nothing flows into, else one more than its deepest
 *   predecessor, so data always flows left to right (sources, modules, outputs, then
 *   the modules, rules, dashboards and sinks that read them).
 * - Order within a layer: by the mean position of the predecessors (fewer crossings),
 *   then by kind and name, so the same graph is always drawn the same way.
 *
 * A cycle cannot come from a valid project (modules are ordered, rules write only the
 * alert topic); should one appear, the nodes on it stay in layer 0 rather than loop.
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

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 170, nodeHeight: 34, columnGap: 70, rowGap: 18 };

export interface Layout {
  nodes: PlacedNode[];
  width: number;
  height: number;
}

export function layoutLineage(graph: LineageGraph, options: LayoutOptions = DEFAULT_LAYOUT): Layout {
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

  const layers: LineageNode[][] = [];
  for (const n of graph.nodes) (layers[layer.get(n.id)!] ??= []).push(n);
  const row = new Map<string, number>();
  for (const nodes of layers) {
    if (!nodes) continue;
    const centre = (n: LineageNode) => {
      const rows = (preds.get(n.id) ?? []).map((p) => row.get(p)).filter((r): r is number => r !== undefined);
      return rows.length === 0 ? Number.POSITIVE_INFINITY : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    // graph.nodes is sorted by kind and name already; sort is stable, so ties keep that order.
    const ordered = nodes.map((n) => ({ n, c: centre(n) })).sort((a, b) => a.c - b.c);
    ordered.forEach(({ n }, i) => row.set(n.id, i));
  }

  const { nodeWidth, nodeHeight, columnGap, rowGap } = options;
  const placed = graph.nodes.map((n) => {
    const l = layer.get(n.id)!;
    const r = row.get(n.id)!;
    return { ...n, layer: l, row: r, x: l * (nodeWidth + columnGap), y: r * (nodeHeight + rowGap) };
  });
  const columns = layers.length;
  const rows = Math.max(0, ...layers.map((l) => l?.length ?? 0));
  return {
    nodes: placed,
    width: Math.max(0, columns * nodeWidth + (columns - 1) * columnGap),
    height: Math.max(0, rows * nodeHeight + (rows - 1) * rowGap),
  };
}
