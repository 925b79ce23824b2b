/**
 * The lineage graph as SVG: nodes placed by src/catalog/lineage-layout.ts (layers left to
 * right), edges along the routes it gives them (curves between columns, through free rows
 * of the columns a long edge crosses). Each node
 * is a <g class="node kind-…" data-id="…">, each edge a <path class="edge" data-from data-to>,
 * so the browser test counts them and the CSS colours them by kind.
 */
import { DEFAULT_LAYOUT, edgePath, layoutLineage } from '../src/catalog/lineage-layout.js';
import type { LineageGraph } from '../src/catalog/types.js';

const SVG = 'http://www.w3.org/2000/svg';
const PAD = 12;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/** Shortens a label to what fits in a node box (the full name is in the tooltip). */
const fit = (label: string, max = 22) => (label.length > max ? `${label.slice(0, max - 1)}…` : label);

export function drawLineage(graph: LineageGraph, onSelect: (id: string) => void): SVGSVGElement {
  const { nodeWidth: w, nodeHeight: h } = DEFAULT_LAYOUT;
  const layout = layoutLineage(graph);
  const root = svg('svg', { class: 'lineage', width: layout.width + 2 * PAD, height: layout.height + 2 * PAD, viewBox: `${-PAD} ${-PAD} ${layout.width + 2 * PAD} ${layout.height + 2 * PAD}`, role: 'img' });
  root.append(svg('title', {}));
  root.querySelector('title')!.textContent = 'Lineage: sources, modules, outputs, rules, dashboards and sinks';
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);

  const edges = svg('g', { class: 'edges' });
  // Each edge along its route: a long one through free rows of the layers it crosses, never under a box (lineage-layout.ts).
  for (const e of layout.edges) {
    edges.append(svg('path', { class: 'edge', d: edgePath(e.points), 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to }));
  }
  root.append(edges);

  const nodes = svg('g', { class: 'nodes' });
  for (const n of layout.nodes) {
    const g = svg('g', { class: `node kind-${n.kind}`, 'data-id': n.id, transform: `translate(${n.x} ${n.y})`, tabindex: 0 });
    const tip = svg('title', {});
    tip.textContent = `${n.kind}: ${n.label}`;
    const text = svg('text', { x: w / 2, y: h / 2 + 4, 'text-anchor': 'middle' });
    text.textContent = fit(n.label);
    g.append(tip, svg('rect', { width: w, height: h, rx: n.kind === 'module' || n.kind === 'rule' ? 6 : 16 }), text);
    g.addEventListener('click', () => onSelect(n.id));
    g.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') onSelect(n.id);
    });
    nodes.append(g);
  }
  root.append(nodes);
  return root;
}
