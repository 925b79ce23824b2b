/** The alerting REST routes (alerts/alert-routes.ts): the history, acknowledgements, silences, status. */
import { MATCHER_OPS } from '../../alerts/state/silence.js';
import { errors, json, keyParam, limitParam, pathParam, query, timeParam, type Operation } from './common.js';

const tags = ['alerts'];
const ack = {
  type: 'object',
  required: ['alertId', 'by', 'comment', 'at'],
  properties: { alertId: { type: 'string' }, by: { type: 'string' }, comment: { type: 'string' }, at: { type: 'integer', description: 'epoch ms' } },
};
const alert = {
  type: 'object',
  required: ['id', 'fingerprint', 'rule', 'key', 'status', 'severity', 'startsAt', 'labels', 'annotations'],
  properties: {
    id: { type: 'string', description: '<fingerprint>:<startsAt>' },
    fingerprint: { type: 'string', description: 'the rule and key' },
    rule: { type: 'string' },
    key: { type: 'string' },
    status: { type: 'string', enum: ['firing', 'resolved'] },
    severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
    startsAt: { type: 'integer' },
    endsAt: { type: ['integer', 'null'] },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    receivers: { type: 'array', items: { type: 'string' } },
    value: { description: 'the record that fired it' },
    acknowledged: { oneOf: [ack, { type: 'null' }] },
    undelivered: { type: 'array', items: { type: 'string' }, description: 'receivers of this process holding a notification of it parked' },
  },
};
const matcher = {
  type: 'object',
  required: ['label', 'value'],
  additionalProperties: false,
  properties: {
    label: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: "a label of the alert: the rule's labels, alertname, key" },
    op: { type: 'string', enum: [...MATCHER_OPS], default: '=', description: '=~ and !~ take an RE2 regular expression matching the whole value' },
    value: { type: 'string', maxLength: 1024 },
  },
};
const time = { oneOf: [{ type: 'integer', description: 'epoch ms' }, { type: 'string', description: 'ISO 8601' }] };
const silenceInput = {
  type: 'object',
  required: ['matchers', 'endsAt', 'comment', 'createdBy'],
  additionalProperties: false,
  properties: {
    matchers: { type: 'array', minItems: 1, maxItems: 32, items: matcher },
    startsAt: { ...time, description: 'default now' },
    endsAt: { ...time, description: 'after startsAt and now; at most 366 days after startsAt' },
    comment: { type: 'string', minLength: 1, maxLength: 2048 },
    createdBy: { type: 'string', minLength: 1, maxLength: 2048 },
  },
};
const silence = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    matchers: { type: 'array', items: matcher },
    startsAt: { type: 'integer' },
    endsAt: { type: 'integer' },
    comment: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
    state: { type: 'string', enum: ['active', 'pending', 'expired'] },
  },
};
const idParam = pathParam('id', 'an alert id as GET /api/alerts lists them: <fingerprint>:<startsAt>');
const silenceId = pathParam('id', 'a silence id');
const starting = [503, 'alerting is still starting (reading the alert topics)'] as [number, string];

/** Ranges of the alert list's query parameters, as alert-routes.ts checks them. */
export const ALERT_LIMIT = { fallback: 100, max: 10_000 };

const SILENCE_EXAMPLE = {
  matchers: [{ label: 'alertname', op: '=', value: 'overheating' }, { label: 'key', op: '=~', value: 'sensor-0[0-9]' }],
  // Two hours from when the document is made (a getter: the document copies the table per request), so the example can be sent as it is.
  get endsAt() {
    return new Date(Date.now() + 2 * 3_600_000).toISOString();
  },
  comment: 'maintenance of the plant',
  createdBy: 'ops',
};
const ACK_EXAMPLE = { by: 'ops', comment: 'looking into it' };

export const alertOperations: Record<string, Operation> = {
  'GET /api/alerts': {
    tags,
    summary: 'Alert instances, newest first',
    parameters: [
      query('status', { type: 'string', enum: ['firing', 'resolved'] }),
      keyParam('rule', 'only this rule'),
      keyParam('key', 'only this key'),
      timeParam('from', 'instances that started at or after this'),
      timeParam('to', 'instances that started before this'),
      limitParam(ALERT_LIMIT.fallback, ALERT_LIMIT.max, 'instances'),
    ],
    responses: { '200': json('the instances and how many match', { type: 'object', properties: { alerts: { type: 'array', items: alert }, total: { type: 'integer' } } }), ...errors(400, starting) },
  },
  'GET /api/alerts/{id}': { tags, summary: 'One instance, with its acknowledgement', parameters: [idParam], responses: { '200': json('the instance', alert), ...errors(404, starting) } },
  'POST /api/alerts/{id}/ack': {
    tags,
    summary: 'Acknowledge an instance',
    parameters: [idParam],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { type: 'object', required: ['by'], additionalProperties: false, properties: { by: { type: 'string', minLength: 1, maxLength: 256 }, comment: { type: 'string', maxLength: 2048 } } },
          example: ACK_EXAMPLE,
        },
      },
    },
    responses: { '201': json('the acknowledgement', ack), ...errors(400, 404, starting) },
  },
  'DELETE /api/alerts/{id}/ack': { tags, summary: 'Withdraw the acknowledgement', parameters: [idParam], responses: { '204': { description: 'withdrawn' }, ...errors(404, starting) } },
  'GET /api/alerts/silences': {
    tags,
    summary: 'Silences, newest first',
    parameters: [query('state', { type: 'string', enum: ['active', 'pending', 'expired'] })],
    responses: { '200': json('the silences', { type: 'object', properties: { silences: { type: 'array', items: silence } } }), ...errors(400, starting) },
  },
  'POST /api/alerts/silences': {
    tags,
    summary: 'Create a silence: matching firings are not sent to receivers until endsAt',
    requestBody: { required: true, content: { 'application/json': { schema: silenceInput, example: SILENCE_EXAMPLE } } },
    responses: { '201': json('the silence', silence), ...errors(400, starting) },
  },
  'GET /api/alerts/silences/{id}': { tags, summary: 'One silence', parameters: [silenceId], responses: { '200': json('the silence', silence), ...errors(404, starting) } },
  'DELETE /api/alerts/silences/{id}': { tags, summary: 'Expire a silence now (it is kept, as expired)', parameters: [silenceId], responses: { '200': json('the expired silence', silence), ...errors(404, starting) } },
  'GET /api/alerts/status': {
    tags,
    summary: "The rules, the evaluator and each receiver's queue, lag and counts",
    responses: { '200': json('the status', { type: 'object', properties: { rules: { type: 'array' }, receivers: { type: 'array' }, engine: {} } }), ...errors(starting) },
  },
  'GET /api/alerts/undelivered': {
    tags,
    summary: 'Per receiver: whether it is taken for down, the notifications parked for it, and what was re-sent, dropped or superseded',
    responses: { '200': json('the receivers', { type: 'object', properties: { receivers: { type: 'array', items: { type: 'object', properties: { receiver: { type: 'string' }, kind: { type: 'string' }, lag: { type: 'number' } } } } } }), ...errors(starting) },
  },
};
