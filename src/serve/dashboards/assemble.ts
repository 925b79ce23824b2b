/**
 * The last step of checking a dashboard file: its variables and panels against the output
 * topics, then the definition, with every panel that has a problem replaced by an error
 * panel that names them. One bad panel (or a bad variable, which fails the panels that use
 * it) leaves the rest of the dashboard working; only a problem of the file as a whole (its
 * YAML, its title, its list of panels) leaves no definition.
 */
import { formatProblem, type Problem } from '../../config/validated-file.js';
import { yamlLocator } from '../../config/yaml-position.js';
import { toMillis } from '../../time/duration.js';
import type { DashboardDef, PanelDef } from './definition.js';
import { checkPanel, checkVariables, variableOf, type TopicFields } from './field-check.js';
import { DEFAULTS, toPanelDef, toVariableDef } from './normalize.js';
import type { PanelFile, PanelKind, VariableFile } from './schema.js';

/** The settings checkPanel reads: a panel with a problem in one of them is not checked against its topic. */
const TOPIC_SETTINGS = ['topic', 'field', 'fields', 'key', 'keys', 'units', 'variable'];

/** The file as the second pass read it (values of any shape where it reported problems). */
export interface DashboardFile {
  title: string;
  description?: string;
  range?: string;
  variables?: VariableFile[];
  panels: PanelFile[];
}

/** `panels.3.field` -> ['panels', 3]; `title` -> undefined. */
function ownerOf(field: string, list: 'panels' | 'variables'): number | undefined {
  const match = new RegExp(`^${list}\\.(\\d+)(?:\\.|$)`).exec(field);
  return match ? Number(match[1]) : undefined;
}

/** By line and column, problems without a line first; each problem once. */
export function ordered(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const id = `${p.line}:${p.column}:${p.field}:${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return unique.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * Checks the variables and panels of a file whose shape was checked (`problems` so far),
 * and makes its definition unless the file as a whole has a problem. Returns every problem.
 */
export function assembleDashboard(
  name: string,
  file: string,
  text: string,
  dashboard: DashboardFile,
  kinds: readonly (PanelKind | null)[],
  shapeProblems: readonly Problem[],
  topics: TopicFields,
): { definition: DashboardDef | null; problems: Problem[] } {
  const problems = [...shapeProblems];
  const locate = yamlLocator(text);
  const variables = Array.isArray(dashboard.variables) ? dashboard.variables : [];
  const badVariables = new Set(problems.map((p) => ownerOf(p.field, 'variables')).filter((i) => i !== undefined));
  problems.push(...checkVariables(file, variables, topics, locate, badVariables));
  const declared = new Set(variables.map((v) => (v && typeof v === 'object' && typeof v.name === 'string' ? v.name : '')).filter(Boolean));
  const failedVariables = new Map<string, number>();
  for (const p of problems) {
    const i = ownerOf(p.field, 'variables');
    const v = i === undefined ? undefined : variables[i];
    if (v && typeof v.name === 'string') failedVariables.set(v.name, i!);
  }

  kinds.forEach((kind, i) => {
    if (kind === null) return;
    const prefix = `panels.${i}`;
    const malformed = problems.some((p) => p.field === prefix || TOPIC_SETTINGS.some((setting) => p.field === `${prefix}.${setting}` || p.field.startsWith(`${prefix}.${setting}.`)));
    if (malformed) return;
    const panel = dashboard.panels[i]!;
    problems.push(...checkPanel(file, i, panel, topics, locate, declared));
    // A panel that uses a variable with a problem cannot know its keys: it fails too, saying where to look.
    for (const setting of ['key', 'keys', 'variable'] as const) {
      const used = variableOf((panel as Record<string, unknown>)[setting]);
      const at = used === undefined ? undefined : failedVariables.get(used);
      if (at !== undefined) problems.push({ file, ...locate(['panels', i, setting]), field: `${prefix}.${setting}`, message: `$${used} has a problem (variables.${at}), so this panel has no keys to show until it is fixed` });
    }
  });

  const all = ordered(problems);
  const fileWide = all.filter((p) => ownerOf(p.field, 'panels') === undefined && ownerOf(p.field, 'variables') === undefined);
  if (fileWide.length > 0 || !Array.isArray(dashboard.panels)) return { definition: null, problems: all };

  const fieldsOf = (topic: string) => {
    const known = topics.get(topic);
    return Array.isArray(known) ? known : undefined;
  };
  const panels: PanelDef[] = dashboard.panels.map((panel, i) => {
    const own = all.filter((p) => ownerOf(p.field, 'panels') === i);
    if (own.length === 0 && kinds[i] !== null) return toPanelDef(panel, fieldsOf);
    const title = panel && typeof panel === 'object' && typeof (panel as { title?: unknown }).title === 'string' ? (panel as { title: string }).title : `Panel ${i + 1}${kinds[i] ? ` (${kinds[i]})` : ''}`;
    return { kind: 'error', title, problems: own.map(formatProblem) };
  });
  // Without a range of its own, the dashboard opens on its widest panel window (files written before ranges existed).
  const windows = panels.filter((p) => p.kind === 'timeseries').map((p) => p.windowMs);
  const rangeMs = dashboard.range !== undefined ? toMillis(dashboard.range, { what: 'range' }) : windows.length ? Math.max(...windows) : toMillis(DEFAULTS.window, { what: 'range' });
  const definition: DashboardDef = {
    name,
    title: dashboard.title,
    description: dashboard.description ?? '',
    variables: variables.filter((v) => !failedVariables.has(v.name) && v.name !== undefined).map(toVariableDef),
    rangeMs,
    panels,
    problems: all.map(formatProblem),
  };
  return { definition, problems: all };
}
