/**
 * Loads `alerts/*.yaml`: each file's shape (TypeBox + Ajv through validated-file), then
 * each rule against the registered schema of its source topic. Every bad rule gives one
 * problem naming the file, the line and the field, and the other rules still load: one
 * typo must not silence every alert.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseAndValidate, type Problem } from '../../config/validated-file.js';
import { yamlLocator } from '../../config/yaml-position.js';
import { errorMessage } from '../../errors.js';
import type { CompiledRule } from './compiled-rule.js';
import { compileRule } from './compile-rule.js';
import { RuleFile, type RuleSpec } from './rule-file-schema.js';
import { topicFields, type TopicFields } from './topic-fields.js';

/** The registered (latest) Avro schema of an output topic, undefined when it has none. */
export type SchemaOf = (topic: string) => Promise<object | undefined>;

export interface LoadedRules {
  rules: CompiledRule[];
  problems: Problem[];
  /** Each loaded rule as its file gives it, by name: what a reload compares (what changed in a rule). */
  specs: Map<string, RuleSpec>;
}

/** One rule file's rules, for a reload of that file. */
export interface LoadedRuleFile extends LoadedRules {
  /** As problems name it: `alerts/overheating.yaml`. */
  file: string;
  /** The file does not exist (it was deleted): no rules, no problem. */
  missing: boolean;
}

/** Where a rule name is taken already: a rule of another file. */
export type TakenNames = ReadonlyMap<string, { file: string; line: number }>;

const EXTENSION = /\.ya?ml$/;
/** `alerts/receivers.yaml` shares the folder: it defines the receivers, loaded by alerts/receivers. */
const RECEIVERS_FILE = /^receivers\.ya?ml$/;
/** `alerts/*.test.yaml` are rule tests (`fastdata alerts test`), not rules. */
const TEST_FILE = /\.test\.ya?ml$/;
const RULE_FIELD = /^rules\.(\d+)(?:\.|$)/;

/** Fields of each source topic, asked of the registry once per load. */
function fieldCache(schemaOf: SchemaOf): (topic: string) => Promise<TopicFields | string> {
  const cache = new Map<string, Promise<TopicFields | string>>();
  const fetch = async (topic: string): Promise<TopicFields | string> => {
    let avro: object | undefined;
    try {
      avro = await schemaOf(topic);
    } catch (error) {
      return `the schema of ${topic} cannot be read: ${errorMessage(error)}`;
    }
    if (avro === undefined) return `unknown source topic ${JSON.stringify(topic)}: no schema is registered for it (is the module that writes it running?)`;
    try {
      return topicFields(topic, avro);
    } catch (error) {
      return `the schema of ${topic} is not valid: ${errorMessage(error)}`;
    }
  };
  return (topic) => {
    let fields = cache.get(topic);
    if (!fields) cache.set(topic, (fields = fetch(topic)));
    return fields;
  };
}

async function ruleFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isRuleFileName).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Whether a file name in the rules folder is a rule file (not receivers.yaml, not a rule test). */
export function isRuleFileName(name: string): boolean {
  return EXTENSION.test(name) && !RECEIVERS_FILE.test(name) && !TEST_FILE.test(name);
}

/**
 * Every rule of every `*.yaml` (and `*.yml`) in `dir` but receivers.yaml, in file and rule order; none when
 * the folder does not exist. With `receiverNames`, a rule naming another receiver is a
 * problem. A rule name used twice loads the first time and is a problem after.
 */
export async function loadAlertRules(dir: string, schemaOf: SchemaOf, receiverNames: ReadonlySet<string> | undefined): Promise<LoadedRules> {
  const fieldsOf = fieldCache(schemaOf);
  const out: LoadedRules = { rules: [], problems: [], specs: new Map() };
  const names = new Map<string, { file: string; line: number }>();
  for (const name of await ruleFiles(dir)) {
    const loaded = await loadFile(dir, join(dir, name), fieldsOf, receiverNames, names);
    for (const rule of loaded.rules) names.set(rule.name, rule);
    out.rules.push(...loaded.rules);
    out.problems.push(...loaded.problems);
    for (const [rule, spec] of loaded.specs) out.specs.set(rule, spec);
  }
  return out;
}

/**
 * The rules of one file of `dir` (`path`), as loadAlertRules would load them, with `taken`
 * the names the rules of the other files hold: a name among them is a problem of this file.
 */
export function loadAlertRuleFile(dir: string, path: string, schemaOf: SchemaOf, receiverNames: ReadonlySet<string> | undefined, taken: TakenNames): Promise<LoadedRuleFile> {
  return loadFile(dir, path, fieldCache(schemaOf), receiverNames, taken);
}

async function loadFile(
  dir: string,
  path: string,
  fieldsOf: (topic: string) => Promise<TopicFields | string>,
  receiverNames: ReadonlySet<string> | undefined,
  taken: TakenNames,
): Promise<LoadedRuleFile> {
  const file = relative(dirname(dir), path);
  const out: LoadedRuleFile = { file, missing: false, rules: [], problems: [], specs: new Map() };
  const { rules, problems } = out;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') out.missing = true;
    else problems.push({ file, field: '(file)', message: `cannot be read: ${errorMessage(error)}` });
    return out;
  }
  const loaded = parseAndValidate(file, text, RuleFile);
  // Shape problems: the first of each rule, and the first of the file outside any rule.
  const badRules = new Map<number, Problem>();
  let fileProblem: Problem | undefined;
  for (const problem of loaded.problems) {
    const match = RULE_FIELD.exec(problem.field);
    if (match) {
      if (!badRules.has(Number(match[1]))) badRules.set(Number(match[1]), problem);
    } else {
      fileProblem ??= problem;
    }
  }
  if (fileProblem) problems.push(fileProblem);
  const specs: unknown = (loaded.value as { rules?: unknown } | undefined)?.rules;
  if (!Array.isArray(specs)) return out;
  const locate = yamlLocator(text);
  const names = new Map<string, { file: string; line: number }>();
  for (const [index, spec] of (specs as RuleSpec[]).entries()) {
    const shape = badRules.get(index);
    if (shape) {
      problems.push(shape);
      continue;
    }
    const result = compileRule(spec, index, { file, locate, fields: await fieldsOf(spec.source), receiverNames });
    if (!('name' in result)) {
      problems.push(result);
      continue;
    }
    const first = taken.get(result.name) ?? names.get(result.name);
    if (first) {
      problems.push({ file, ...locate(['rules', index, 'name']), field: `rules.${index}.name`, message: `duplicate rule name ${JSON.stringify(result.name)}: ${first.file}:${first.line} has it already; rule names are unique across files` });
      continue;
    }
    names.set(result.name, result);
    rules.push(result);
    out.specs.set(result.name, spec);
  }
  return out;
}
