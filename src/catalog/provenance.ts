/**
 * "How was this made": for an output topic, the module (or the alert rules) that writes
 * it, its inputs with the schema version each is read at now, the output's registered
 * schema versions, the code version (git), the model files it scores with (their SHA-256),
 * and what the output feeds.
 */
import { join, relative } from 'node:path';
import { FastdataError } from '../errors.js';
import { valueSubject, type SchemaRegistry } from '../schema/types.js';
import { catalogModule, catalogRules } from './build-catalog.js';
import { codeVersion } from './code-version.js';
import { buildLineage, topicId, writtenTopics } from './lineage.js';
import { modelFilesOf } from '../models/onnx/model-files.js';
import type { CatalogProject } from './project.js';
import type { CodeVersion, Provenance } from './types.js';

async function latestOf(registry: SchemaRegistry, subject: string) {
  try {
    const s = await registry.getLatest(subject);
    return { subject, version: s.version, id: s.id };
  } catch {
    return null; // not registered (yet): a source written as plain bytes, or a module not started
  }
}

async function versionsOf(registry: SchemaRegistry, subject: string) {
  let numbers: number[];
  try {
    numbers = [...(await registry.listVersions(subject))].sort((a, b) => a - b);
  } catch {
    return [];
  }
  return Promise.all(numbers.map(async (version) => ({ version, id: (await registry.getVersion(subject, version)).id })));
}

export interface ProvenanceOptions {
  /** The code version of a file or folder; default: git (code-version.ts). Tests replace it. */
  codeVersion?: (path: string) => Promise<CodeVersion | null>;
}

export async function provenance(project: CatalogProject, registry: SchemaRegistry, topic: string, options: ProvenanceOptions = {}): Promise<Provenance> {
  const versionOf = options.codeVersion ?? codeVersion;
  const written = writtenTopics(project);
  const module = project.modules.find((m) => m.output === topic);
  const rules = topic === project.alertTopic ? catalogRules(project) : [];
  if (!module && rules.length === 0) {
    throw new FastdataError(
      'FD_TOPIC_NOT_FOUND',
      `${JSON.stringify(topic)} is not an output of this project (no module or alert rule writes it); the outputs are ${[...written].sort().join(', ') || '(none)'}`,
      { context: { topic, field: 'topic' } },
    );
  }
  const inputTopics = module ? [...module.inputs, ...module.tables] : [...new Set(rules.map((r) => r.source))].sort();
  const writerOf = (t: string) => project.modules.find((m) => m.output === t)?.name ?? (written.has(t) ? 'alerts' : null);
  const inputs = await Promise.all(
    inputTopics.map(async (t) => ({ topic: t, role: written.has(t) ? ('output' as const) : ('source' as const), writer: writerOf(t), schema: await latestOf(registry, valueSubject(t)) })),
  );
  const subject = valueSubject(topic);
  const versions = await versionsOf(registry, subject);
  const graph = buildLineage(project);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const feeds = graph.edges.filter((e) => e.from === topicId(topic)).map((e) => byId.get(e.to)!);
  const code = module ? (module.file ? await versionOf(module.file) : null) : await versionOf(join(project.root, 'alerts'));
  return {
    topic,
    writer: module ? { kind: 'module', module: catalogModule(project, module) } : { kind: 'rules', rules },
    inputs,
    schema: { subject, versions, latest: versions.at(-1)?.version ?? null, file: module && typeof module.schema === 'string' ? module.schema : null },
    code,
    // The model files it scores with: their hash names what runs, as the code version names its code.
    models: module?.file ? modelFilesOf(module.file).map((m) => ({ file: relative(project.root, m.file) || m.file, sha256: m.sha256, bytes: m.bytes, loadedAt: m.loadedAt })) : [],
    feeds,
  };
}
