/**
 * What the catalog is built from: the project's parts as plain data, gathered by
 * src/serve/catalog/project-sources.ts (from module files, rule files, dashboard files
 * and the log) or written out by a test. Everything in src/catalog/ works on this, so
 * the model is built without I/O and tested without servers.
 */
import type { CatalogInput } from './types.js';

export interface ProjectModule {
  name: string;
  doc: string;
  inputs: string[];
  /** Topics it reads as tables (`joinTable`): the latest row per key. */
  tables: string[];
  output: string;
  /** The module's `output.schema`: a path relative to the project root, or the schema itself; null when unknown. */
  schema: string | object | null;
  sinks: { cassandra?: { table: string } };
  /** Its repartition topics: its keyBys send records to the task of their key through them. */
  repartitions: string[];
  /** Absolute path of the module's file; null when not known (a module handed over in memory). */
  file: string | null;
}

export interface ProjectRule {
  name: string;
  description: string | null;
  source: string;
  severity: string;
  receivers: string[];
  /** Relative to the project root, as problems name it: `alerts/overheating.yaml`. */
  file: string;
  line: number;
}

export interface ProjectDashboard {
  name: string;
  title: string | null;
  /** Relative to the project root: `dashboards/fleet.yaml`. */
  file: string;
  /** The topics its panels and variables read, each once, in file order (panels first). */
  topics: string[];
}

/** A declared source (`sources/*.yaml`): the catalog shows it as it is (see CatalogInput). */
export type ProjectInput = CatalogInput;

export interface ProjectTopic {
  name: string;
  partitions: number;
}

export interface CatalogProject {
  /** Absolute project root: module files are shown relative to it. */
  root: string;
  modules: ProjectModule[];
  rules: ProjectRule[];
  dashboards: ProjectDashboard[];
  /** The declared sources. */
  inputs: ProjectInput[];
  /** The topics in the log now (a module's output may not exist yet). */
  topics: ProjectTopic[];
  /** Where the rules' notifications go (`fastdata.alerts`). */
  alertTopic: string;
  /** What could not be read, one line each: shown on the page, never thrown. */
  problems: string[];
}

/** Topics fastdata keeps for itself: changelogs, dead letters, repartition topics, the alert engine's state; never sources. */
export function isInternalTopic(name: string, alertTopic: string): boolean {
  if (name === alertTopic) return false;
  return (
    name.startsWith('__') ||
    /^fastdata\.[^.]+\.(changelog|dlq)$/.test(name) ||
    /^fastdata\.source\.[^.]+\.dlq$/.test(name) ||
    /^fastdata\.[^.]+\.[^.]+\.repartition$/.test(name) ||
    (name.startsWith(`${alertTopic}.`) && name !== alertTopic)
  );
}
