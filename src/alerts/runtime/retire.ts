/**
 * The alerts of a retired rule (deleted, or changed into another rule: rule-identity.ts)
 * are resolved, not forgotten: whoever was told "firing" is told it ended. Each resolve is
 * the instance's own (same id as its firing), under the labels and severity it fired
 * with, sent to the receivers it was sent to, with an annotation `resolved_reason` saying
 * why. Its `endsAt` is the rule's event time when it was retired (its watermark, or the
 * key's last record if later), so the same state retired twice gives the same notification
 * and a restart does not send it again (the outbox skips what is already out).
 */
import type { AlertNotification } from '../engine/index.js';
import { alertId, fingerprintOf } from '../engine/index.js';
import { NOT_LOADED, type RetiredRule } from './alert-state.js';

/** The annotation a resolve caused by a reload or a restart with other rules carries. */
export const RESOLVED_REASON = 'resolved_reason';

/** The receivers each retirement resolve goes to: the publisher routes these by the notification, not by its rule. */
const routes = new WeakMap<object, readonly string[]>();

/** The receivers of a resolve made here, undefined for any other notification. */
export function retiredRoute(notification: object): readonly string[] | undefined {
  return routes.get(notification);
}

function reasonText(rule: string, reason: string): string {
  if (reason === NOT_LOADED) return `rule ${rule} was removed from the alert rules; its open alerts are resolved`;
  return `rule ${rule} changed (${reason}): the alerts it opened are resolved and it starts again`;
}

export function retirementNotifications(retired: readonly RetiredRule[]): AlertNotification[] {
  const out: AlertNotification[] = [];
  for (const { rule, identity, reason, watermark, firing } of retired) {
    // State written before identities were kept says nothing of labels or receivers: dropped, as it used to be.
    if (!identity) continue;
    for (const key of firing) {
      const startsAt = key.startsAt!;
      const endsAt = Math.max(startsAt, key.lastSeen, watermark ?? Number.NEGATIVE_INFINITY);
      const fingerprint = fingerprintOf(rule, key.key);
      const notification: AlertNotification = {
        rule,
        key: key.key,
        status: 'resolved',
        startsAt,
        endsAt,
        severity: identity.severity,
        labels: { ...identity.labels, alertname: rule, key: key.key },
        annotations: { ...key.annotations, [RESOLVED_REASON]: reasonText(rule, reason) },
        fingerprint,
        id: alertId(fingerprint, startsAt, key.seq ?? 0),
        value: undefined,
      };
      routes.set(notification, identity.receivers);
      out.push(notification);
    }
  }
  return out;
}
