/**
 * The lineage graph's layout as the page draws it: no edge passes under a box it does not
 * connect. Checked on the demo project's lineage (read from its files) and on random DAGs,
 * with the geometry computed here from the layout's coordinates: each node's rectangle,
 * and each edge's drawn SVG path (edgePath, as web/catalog-graph.ts draws it) flattened
 * and clipped against every rectangle but its two ends. Before, 7 of the demo's 24 edges
 * ran under boxes, `sensor.stats -> fleet` under four of them.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLineage } from '../../../src/catalog/lineage.js';
import { DEFAULT_LAYOUT, edgePath, type Layout, layoutLineage } from '../../../src/catalog/lineage-layout.js';
import type { LineageGraph } from '../../../src/catalog/types.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { readProject } from '../../../src/serve/catalog/project-sources.js';
import { type Rect, rectsCrossed } from '../../helpers/svg-path-geometry.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const { nodeWidth: w, nodeHeight: h } = DEFAULT_LAYOUT;

/** `from -> to: under <ids>` for each edge whose drawn path enters a box other than its ends. */
function edgesUnderBoxes(graph: LineageGraph, layout: Layout): string[] {
  const rects = new Map<string, Rect>(layout.nodes.map((n) => [n.id, { x: n.x, y: n.y, width: w, height: h }]));
  const found: string[] = [];
  for (const e of layout.edges) {
    const others = new Map([...rects].filter(([id]) => id !== e.from && id !== e.to));
    const crossed = rectsCrossed(edgePath(e.points), others);
    if (crossed.length > 0) found.push(`${e.from} -> ${e.to}: under ${crossed.join(', ')}`);
  }
  expect(layout.edges.map((e) => `${e.from} -> ${e.to}`).sort()).toEqual(graph.edges.map((e) => `${e.from} -> ${e.to}`).sort());
  return found;
}

/** Boxes that overlap one another. */
function overlappingBoxes(layout: Layout): string[] {
  const found: string[] = [];
  for (const a of layout.nodes) for (const b of layout.nodes) if (a.id < b.id && Math.abs(a.x - b.x) < w && Math.abs(a.y - b.y) < h) found.push(`${a.id} / ${b.id}`);
  return found;
}

describe('lineage layout', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let graph: LineageGraph;

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    graph = buildLineage(await readProject({ access: { log, outputs: async () => [] }, root: repo, registry }));
  });
  afterAll(async () => {
    await log?.close();
    await registry?.close();
    await dir?.remove();
  });

  it("draws no edge of the demo's lineage under a box it does not connect (sensor.stats -> fleet among them)", () => {
    const layout = layoutLineage(graph);
    expect(layout.edges.find((e) => e.from === 'topic:sensor.stats' && e.to === 'dashboard:fleet')).toBeDefined();
    expect(edgesUnderBoxes(graph, layout)).toEqual([]);
    expect(overlappingBoxes(layout)).toEqual([]);
  });

  it('starts each edge on its source\'s right side and ends it on its target\'s left side, inside the drawing', () => {
    const layout = layoutLineage(graph);
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const e of layout.edges) {
      const a = at.get(e.from)!;
      const b = at.get(e.to)!;
      expect(e.points[0]).toEqual({ x: a.x + w, y: a.y + h / 2 });
      expect(e.points.at(-1)).toEqual({ x: b.x, y: b.y + h / 2 });
      for (const p of e.points) expect(p.x >= 0 && p.x <= layout.width && p.y >= 0 && p.y <= layout.height, `${e.from} -> ${e.to}`).toBe(true);
    }
  });

  it('keeps every edge clear of other boxes on random DAGs', () => {
    const dag = fc
      .integer({ min: 2, max: 18 })
      .chain((n) => fc.tuple(fc.constant(n), fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: 40, selector: ([a, b]) => `${a}-${b}` })));
    fc.assert(
      fc.property(dag, ([n, pairs]) => {
        const nodes = Array.from({ length: n }, (_, i) => ({ id: `module:m${i}`, kind: 'module' as const, label: `m${i}` }));
        // Edges from a lower to a higher number: a DAG.
        const edges = pairs.filter(([a, b]) => a < b).map(([a, b]) => ({ from: `module:m${a}`, to: `module:m${b}` }));
        const g = { nodes, edges };
        const layout = layoutLineage(g);
        expect(edgesUnderBoxes(g, layout)).toEqual([]);
        expect(overlappingBoxes(layout)).toEqual([]);
      }),
      { numRuns: 200, seed: 17 },
    );
  });
});
