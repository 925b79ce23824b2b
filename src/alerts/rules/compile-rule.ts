/**
 * One rule, already of the right shape (rule-file-schema), checked against its source
 * topic and compiled. The first mistake is the one problem of the rule: one clear message
 * per bad rule, rather than follow-on complaints about the same typo.
 */
import type { Problem } from '../../config/validated-file.js';
import type { Locate } from '../../config/yaml-position.js';
import { errorMessage } from '../../errors.js';
import { toMillis } from '../../time/duration.js';
import type { CompiledRule } from './compiled-rule.js';
import { compileCondition } from './expression/compile.js';
import { fieldGetter } from './field-path.js';
import type { RuleSpec } from './rule-file-schema.js';
import { compileTemplate, type Template } from './template.js';
import { readableField, type TopicFields } from './topic-fields.js';

export interface RuleContext {
  file: string;
  locate: Locate;
  /** The source topic's fields, or why there are none (not an output topic, unreadable schema). */
  fields: TopicFields | string;
  receiverNames: ReadonlySet<string> | undefined;
}

/** Carries the rule field (`when`, `annotations.summary`) with the message. */
class RuleProblem extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function attempt<T>(path: (string | number)[], compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    throw error instanceof RuleProblem ? error : new RuleProblem(path, errorMessage(error));
  }
}

function duration(spec: RuleSpec, key: 'for' | 'keep_firing_for' | 'absent'): number {
  const value = spec[key];
  if (value === undefined) return 0;
  try {
    return toMillis(value, { what: key, allowZero: key !== 'absent' });
  } catch (error) {
    // toMillis's message starts with `<what>: `; the problem names the field already.
    throw new RuleProblem([key], errorMessage(error).replace(`${key}: `, ''));
  }
}

function checkCombinations(spec: RuleSpec): void {
  if (spec.when !== undefined && spec.absent !== undefined) {
    throw new RuleProblem(['absent'], 'give when (a condition) or absent (a duration), not both: an absence rule fires on silence, not on values');
  }
  if (spec.when === undefined && spec.absent === undefined) {
    throw new RuleProblem([], 'give when (a condition on the records) or absent (how long a key may stay silent)');
  }
  for (const key of ['recover', 'for', 'keep_firing_for'] as const) {
    if (spec.absent !== undefined && spec[key] !== undefined) throw new RuleProblem([key], `applies to when rules only; an absence rule resolves when the key sends again`);
  }
  if (spec.recover !== undefined && spec.keep_firing_for !== undefined) {
    throw new RuleProblem(['keep_firing_for'], 'give recover or keep_firing_for, not both: with recover the alert fires until recover holds');
  }
}

function compile(spec: RuleSpec, context: RuleContext, line: number): CompiledRule {
  checkCombinations(spec);
  const forMs = duration(spec, 'for');
  const keepFiringForMs = duration(spec, 'keep_firing_for');
  const absentMs = spec.absent === undefined ? undefined : duration(spec, 'absent');
  const fields = context.fields;
  if (typeof fields === 'string') throw new RuleProblem(['source'], fields);

  const key = readableField(spec.key, fields);
  if (typeof key === 'string') throw new RuleProblem(['key'], key);
  const getKey = fieldGetter(spec.key);
  const when = spec.when === undefined ? undefined : attempt(['when'], () => compileCondition(spec.when!, fields));
  const recover = spec.recover === undefined ? undefined : attempt(['recover'], () => compileCondition(spec.recover!, fields));
  const annotations = Object.entries(spec.annotations ?? {}).map(
    ([name, source]) => [name, attempt(['annotations', name], () => compileTemplate(source, fields))] as [string, Template],
  );
  const receivers = spec.receivers ?? [];
  receivers.forEach((receiver, i) => {
    if (context.receiverNames && !context.receiverNames.has(receiver)) {
      const known = [...context.receiverNames].sort().join(', ') || '(none)';
      throw new RuleProblem(['receivers', i], `unknown receiver ${JSON.stringify(receiver)}; the receivers are ${known}`);
    }
  });

  const rule: CompiledRule = {
    name: spec.name,
    file: context.file,
    line,
    source: fields.topic,
    keyPath: spec.key,
    keyOf: (value) => {
      const k = getKey(value);
      return k === null || typeof k === 'object' ? undefined : String(k);
    },
    forMs,
    keepFiringForMs,
    severity: spec.severity,
    labels: { ...(spec.labels ?? {}) },
    annotate: (value) => Object.fromEntries(annotations.map(([name, template]) => [name, template(value)])),
    receivers: [...receivers],
  };
  if (spec.description !== undefined) rule.description = spec.description;
  if (when) rule.when = when;
  if (recover) rule.recover = recover;
  if (absentMs !== undefined) rule.absentMs = absentMs;
  return rule;
}

/** The compiled rule `rules.<index>` of a file, or its one problem. */
export function compileRule(spec: RuleSpec, index: number, context: RuleContext): CompiledRule | Problem {
  const line = context.locate(['rules', index]).line ?? 1;
  try {
    return compile(spec, context, line);
  } catch (error) {
    if (!(error instanceof RuleProblem)) throw error;
    const path = ['rules', index, ...error.path];
    return { file: context.file, ...context.locate(path), field: path.join('.'), message: error.message };
  }
}
