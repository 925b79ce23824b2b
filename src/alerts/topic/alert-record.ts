/**
 * Alerts as records: the Avro schema of the alert topics (`fastdata.alerts`, its compacted
 * history, and any kafka or websocket receiver's topic), registered in the schema registry
 * like a module's output, so other pipelines consume alerts with any Confluent client.
 *
 * The record that caused a transition comes from topics of any schema, so it travels as
 * JSON text (`value`), not as a nested Avro type.
 */
import type { AlertNotification } from '../receivers/notification.js';

export const ALERT_SCHEMA = {
  type: 'record',
  name: 'Alert',
  namespace: 'fastdata.alerts',
  doc: 'One state change (firing or resolved) of one alert instance, written by the fastdata alert engine.',
  fields: [
    { name: 'id', type: 'string', doc: 'The alert instance: fingerprint and startsAt. Firing and resolved of one instance share it.' },
    { name: 'fingerprint', type: 'string', doc: 'Rule and key: the same for every instance of one alert.' },
    { name: 'rule', type: 'string' },
    { name: 'key', type: 'string', doc: "The value of the rule's key field: the entity the alert is about." },
    { name: 'status', type: { type: 'enum', name: 'AlertStatus', symbols: ['firing', 'resolved'] } },
    { name: 'severity', type: { type: 'enum', name: 'AlertSeverity', symbols: ['info', 'warning', 'critical'] } },
    { name: 'startsAt', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'Event time the instance started firing.' },
    { name: 'endsAt', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null, doc: 'Event time it resolved.' },
    { name: 'labels', type: { type: 'map', values: 'string' } },
    { name: 'annotations', type: { type: 'map', values: 'string' } },
    { name: 'receivers', type: { type: 'array', items: 'string' }, default: [], doc: 'The receivers the rule notifies.' },
    { name: 'value', type: ['null', 'string'], default: null, doc: 'The source record that caused the change, as JSON.' },
  ],
} as const;

/** An alert as it is on the topic. */
export interface AlertRecord {
  id: string;
  fingerprint: string;
  rule: string;
  key: string;
  status: 'firing' | 'resolved';
  severity: 'info' | 'warning' | 'critical';
  startsAt: number;
  endsAt: number | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: string[];
  value: string | null;
}

/** JSON of a record, with the two things JSON.stringify cannot take (bigint, Buffer) made readable. */
function recordJson(value: unknown): string | null {
  if (value === undefined) return null;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('base64');
    }
    return v;
  });
}

export function toAlertRecord(n: AlertNotification, receivers: readonly string[]): AlertRecord {
  return {
    id: n.id,
    fingerprint: n.fingerprint,
    rule: n.rule,
    key: n.key,
    status: n.status,
    severity: n.severity,
    startsAt: n.startsAt,
    endsAt: n.endsAt ?? null,
    labels: n.labels,
    annotations: n.annotations,
    receivers: [...receivers],
    value: recordJson(n.value),
  };
}

/** Back to what receivers send: the record's JSON parsed again (left as text if it is not JSON). */
export function fromAlertRecord(r: AlertRecord): AlertNotification {
  let value: unknown;
  if (r.value !== null) {
    try {
      value = JSON.parse(r.value);
    } catch {
      value = r.value;
    }
  }
  const n: AlertNotification = {
    id: r.id,
    fingerprint: r.fingerprint,
    rule: r.rule,
    key: r.key,
    status: r.status,
    severity: r.severity,
    startsAt: r.startsAt,
    labels: r.labels,
    annotations: r.annotations,
    ...(value === undefined ? {} : { value }),
  };
  if (r.endsAt !== null) n.endsAt = r.endsAt;
  return n;
}
