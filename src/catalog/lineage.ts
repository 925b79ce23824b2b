/**
 * The lineage graph of a project: declared sources into their topics, source topics into modules (and into the modules'
 * repartition topics, which lead into the module too), modules into their output topics, outputs into further modules, alert rules (and the rules into the alert topic),
 * dashboards and sinks. Node ids are `<kind>:<name>` so a module and a topic of the same
 * name never collide; the order is stable (by kind, then name) so tests and the page see
 * the same graph every time.
 */
import type { LineageEdge, LineageGraph, LineageKind, LineageNode } from './types.js';
import type { CatalogProject } from './project.js';

export const inputId = (name: string) => `input:${name}`;
export const topicId = (topic: string) => `topic:${topic}`;
export const moduleId = (name: string) => `module:${name}`;
export const ruleId = (name: string) => `rule:${name}`;
export const dashboardId = (name: string) => `dashboard:${name}`;
export const sinkId = (kind: string, table: string) => `sink:${kind}:${table}`;

const KIND_ORDER: Record<LineageKind, number> = { input: 0, source: 1, internal: 2, module: 3, output: 4, rule: 5, dashboard: 6, sink: 7 };

/** The topics some module or rule writes. */
export function writtenTopics(project: CatalogProject): Set<string> {
  const written = new Set(project.modules.map((m) => m.output));
  if (project.rules.length > 0) written.add(project.alertTopic);
  return written;
}

export function buildLineage(project: CatalogProject): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const written = writtenTopics(project);
  const topic = (name: string) => {
    const id = topicId(name);
    if (!nodes.has(id)) nodes.set(id, { id, kind: written.has(name) ? 'output' : 'source', label: name });
    return id;
  };
  const node = (id: string, kind: LineageKind, label: string) => {
    if (!nodes.has(id)) nodes.set(id, { id, kind, label });
    return id;
  };
  const edge = (from: string, to: string) => edges.set(`${from}\u0000${to}`, { from, to });

  for (const input of project.inputs) {
    const id = node(inputId(input.name), 'input', `${input.kind} ${input.name}`);
    if (input.fromTopic) edge(topic(input.fromTopic), id);
    edge(id, topic(input.topic));
  }
  for (const m of project.modules) {
    const id = node(moduleId(m.name), 'module', m.name);
    for (const input of m.inputs) edge(topic(input), id);
    for (const table of m.tables) edge(topic(table), id);
    // A repartition topic: the inputs' records whose key another task owns reach it through it.
    for (const internal of m.repartitions) {
      const via = node(topicId(internal), 'internal', internal);
      for (const input of m.inputs) edge(topic(input), via);
      edge(via, id);
    }
    edge(id, topic(m.output));
    if (m.sinks.cassandra) edge(topic(m.output), node(sinkId('cassandra', m.sinks.cassandra.table), 'sink', `cassandra ${m.sinks.cassandra.table}`));
  }
  for (const r of project.rules) {
    const id = node(ruleId(r.name), 'rule', r.name);
    edge(topic(r.source), id);
    edge(id, topic(project.alertTopic));
  }
  for (const d of project.dashboards) {
    const id = node(dashboardId(d.name), 'dashboard', d.name);
    for (const t of d.topics) edge(topic(t), id);
  }

  const sortedNodes = [...nodes.values()].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.label.localeCompare(b.label));
  const sortedEdges = [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return { nodes: sortedNodes, edges: sortedEdges };
}
