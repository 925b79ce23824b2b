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
}

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
    return (await readdir(dir)).filter((n) => EXTENSION.test(n) && !RECEIVERS_FILE.test(n) && !TEST_FILE.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Every rule of every `*.yaml` (and `*.yml`) in `dir` but receivers.yaml, in file and rule order; none when
 * the folder does not exist. With `receiverNames`, a rule naming another receiver is a
 * problem. A rule name used twice loads the first time and is a problem after.
 */
export async function loadAlertRules(dir: string, schemaOf: SchemaOf, receiverNames: ReadonlySet<string> | undefined): Promise<LoadedRules> {
  const fieldsOf = fieldCache(schemaOf);
  const rules: CompiledRule[] = [];
  const problems: Problem[] = [];
  const names = new Map<string, CompiledRule>();
  for (const name of await ruleFiles(dir)) {
    const path = join(dir, name);
    const file = relative(dirname(dir), path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      problems.push({ file, field: '(file)', message: `cannot be read: ${errorMessage(error)}` });
      continue;
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
    if (!Array.isArray(specs)) continue;
    const locate = yamlLocator(text);
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
      const first = names.get(result.name);
      if (first) {
        problems.push({ file, ...locate(['rules', index, 'name']), field: `rules.${index}.name`, message: `duplicate rule name ${JSON.stringify(result.name)}: ${first.file}:${first.line} has it already; rule names are unique across files` });
        continue;
      }
      names.set(result.name, result);
      rules.push(result);
    }
  }
  return { rules, problems };
}
