/**
 * What a new version of a rule file changes, rule by rule, in the words the terminal
 * prints after a reload. Which changes keep a rule's alerts is rule-identity.ts's to say;
 * this only names them:
 *
 *   identity   source, key, kind, severity, labels, receivers: another rule (alerts resolved)
 *   decision   when, recover, absent, for, keep_firing_for: same alerts, new rule from now on
 *   text       annotations, description: what the next notifications say
 */
import type { CompiledRule } from '../rules/compiled-rule.js';
import type { RuleSpec } from '../rules/rule-file-schema.js';
import { identityChange, identityOf } from './rule-identity.js';

export interface RuleVersion {
  rule: CompiledRule;
  spec: RuleSpec | undefined;
}

export interface RuleChanges {
  added: string[];
  removed: string[];
  /** By rule: what changed of its identity. */
  replaced: Map<string, string>;
  /** By rule: the fields that decide when it fires that changed. */
  decision: Map<string, string[]>;
  /** By rule: annotations or description changed. */
  text: Map<string, string[]>;
  /** Anything at all changed (a rule that only moved in its file counts: its line is shown). */
  any: boolean;
}

const DECISION = ['when', 'recover'] as const;
const TEXT = ['annotations', 'description'] as const;

function decisionChanges(before: RuleVersion, after: RuleVersion): string[] {
  const changed: string[] = DECISION.filter((field) => before.spec?.[field] !== after.spec?.[field]);
  if (before.rule.absentMs !== after.rule.absentMs) changed.push('absent');
  if (before.rule.forMs !== after.rule.forMs) changed.push('for');
  if (before.rule.keepFiringForMs !== after.rule.keepFiringForMs) changed.push('keep_firing_for');
  return changed;
}

function textChanges(before: RuleVersion, after: RuleVersion): string[] {
  return TEXT.filter((field) => JSON.stringify(before.spec?.[field] ?? null) !== JSON.stringify(after.spec?.[field] ?? null));
}

export function ruleChanges(before: readonly RuleVersion[], after: readonly RuleVersion[]): RuleChanges {
  const old = new Map(before.map((v) => [v.rule.name, v]));
  const next = new Map(after.map((v) => [v.rule.name, v]));
  const changes: RuleChanges = { added: [], removed: [], replaced: new Map(), decision: new Map(), text: new Map(), any: false };
  for (const name of old.keys()) if (!next.has(name)) changes.removed.push(name);
  for (const [name, version] of next) {
    const was = old.get(name);
    if (!was) {
      changes.added.push(name);
      continue;
    }
    if (was.rule.line !== version.rule.line) changes.any = true;
    const identity = identityChange(identityOf(was.rule), identityOf(version.rule));
    if (identity !== undefined) {
      changes.replaced.set(name, identity);
      continue;
    }
    const decision = decisionChanges(was, version);
    if (decision.length > 0) changes.decision.set(name, decision);
    const text = textChanges(was, version);
    if (text.length > 0) changes.text.set(name, text);
  }
  changes.any ||= changes.added.length + changes.removed.length + changes.replaced.size + changes.decision.size + changes.text.size > 0;
  return changes;
}
