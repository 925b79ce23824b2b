/**
 * Loads `dashboards/*.yaml`: each file's shape (TypeBox + Ajv through validated-file), then
 * its topics and fields against the registered schemas of the output topics. Every
 * problem names the file, the line and the field; a bad file is reported with its
 * problems and does not stop the others.
 *
 * Called on each request rather than once at start: the output topics appear only once
 * their modules have started (after the server), and an edited file shows at the next
 * reload of the page.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { parseAndValidate, type Problem } from '../../config/validated-file.js';
import { errorMessage } from '../../errors.js';
import type { DashboardDef } from './definition.js';
import { checkPanel, fieldsOfSchema, type TopicFields } from './field-check.js';
import { toPanelDef } from './normalize.js';
import { DashboardOutline, dashboardSchemaFor, type PanelFile } from './schema.js';
import { yamlLocator } from '../../config/yaml-position.js';

/** What the loader needs of the access layer (AccessLayer has it); tests pass the demo schemas. */
export interface OutputCatalog {
  outputs(): Promise<{ topic: string }[]>;
  schema(topic: string): Promise<{ avro: Record<string, unknown> }>;
}

export interface DashboardEntry {
  /** The file name without `.yaml`: the page is /dashboards/<name>. */
  name: string;
  /** As problems name it: relative to the project, `dashboards/fleet.yaml`. */
  file: string;
  title: string | null;
  /** Null when the file has problems. */
  definition: DashboardDef | null;
  problems: Problem[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const EXTENSION = /\.ya?ml$/;

/** The fields of every output topic's latest registered schema. */
export async function topicFields(catalog: OutputCatalog): Promise<TopicFields> {
  const topics: TopicFields = new Map();
  for (const { topic } of await catalog.outputs()) {
    try {
      topics.set(topic, fieldsOfSchema((await catalog.schema(topic)).avro));
    } catch (error) {
      topics.set(topic, errorMessage(error));
    }
  }
  return topics;
}

/** Checks one dashboard's text (named `file` in problems) against the output topics. */
export function checkDashboard(file: string, text: string, topics: TopicFields): DashboardEntry {
  const name = basename(file).replace(EXTENSION, '');
  const entry: DashboardEntry = { name, file, title: null, definition: null, problems: [] };
  if (!NAME.test(name)) {
    entry.problems.push({ file, field: '(file)', message: 'name the file with letters, digits, - and _ only (at most 64): it becomes the address /dashboards/<name>' });
    return entry;
  }
  const outline = parseAndValidate(file, text, DashboardOutline);
  const value = outline.value as { title?: unknown; panels?: { kind?: unknown }[] } | undefined;
  if (value && typeof value.title === 'string') entry.title = value.title;
  if (outline.problems.length > 0) {
    // A YAML syntax error comes with follow-on errors at the same place: the first one says it.
    const syntax = outline.problems.filter((p) => p.field === '(file)' && p.line !== undefined);
    entry.problems = syntax.length > 0 ? syntax.slice(0, 1) : outline.problems;
    return entry;
  }
  const kinds = outline.value.panels.map((p) => p.kind);
  const full = parseAndValidate(file, text, dashboardSchemaFor(kinds));
  if (full.problems.length > 0) {
    entry.problems = full.problems;
    return entry;
  }
  const dashboard = full.value as { title: string; description?: string; panels: PanelFile[] };
  const locate = yamlLocator(text);
  entry.problems = dashboard.panels.flatMap((panel, i) => checkPanel(file, i, panel, topics, locate));
  if (entry.problems.length > 0) return entry;
  entry.definition = { name, title: dashboard.title, description: dashboard.description ?? '', panels: dashboard.panels.map(toPanelDef) };
  return entry;
}

/** Every `*.yaml` (and `*.yml`) in `dir`, sorted by name; none when the folder does not exist. */
export async function loadDashboards(dir: string, catalog: OutputCatalog): Promise<DashboardEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => EXTENSION.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const topics = await topicFields(catalog);
  const entries: DashboardEntry[] = [];
  for (const n of names) {
    const path = join(dir, n);
    const file = relative(dirname(dir), path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      entries.push({ name: n.replace(EXTENSION, ''), file, title: null, definition: null, problems: [{ file, field: '(file)', message: `cannot be read: ${errorMessage(error)}` }] });
      continue;
    }
    entries.push(checkDashboard(file, text, topics));
  }
  return entries;
}
