/**
 * Loads `dashboards/*.yaml`: each file's size and nesting (yaml-bounds.ts), its shape
 * (TypeBox + Ajv through validated-file), then its topics and fields against the
 * registered schemas of the output topics. Every problem names the file, the line and the
 * field, and all of a file's problems are reported at once (a panel with a bad setting
 * still has its fields checked); a bad file, whatever is wrong with it, is reported with its
 * problems and never stops the others.
 *
 * Called on each request rather than once at start: the output topics appear only once
 * their modules have started (after the server), and an edited file shows at the next
 * reload of the page. `fastdata dev` also checks each file when it is saved
 * (loadDashboardFile) to say in the terminal whether it loads.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { parseAndValidate, type Problem } from '../../config/validated-file.js';
import { errorMessage } from '../../errors.js';
import type { DashboardDef } from './definition.js';
import { assembleDashboard, ordered, type DashboardFile } from './assemble.js';
import { fieldsOfSchema, type TopicFields } from './field-check.js';
import { DashboardOutline, dashboardSchemaFor, PANEL_KINDS, type PanelKind } from './schema.js';
import { MAX_DASHBOARD_BYTES, yamlNestingProblem } from './yaml-bounds.js';

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
  /** Null when the file as a whole has problems; a bad panel or variable leaves a definition with an error panel in its place. */
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

const isKind = (kind: unknown): kind is PanelKind => PANEL_KINDS.includes(kind as PanelKind);

/** Checks one dashboard's text (named `file` in problems) against the output topics; never throws. */
export function checkDashboard(file: string, text: string, topics: TopicFields): DashboardEntry {
  const name = basename(file).replace(EXTENSION, '');
  const entry: DashboardEntry = { name, file, title: null, definition: null, problems: [] };
  if (!NAME.test(name)) {
    entry.problems.push({ file, field: '(file)', message: 'name the file with letters, digits, - and _ only (at most 64): it becomes the address /dashboards/<name>' });
    return entry;
  }
  if (text.length > MAX_DASHBOARD_BYTES) {
    entry.problems.push({ file, field: '(file)', message: `is ${text.length} characters long, over the limit of ${MAX_DASHBOARD_BYTES / 1024} KiB for a dashboard file` });
    return entry;
  }
  const deep = yamlNestingProblem(text);
  if (deep) {
    entry.problems.push({ file, line: deep.line, column: deep.column, field: '(file)', message: deep.message });
    return entry;
  }
  try {
    entry.problems = checkDashboardText(entry, file, text, topics);
  } catch (error) {
    // validated-file and the checks below catch what they expect; anything else is still this file's problem only.
    const reason = error instanceof RangeError ? 'it is nested too deeply to check' : errorMessage(error);
    entry.problems = [{ file, field: '(file)', message: `cannot be checked: ${reason}` }];
    entry.definition = null;
  }
  return entry;
}

function checkDashboardText(entry: DashboardEntry, file: string, text: string, topics: TopicFields): Problem[] {
  const outline = parseAndValidate(file, text, DashboardOutline);
  const value = outline.value as { title?: unknown; panels?: unknown } | undefined;
  if (value && typeof value.title === 'string') entry.title = value.title;
  // A file YAML cannot read has nothing more to check; a syntax error's follow-on errors are at the same place.
  const syntax = outline.problems.filter((p) => p.field === '(file)' && p.line !== undefined);
  if (syntax.length > 0 || value === undefined) {
    const firstAt = new Set<string>();
    return (syntax.length > 0 ? syntax : outline.problems).filter((p) => {
      const at = `${p.line}:${p.column}`;
      if (firstAt.has(at)) return false;
      firstAt.add(at);
      return true;
    });
  }
  const problems = [...outline.problems];
  if (!Array.isArray(value.panels)) return ordered(problems);
  // Each panel of a known kind against its kind's schema, whatever else is wrong in the file.
  const kinds = value.panels.map((panel) => (panel !== null && typeof panel === 'object' && isKind((panel as { kind?: unknown }).kind) ? (panel as { kind: PanelKind }).kind : null));
  const full = parseAndValidate(file, text, dashboardSchemaFor(kinds));
  problems.push(...full.problems);
  // Then the variables and each well-formed panel against the topics' schemas: a bad panel
  // becomes an error panel and the rest of the dashboard still loads (assemble.ts).
  const assembled = assembleDashboard(entry.name, file, text, full.value as DashboardFile, kinds, problems, topics);
  entry.definition = assembled.definition;
  return assembled.problems;
}

/** Whether a file name in the dashboards folder is a dashboard. */
export function isDashboardFileName(name: string): boolean {
  return EXTENSION.test(name);
}

/** The output topics' fields, or (when they cannot be listed) none and why. */
async function outputFields(catalog: OutputCatalog): Promise<{ topics: TopicFields; topicsProblem?: string }> {
  try {
    return { topics: await topicFields(catalog) };
  } catch (error) {
    // The outputs cannot be listed (the log is away): the files are still checked, their topics are not.
    return { topics: new Map(), topicsProblem: `the output topics cannot be listed, so the panels' topics and fields are not checked: ${errorMessage(error)}` };
  }
}

/** Every `*.yaml` (and `*.yml`) in `dir`, sorted by name; none when the folder does not exist. */
export async function loadDashboards(dir: string, catalog: OutputCatalog): Promise<DashboardEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isDashboardFileName).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const fields = await outputFields(catalog);
  const entries: DashboardEntry[] = [];
  for (const n of names) {
    const entry = await readDashboard(dir, n, fields);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The dashboard of one file of `dir` (`path`), checked as loadDashboards checks it; undefined when the file does not exist (deleted). */
export async function loadDashboardFile(dir: string, path: string, catalog: OutputCatalog): Promise<DashboardEntry | undefined> {
  return readDashboard(dir, basename(path), await outputFields(catalog));
}

async function readDashboard(dir: string, n: string, fields: { topics: TopicFields; topicsProblem?: string }): Promise<DashboardEntry | undefined> {
  const path = join(dir, n);
  const file = relative(dirname(dir), path);
  const unreadable = (message: string): DashboardEntry => ({ name: n.replace(EXTENSION, ''), file, title: null, definition: null, problems: [{ file, field: '(file)', message }] });
  let text: string;
  try {
    // Read no more than the limit: a huge file is one problem, not a huge string.
    const size = (await stat(path)).size;
    if (size > MAX_DASHBOARD_BYTES) return unreadable(`is ${size} bytes, over the limit of ${MAX_DASHBOARD_BYTES / 1024} KiB for a dashboard file`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return unreadable(`cannot be read: ${errorMessage(error)}`);
  }
  const entry = checkDashboard(file, text, fields.topics);
  if (fields.topicsProblem !== undefined && entry.problems.length > 0) {
    entry.problems = entry.problems.filter((p) => !p.field.endsWith('.topic') || !p.message.includes('is not an output topic'));
    entry.problems.push({ file, field: '(file)', message: fields.topicsProblem });
    entry.definition = null;
  }
  return entry;
}
