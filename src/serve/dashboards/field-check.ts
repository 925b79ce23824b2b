/**
 * The checks a schema cannot make: that a panel's topic is an output topic, that its
 * fields are in the topic's registered Avro schema (numbers, for panels that plot or show
 * one), that the variables it uses (`keys: $sensor`) are declared, and that a variable
 * reads an output topic. A typo is an error when the dashboard loads, not an empty chart.
 */
import type { Problem } from '../../config/validated-file.js';
import { avroFieldPaths, type AvroFieldPath } from '../../schema/avro-json-schema.js';
import { VARIABLE_REF, type PanelFile, type VariableFile } from './schema.js';
import type { Locate } from '../../config/yaml-position.js';

const NUMERIC = new Set(['int', 'long', 'float', 'double']);

/** The fields of every output topic that exists, by topic; a topic whose schema is not registered yet maps to the reason. */
export type TopicFields = Map<string, AvroFieldPath[] | string>;

export function fieldsOfSchema(avro: Record<string, unknown>): AvroFieldPath[] {
  return avroFieldPaths(avro);
}

function list(values: string[]): string {
  return values.length ? values.join(', ') : '(none)';
}

/** The variable a `key:`/`keys:`/`variable:` setting names (`$sensor` -> sensor), if it names one. */
export function variableOf(setting: unknown): string | undefined {
  return typeof setting === 'string' ? VARIABLE_REF.exec(setting)?.[1] : undefined;
}

function variablesList(names: ReadonlySet<string>): string {
  return names.size ? `its variables are ${[...names].map((n) => `$${n}`).join(', ')}` : 'it declares none: add one under variables: (name, topic)';
}

/** A dashboard's variables: each reads an output topic, names are unique, a single-key variable has at most one default. */
export function checkVariables(file: string, variables: readonly VariableFile[], topics: TopicFields, locate: Locate, malformed: ReadonlySet<number> = new Set()): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  variables.forEach((v, i) => {
    if (malformed.has(i)) return;
    const at = (path: (string | number)[], message: string) => problems.push({ file, ...locate(['variables', i, ...path]), field: ['variables', i, ...path].join('.'), message });
    if (seen.has(v.name)) at(['name'], `${JSON.stringify(v.name)} is declared twice; give each variable its own name`);
    seen.add(v.name);
    if (v.multi !== true && (v.default?.length ?? 0) > 1) at(['default'], `lists ${v.default!.length} keys, but the variable selects one key at a time: give one, or set multi: true`);
    if (topics.size > 0 && !topics.has(v.topic)) at(['topic'], `${JSON.stringify(v.topic)} is not an output topic (the variable offers its keys); the outputs are ${list([...topics.keys()].sort())}`);
  });
  return problems;
}

export function checkPanel(file: string, index: number, panel: PanelFile, topics: TopicFields, locate: Locate, variables: ReadonlySet<string> = new Set()): Problem[] {
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string, options?: { key: boolean }) =>
    problems.push({ file, ...locate(['panels', index, ...path], options), field: ['panels', index, ...path].join('.'), message });

  if ('key' in panel && 'keys' in panel && panel.key !== undefined && panel.keys !== undefined) at(['keys'], 'give key (one) or keys (a list), not both');
  for (const setting of ['key', 'keys', 'variable'] as const) {
    const name = variableOf((panel as Record<string, unknown>)[setting]);
    if (name !== undefined && !variables.has(name)) at([setting], `$${name} is not a variable of this dashboard; ${variablesList(variables)}`);
  }
  if ('units' in panel && panel.units) {
    const shown = 'fields' in panel && panel.fields ? panel.fields : [];
    for (const name of Object.keys(panel.units)) {
      if (!shown.includes(name)) at(['units', name], `${JSON.stringify(name)} is not one of this panel's fields (${list(shown)}); a unit applies to a field it shows`, { key: true });
    }
  }

  const known = topics.get(panel.topic);
  if (known === undefined) {
    // The alert topic is written by the alert engine, which may not have started (or exist) yet.
    if (panel.kind !== 'alerts') at(['topic'], `${JSON.stringify(panel.topic)} is not an output topic; the outputs are ${list([...topics.keys()].sort())}`);
    return problems;
  }
  if (typeof known === 'string') {
    at(['topic'], `the schema of ${panel.topic} cannot be read: ${known}`);
    return problems;
  }

  const byPath = new Map(known.map((f) => [f.path, f]));
  const numeric = known.filter((f) => NUMERIC.has(f.type)).map((f) => f.path);
  const check = (path: (string | number)[], name: string, needsNumber: boolean) => {
    const field = byPath.get(name);
    if (!field) {
      at(path, `${JSON.stringify(name)} is not a field of ${panel.topic}; its fields are ${list(needsNumber ? numeric : known.map((f) => f.path))}`);
    } else if (needsNumber && !NUMERIC.has(field.type)) {
      at(path, `${JSON.stringify(name)} is ${field.type === 'string' ? 'a string' : `of type ${field.type}`}; a ${panel.kind} panel shows numbers: one of ${list(numeric)}`);
    }
  };
  switch (panel.kind) {
    case 'timeseries':
      panel.fields.forEach((name, i) => check(['fields', i], name, true));
      break;
    case 'stat':
      check(['field'], panel.field, true);
      break;
    case 'table':
    case 'alerts':
      panel.fields?.forEach((name, i) => check(['fields', i], name, false));
      break;
  }
  return problems;
}
