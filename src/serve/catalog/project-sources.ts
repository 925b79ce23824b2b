/**
 * Gathers a CatalogProject (src/catalog/project.ts) from what a server has: the access
 * layer (its log, and the modules that run now), the project root (module, rule and
 * dashboard files) and the registry. Read on each request, at most every REFRESH_MS, so
 * an edited rule or dashboard shows on the next reload and a page's several requests
 * share one read.
 *
 * Modules come from their files (that is where their file and sinks are known) and are
 * then overlaid with what the access layer runs now (doc, inputs, output), so a module
 * reloaded in `fastdata dev` shows as it runs; a running module with no file (handed over
 * in memory, as tests do) is listed too. Nothing here throws for a bad file: it becomes
 * one line in `problems`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { loadAlertRules } from '../../alerts/rules/index.js';
import { outputSchemaOf } from '../../alerts/runtime/schema-of.js';
import { ALERT_TOPICS } from '../../alerts/topic/topics.js';
import { repartitionTopic } from '../../stream/repartition.js';
import { repartitioningKeyBys } from '../../stream/topology.js';
import type { CatalogProject, ProjectDashboard, ProjectInput, ProjectModule, ProjectRule } from '../../catalog/project.js';
import { describeInput, writesDeadLetters } from '../../sources/declared/describe-source.js';
import { loadSources } from '../../sources/declared/load-sources.js';
import { sourceDeadLetterTopic } from '../../sources/source-writer.js';
import { formatProblem } from '../../config/validated-file.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { errorMessage } from '../../errors.js';
import type { Log } from '../../log/types.js';
import type { SchemaRegistry } from '../../schema/types.js';
import type { StreamModule } from '../../stream/define.js';
import { loadStreamModules } from '../../stream/module-loader.js';

const REFRESH_MS = 2_000;
const YAML_FILE = /\.ya?ml$/;

/** What the catalog needs of the access layer (AccessLayer has it). */
export interface RunningOutputs {
  readonly log: Log;
  outputs(): Promise<{ topic: string; module: string; doc: string; inputs: string[] }[]>;
  /** Topics fastdata writes besides module outputs (the alert topic); absent: the defaults. */
  otherOutputTopics?(): readonly { topic: string; module: string }[];
}

export interface ProjectSourceOptions {
  access: RunningOutputs;
  root: string;
  registry: SchemaRegistry;
}

/** The project's folders of modules and sources, as its configuration names them. */
async function projectFolders(root: string, problems: string[]): Promise<{ streams: string; sources: string }> {
  try {
    const { config } = await loadProjectConfig({ dir: root });
    return { streams: config.streams, sources: config.sources };
  } catch (error) {
    problems.push(`the project configuration cannot be read (${errorMessage(error)}); looking for modules in streams/ and sources in sources/`);
    return { streams: 'streams', sources: 'sources' };
  }
}

async function projectModules(root: string, streamsDir: string, problems: string[]): Promise<{ modules: StreamModule[]; files: Map<StreamModule, string> }> {
  const files = new Map<StreamModule, string>();
  try {
    const { streams, failures } = await loadStreamModules(join(root, streamsDir), root);
    for (const f of failures) problems.push(`${relative(root, f.file)}: ${errorMessage(f.error)}`);
    for (const s of streams) files.set(s.module, s.file);
  } catch (error) {
    problems.push(errorMessage(error));
  }
  return { modules: [...files.keys()], files };
}

function toProjectModule(m: StreamModule, file: string | null): ProjectModule {
  const table = m.output.sinks?.cassandra?.table;
  return {
    name: m.name,
    doc: m.doc,
    inputs: m.inputs.map((i) => i.topic),
    tables: m.tables.map((t) => t.topic),
    output: m.output.topic,
    schema: m.output.schema,
    sinks: table ? { cassandra: { table } } : {},
    repartitions: repartitionsOf(m),
    file,
  };
}

/** The module's repartition topics (with one input partition there is none in the log, but the graph shows where records would go). */
function repartitionsOf(m: StreamModule): string[] {
  try {
    return repartitioningKeyBys(m).map((keyBy) => repartitionTopic(m.name, keyBy));
  } catch {
    return []; // a pipeline that throws when built was reported when the module was loaded
  }
}

/** The file modules, overlaid with the running ones (see the header). */
async function modulesWithRunning(access: RunningOutputs, root: string, streamsDir: string, problems: string[]) {
  const { modules, files } = await projectModules(root, streamsDir, problems);
  const byName = new Map(modules.map((m) => [m.name, toProjectModule(m, files.get(m) ?? null)]));
  let running: Awaited<ReturnType<RunningOutputs['outputs']>> = [];
  try {
    running = await access.outputs();
  } catch (error) {
    problems.push(`the running outputs cannot be listed: ${errorMessage(error)}`);
  }
  for (const o of running) {
    if (o.module === 'alerts' && !byName.has('alerts')) continue; // the alert engine's topics: the rules stand for it
    const known = byName.get(o.module);
    byName.set(o.module, known ? { ...known, doc: o.doc, inputs: [...o.inputs], output: o.topic } : { name: o.module, doc: o.doc, inputs: [...o.inputs], tables: [], output: o.topic, schema: null, sinks: {}, repartitions: [], file: null });
  }
  return { modules: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)), streamModules: modules };
}

