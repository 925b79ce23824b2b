/**
 * The shape of `alerts/receivers.yaml`, in TypeBox (checked by Ajv through validated-file).
 *
 * Checked in two passes, as dashboards are: first the outline (each receiver names a known
 * `kind`), then each receiver against its kind's schema. One union would report every
 * branch's complaint for one mistake; two passes report the one that matters.
 *
 * ```yaml
 * receivers:
 *   ops:
 *     kind: webhook
 *     url: https://hooks.example.com/fastdata
 *     secret_env: OPS_WEBHOOK_SECRET
 *     max_age: 24h          # parked notifications older than this are dropped, not sent
 *     probe_interval: 1m    # how often a receiver found down is tried again
 *   audit:
 *     kind: log
 *     path: .fastdata/alerts.jsonl
 * ```
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { stringEnum } from '../../config/validated-file.js';

export const RECEIVER_KINDS = ['webhook', 'log', 'websocket', 'kafka'] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

/** Receiver names appear in logs, metrics and rules (`receivers: [ops]`); no dots, so a field path names one receiver. */
export const RECEIVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const strict = { additionalProperties: false } as const;

/**
 * A duration as `toMillis` reads it. One `type` list rather than a union, so a wrong value
 * gets one message instead of one per branch.
 */
const Duration = Type.Unsafe<number | string>({
  type: ['integer', 'string'],
  minimum: 0,
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$',
  description: "milliseconds, or a string such as '250ms', '30s', '5m', '1h'",
});

/**
 * Grouping, as Alertmanager does it: alerts with the same values of `by` go out together,
 * `wait` after the group's first alert, then at most every `interval` while it changes,
 * and again every `repeat` while any of them fires unacknowledged.
 */
const GroupSettings = Type.Object(
  {
    by: Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), { maxItems: 16, description: "labels that make a group; [] puts every alert in one group (labels include alertname, key, severity)" }),
    wait: Type.Optional(Duration),
    interval: Type.Optional(Duration),
    repeat: Type.Optional(Duration),
  },
  strict,
);

/** Shared by every kind: how its queue delivers. */
const queueSettings = {
  queue_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'notifications in memory at most; the rest wait in the alert topic (default 10000)' })),
  group: Type.Optional(GroupSettings),
  probe_interval: Type.Optional(Duration),
  max_age: Type.Optional(Duration),
};

export const ReceiversOutline = Type.Object(
  {
    receivers: Type.Record(Type.String(), Type.Object({ kind: stringEnum(RECEIVER_KINDS) }, { additionalProperties: true }), { minProperties: 1 }),
  },
  strict,
);

export const WebhookReceiverSchema = Type.Object(
  {
    kind: Type.Literal('webhook'),
    url: Type.String({ pattern: '^https?://[^\\s/?#]+', maxLength: 2048, description: 'http:// or https:// address the notifications are POSTed to' }),
    secret: Type.Optional(Type.String({ minLength: 16, description: 'HMAC-SHA256 key of Fastdata-Signature (and the deprecated X-Fastdata-Signature); prefer secret_env' })),
    secret_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'environment variable holding the secret' })),
    timeout: Type.Optional(Duration),
    max_retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    backoff: Type.Optional(Type.Object({ initial: Type.Optional(Duration), max: Type.Optional(Duration) }, strict)),
    headers: Type.Optional(Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String({ maxLength: 8192 }))),
    ...queueSettings,
  },
  strict,
);

export const LogReceiverSchema = Type.Object(
  {
    kind: Type.Literal('log'),
    path: Type.Optional(Type.String({ minLength: 1, description: 'file the JSON lines are appended to (relative to the project); stdout when absent' })),
    ...queueSettings,
  },
  strict,
);

/** Notifications as records of a topic that WebSocket clients subscribe to on /ws. */
export const WebsocketReceiverSchema = Type.Object(
  { kind: Type.Literal('websocket'), topic: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$', description: 'default fastdata.alerts.<receiver name>' })), ...queueSettings },
  strict,
);

export const KafkaReceiverSchema = Type.Object(
  { kind: Type.Literal('kafka'), topic: Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$' }), ...queueSettings },
  strict,
);

export const RECEIVER_SCHEMAS: Record<ReceiverKind, TSchema> = {
  webhook: WebhookReceiverSchema,
  log: LogReceiverSchema,
  websocket: WebsocketReceiverSchema,
  kafka: KafkaReceiverSchema,
};

/** The second pass: each named receiver against its kind's schema; the others are not looked at. */
export function receiversSchemaFor(kinds: Map<string, ReceiverKind>): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const [name, kind] of kinds) properties[name] = RECEIVER_SCHEMAS[kind];
  return Type.Object({ receivers: Type.Object(properties, { additionalProperties: true }) }, { additionalProperties: true });
}
