/**
 * The catalog of a project: every topic (source, output, internal), module, alert rule,
 * dashboard, sink and schema subject, with the lineage graph. Built from a CatalogProject
 * (plain data) and the registry's subjects and versions.
 */
import { relative } from 'node:path';
import { valueSubject, type SchemaRegistry } from '../schema/types.js';
import { buildLineage, writtenTopics } from './lineage.js';
import { renderMarkdown } from './markdown.js';
import { isInternalTopic, type CatalogProject, type ProjectModule } from './project.js';
import type { Catalog, CatalogModule, CatalogRule, CatalogSchemaSummary, CatalogSink, CatalogTopic } from './types.js';

export const codeUrl = (module: string) => `/api/catalog/modules/${encodeURIComponent(module)}/code`;

export function catalogModule(project: CatalogProject, m: ProjectModule): CatalogModule {
  return {
    name: m.name,
    doc: m.doc,
    docHtml: renderMarkdown(m.doc),
    inputs: [...m.inputs],
    tables: [...m.tables],
    output: m.output,
    schemaFile: typeof m.schema === 'string' ? m.schema : null,
    file: m.file ? relative(project.root, m.file) || m.file : null,
    codeUrl: m.file ? codeUrl(m.name) : null,
    sinks: sinksOf(m),
  };
}

export function sinksOf(m: ProjectModule): CatalogSink[] {
  return m.sinks.cassandra ? [{ kind: 'cassandra', table: m.sinks.cassandra.table, topic: m.output, module: m.name }] : [];
}

export function catalogRules(project: CatalogProject): CatalogRule[] {
  return project.rules.map((r) => ({ ...r, output: project.alertTopic }));
}

/** Subjects and their versions; a registry that cannot be read leaves the list empty and says so. */
async function schemaSummaries(registry: SchemaRegistry, problems: string[]): Promise<CatalogSchemaSummary[]> {
  let subjects: string[];
  try {
    subjects = (await registry.listSubjects()).sort();
  } catch (error) {
    problems.push(`the schema registry cannot be read: ${(error as Error).message}`);
    return [];
  }
  return Promise.all(
    subjects.map(async (subject) => {
      const versions = await registry.listVersions(subject).catch(() => [] as number[]);
      const latest = await registry.getLatest(subject).then((s) => ({ version: s.version, id: s.id })).catch(() => null);
      return { subject, versions, latest };
    }),
  );
}

export async function buildCatalog(project: CatalogProject, registry: SchemaRegistry): Promise<Catalog> {
  const problems = [...project.problems];
  const schemas = await schemaSummaries(registry, problems);
  const versionsOf = new Map(schemas.map((s) => [s.subject, s.versions]));
  const written = writtenTopics(project);
  const writers = new Map(project.modules.map((m) => [m.output, m.name]));
  if (project.rules.length > 0) writers.set(project.alertTopic, 'alerts');
  for (const input of project.inputs) if (!writers.has(input.topic)) writers.set(input.topic, `source ${input.name}`);
  const readers = new Map<string, string[]>();
  const read = (topic: string, by: string) => readers.set(topic, [...(readers.get(topic) ?? []), by]);
  for (const m of project.modules) for (const input of [...m.inputs, ...m.tables]) read(input, m.name);
  for (const m of project.modules) {
    for (const topic of m.repartitions) {
      writers.set(topic, m.name);
      read(topic, m.name);
    }
  }
  for (const r of project.rules) read(r.source, `rule ${r.name}`);
  for (const input of project.inputs) if (input.fromTopic) read(input.fromTopic, `source ${input.name}`);
  // Every reader, not only the processing ones: a dashboard and a sink depend on the topic as much as a module does.
  for (const d of project.dashboards) for (const topic of d.topics) read(topic, `dashboard ${d.name}`);
  for (const m of project.modules) for (const sink of sinksOf(m)) read(sink.topic, `sink ${sink.kind} ${sink.table}`);

  const inputTopics = new Set(project.inputs.map((i) => i.topic));
  const partitions = new Map(project.topics.map((t) => [t.name, t.partitions]));
  const names = new Set([...project.topics.map((t) => t.name), ...written, ...readers.keys(), ...project.inputs.map((i) => i.topic)]);
  const topics: CatalogTopic[] = [...names]
    .filter((name) => !name.startsWith('__'))
    .sort()
    .map((name) => ({
      name,
      role: isInternalTopic(name, project.alertTopic) ? 'internal' : written.has(name) ? 'output' : readers.has(name) || inputTopics.has(name) ? 'source' : 'other',
      partitions: partitions.get(name) ?? null,
      writer: writers.get(name) ?? null,
      readers: readers.get(name) ?? [],
      subject: valueSubject(name),
      schemaVersions: versionsOf.get(valueSubject(name)) ?? [],
    }));

  const modules = project.modules.map((m) => catalogModule(project, m)).sort((a, b) => a.name.localeCompare(b.name));
  return {
    inputs: project.inputs.map((i) => ({ ...i })),
    topics,
    modules,
    rules: catalogRules(project),
    dashboards: project.dashboards.map((d) => ({ ...d, url: `/dashboards/${encodeURIComponent(d.name)}` })),
    sinks: modules.flatMap((m) => m.sinks),
    schemas,
    lineage: buildLineage(project),
    problems,
  };
}
