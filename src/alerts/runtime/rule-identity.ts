/**
 * What makes a new version of an alert rule the same rule, so that its open alerts stay
 * its open alerts (hot reload in `fastdata dev`, or a restart with an edited rule file).
 *
 * An alert is known to its receivers by its labels (the rule's labels, `alertname` and
 * `key`), its severity and where it was sent. A version of a rule that changes none of
 * those, nor what a key is (source topic, key field) nor its kind (condition or
 * absence), is the same rule: its alerts keep their state (a firing alert stays firing,
 * a pending one keeps its `for` timer) and the new `when`, `recover`, `for`,
 * `keep_firing_for` or `absent` decide from the next record on, as Prometheus keeps the
 * active alerts of a reloaded rule whose name and labels did not change. A version that
 * changes one of them is another rule under the same name: the alerts the old one opened
 * are resolved (a receiver told "firing" under the old labels is told they ended, under
 * those labels, at the receivers it was told) and the new one starts empty.
 *
 * The identity is kept in the evaluator's state (alert-state.ts), so a restart compares
 * the rule files with what the evaluator last ran, as a reload does.
 */
import type { Severity } from '../rules/compiled-rule.js';

export interface RuleIdentity {
  source: string;
  key: string;
  kind: 'condition' | 'absence';
  severity: Severity;
  labels: Record<string, string>;
  receivers: string[];
}

/** What `identityOf` reads of a rule (a CompiledRule has it). */
export interface IdentifiedRule {
  source: string;
  keyPath: string;
  absentMs?: number;
  severity: Severity;
  labels: Record<string, string>;
  receivers: string[];
}

export function identityOf(rule: IdentifiedRule): RuleIdentity {
  const labels = Object.fromEntries(Object.entries(rule.labels).sort(([a], [b]) => a.localeCompare(b)));
  return {
    source: rule.source,
    key: rule.keyPath,
    kind: rule.absentMs === undefined ? 'condition' : 'absence',
    severity: rule.severity,
    labels,
    receivers: [...new Set(rule.receivers)].sort(),
  };
}

const SEVERITIES = new Set<string>(['info', 'warning', 'critical']);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** An identity read back from the state topic, or undefined if it is not one. */
export function readIdentity(raw: unknown): RuleIdentity | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.source !== 'string' || typeof r.key !== 'string' || (r.kind !== 'condition' && r.kind !== 'absence')) return undefined;
  if (!SEVERITIES.has(r.severity as string) || !isStrings(r.receivers)) return undefined;
  if (typeof r.labels !== 'object' || r.labels === null || !Object.values(r.labels).every((v) => typeof v === 'string')) return undefined;
  return { source: r.source, key: r.key, kind: r.kind, severity: r.severity as Severity, labels: r.labels as Record<string, string>, receivers: r.receivers };
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Why `next` is another rule than `before` ("its key changed (machine -> site)"), or undefined when it is the same rule. */
export function identityChange(before: RuleIdentity, next: RuleIdentity): string | undefined {
  const changed: string[] = [];
  for (const field of ['source', 'key', 'kind', 'severity'] as const) {
    if (before[field] !== next[field]) changed.push(`${field} ${show(before[field])} -> ${show(next[field])}`);
  }
  if (JSON.stringify(before.labels) !== JSON.stringify(next.labels)) changed.push(`labels ${show(before.labels)} -> ${show(next.labels)}`);
  if (JSON.stringify(before.receivers) !== JSON.stringify(next.receivers)) changed.push(`receivers ${show(before.receivers)} -> ${show(next.receivers)}`);
  return changed.length === 0 ? undefined : changed.join(', ');
}
