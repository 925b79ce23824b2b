/**
 * All evaluators of a set of rules: records and watermarks are routed by source topic.
 * State is keyed by rule name so a restore survives rules being added, removed or
 * reordered (a new rule starts empty, the state of a removed one is dropped); it is taken
 * whole (`snapshot`) or, with `trackChanges`, as what changed since the last time
 * (`drainChanges`, what the evaluator's incremental checkpoints write).
 */
import { FastdataError } from '../../errors.js';
import { RuleEvaluator, type EvaluatorChanges, type EvaluatorOptions, type EvaluatorSnapshot } from './evaluator.js';
import type { AlertNotification } from './notification.js';
import type { EngineRule } from './rule.js';

export interface BookEntry {
  /** The topic whose records and watermark the rule evaluates. */
  topic: string;
  rule: EngineRule;
}

export interface AlertBookSnapshot {
  version: 1;
  rules: Record<string, EvaluatorSnapshot>;
}

export class AlertBook {
  private readonly byTopic = new Map<string, RuleEvaluator[]>();
  private readonly byName = new Map<string, RuleEvaluator>();

  constructor(entries: readonly BookEntry[], options: EvaluatorOptions = {}, restored?: AlertBookSnapshot) {
    for (const { topic, rule } of entries) {
      if (this.byName.has(rule.name)) {
        throw new FastdataError('FD_INTERNAL', `two alert rules are named "${rule.name}": rule names identify alert state and must be unique`, { context: { rule: rule.name } });
      }
      const snap = restored?.rules[rule.name];
      const ev = snap ? RuleEvaluator.restore(rule, snap, options) : new RuleEvaluator(rule, options);
      this.byName.set(rule.name, ev);
      const list = this.byTopic.get(topic) ?? [];
      list.push(ev);
      this.byTopic.set(topic, list);
    }
  }

  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  evaluator(rule: string): RuleEvaluator | undefined {
    return this.byName.get(rule);
  }

  /** How far event time went on a topic: the furthest watermark of its rules (a rule added since the checkpoint has none). */
  watermark(topic: string): number {
    let mark = Number.NEGATIVE_INFINITY;
    for (const ev of this.byTopic.get(topic) ?? []) if (ev.watermark > mark) mark = ev.watermark;
    return mark;
  }

  observe(topic: string, value: unknown, eventTime: number): AlertNotification[] {
    const list = this.byTopic.get(topic);
    if (!list) return [];
    return list.flatMap((ev) => ev.observe(value, eventTime));
  }

  advance(topic: string, watermark: number): AlertNotification[] {
    const list = this.byTopic.get(topic);
    if (!list) return [];
    return list.flatMap((ev) => ev.advance(watermark));
  }

  /** Per rule, what changed since the last call (see RuleEvaluator.drainChanges). */
  drainChanges(): { rule: string; changes: EvaluatorChanges }[] {
    return [...this.byName].map(([rule, ev]) => ({ rule, changes: ev.drainChanges() }));
  }

  snapshot(): AlertBookSnapshot {
    const rules: Record<string, EvaluatorSnapshot> = {};
    for (const [name, ev] of this.byName) rules[name] = ev.snapshot();
    return { version: 1, rules };
  }

  static restore(entries: readonly BookEntry[], snapshot: AlertBookSnapshot, options: EvaluatorOptions = {}): AlertBook {
    if (typeof snapshot !== 'object' || snapshot === null || snapshot.version !== 1 || typeof snapshot.rules !== 'object' || snapshot.rules === null) {
      throw new FastdataError('FD_INTERNAL', 'alert state cannot be restored: not a version 1 alert book snapshot');
    }
    return new AlertBook(entries, options, snapshot);
  }
}