async function projectRules(root: string, modules: StreamModule[], registry: SchemaRegistry, problems: string[]): Promise<ProjectRule[]> {
  try {
    const loaded = await loadAlertRules(join(root, 'alerts'), outputSchemaOf(modules, root, registry), undefined);
    problems.push(...loaded.problems.map(formatProblem));
    return loaded.rules.map((r) => ({ name: r.name, description: r.description ?? null, source: r.source, severity: r.severity, receivers: [...r.receivers], file: r.file, line: r.line }));
  } catch (error) {
    problems.push(`the alert rules cannot be read: ${errorMessage(error)}`);
    return [];
  }
}

/**
 * The topics each dashboard reads, from its YAML alone: lineage is about what a dashboard
 * reads, valid or not (the dashboards API reports its problems).
 */
async function projectDashboards(root: string, problems: string[]): Promise<ProjectDashboard[]> {
  const dir = join(root, 'dashboards');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => YAML_FILE.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`dashboards/ cannot be read: ${errorMessage(error)}`);
    return [];
  }
  const dashboards: ProjectDashboard[] = [];
  for (const n of names) {
    const file = `dashboards/${n}`;
    try {
      const doc = parse(await readFile(join(dir, n), 'utf8')) as { title?: unknown; panels?: unknown; variables?: unknown } | null;
      const panels = Array.isArray(doc?.panels) ? (doc.panels as { topic?: unknown }[]) : [];
      // A variable's key selector reads its topic's keys: the dashboard reads that topic too.
      const variables = Array.isArray(doc?.variables) ? (doc.variables as { topic?: unknown }[]) : [];
      const topics = [...new Set([...panels, ...variables].map((p) => p?.topic).filter((t): t is string => typeof t === 'string'))];
      dashboards.push({ name: n.replace(YAML_FILE, ''), title: typeof doc?.title === 'string' ? doc.title : null, file, topics });
    } catch (error) {
      problems.push(`${file}: ${errorMessage(error)}`);
    }
  }
  return dashboards;
}

/** The declared sources of sources/*.yaml; a bad file is one line in problems. */
async function projectInputs(root: string, sourcesDir: string, problems: string[]): Promise<ProjectInput[]> {
  try {
    const loaded = await loadSources(root, join(root, sourcesDir));
    problems.push(...loaded.problems.map(formatProblem));
    return loaded.sources.map((s) => ({
      name: s.name,
      kind: s.kind,
      topic: s.topic,
      reads: describeInput(s),
      fromTopic: s.kafka?.format === 'json' ? (s.kafka.from ?? null) : null,
      schemaFile: s.schema.from === 'file' ? s.schema.path : null,
      key: s.key ?? null,
      time: s.time ?? null,
      file: s.definedIn,
      deadLetterTopic: writesDeadLetters(s) ? sourceDeadLetterTopic(s.name) : null,
    }));
  } catch (error) {
    problems.push(`${sourcesDir}/ cannot be read: ${errorMessage(error)}`);
    return [];
  }
}

export async function readProject(options: ProjectSourceOptions): Promise<CatalogProject> {
  const { access, root, registry } = options;
  const problems: string[] = [];
  const folders = await projectFolders(root, problems);
  const { modules, streamModules } = await modulesWithRunning(access, root, folders.streams, problems);
  const [inputs, rules, dashboards, topics] = await Promise.all([
    projectInputs(root, folders.sources, problems),
    projectRules(root, streamModules, registry, problems),
    projectDashboards(root, problems),
    access.log.listTopics().then(
      (list) => list.map((t) => ({ name: t.name, partitions: t.partitions })),
      (error: unknown) => {
        problems.push(`the log's topics cannot be listed: ${errorMessage(error)}`);
        return [];
      },
    ),
  ]);
  // The alert topic as this process names it (alerts.topicPrefix), else the default.
  const alertTopic = access.otherOutputTopics?.().find((o) => o.module === 'alerts')?.topic ?? ALERT_TOPICS.events;
  return { root, modules, rules, dashboards, inputs, topics, alertTopic, problems };
}

/** readProject, at most every REFRESH_MS (concurrent callers share one read). */
export function projectSource(options: ProjectSourceOptions): () => Promise<CatalogProject> {
  let last: { at: number; project: Promise<CatalogProject> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > REFRESH_MS) {
      const project = readProject(options);
      last = { at: Date.now(), project };
      project.catch(() => (last = undefined));
    }
    return last.project;
  };
}
