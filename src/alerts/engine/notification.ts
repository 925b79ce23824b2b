/**
 * A lifecycle transition of one alert instance, as receivers (topic, webhooks, WebSocket)
 * will get it. `id` is the idempotency key: the firing and the resolved notification of
 * one instance share it, and a replay that re-derives the same instance derives the same
 * id, so downstream de-duplication needs nothing else.
 */
import { createHash } from 'node:crypto';
import type { EngineRule } from './rule.js';

export type AlertStatus = 'firing' | 'resolved';

export interface AlertNotification {
  rule: string;
  key: string;
  status: AlertStatus;
  /** Event time the instance started firing. */
  startsAt: number;
  /** Event time it stopped (resolved only). */
  endsAt?: number;
  severity: EngineRule['severity'];
  /** The rule's labels plus `alertname` and `key` (which a rule label cannot override). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Stable per (rule, key): the same alert across instances, restarts and processes. */
  fingerprint: string;
  /** `<fingerprint>:<startsAt>` (`:<seq>` appended for a later instance starting at the same event time): one alert instance. */
  id: string;
  /** The record that caused the transition; undefined when the watermark caused it after a restore (records are not checkpointed). */
  value: unknown;
}

/** sha256 of the JSON pair, so no choice of rule name and key can collide with another by concatenation. */
export function fingerprintOf(rule: string, key: string): string {
  return createHash('sha256').update(JSON.stringify([rule, key])).digest('hex').slice(0, 16);
}

/**
 * Instances of one key that start and end at the same event time (several records of a
 * key at one instant, `for` 0) would share `<fingerprint>:<startsAt>`: the later ones get
 * a sequence number so that every instance, and only one, owns its id.
 */
export function alertId(fingerprint: string, startsAt: number, seq = 0): string {
  return seq === 0 ? `${fingerprint}:${startsAt}` : `${fingerprint}:${startsAt}:${seq}`;
}

export interface TransitionFacts {
  key: string;
  status: AlertStatus;
  startsAt: number;
  seq: number;
  endsAt?: number;
  annotations: Record<string, string>;
  value: unknown;
}

export function makeNotification(rule: EngineRule, fingerprint: string, facts: TransitionFacts): AlertNotification {
  const n: AlertNotification = {
    rule: rule.name,
    key: facts.key,
    status: facts.status,
    startsAt: facts.startsAt,
    severity: rule.severity,
    labels: { ...rule.labels, alertname: rule.name, key: facts.key },
    annotations: facts.annotations,
    fingerprint,
    id: alertId(fingerprint, facts.startsAt, facts.seq),
    value: facts.value,
  };
  if (facts.endsAt !== undefined) n.endsAt = facts.endsAt;
  return n;
}
