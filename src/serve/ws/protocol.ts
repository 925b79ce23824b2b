/**
 * The WebSocket protocol of the access layer (`/ws`), documented in docs/websocket.md:
 * the frame types both ways, the limits, and the parsing of client frames into either a
 * checked frame or the error frame to answer with. No socket code: the endpoint calls
 * `parseClientFrame` on each message and `serializeServerFrame` on each reply.
 *
 * Validation is a TypeBox schema per op, checked by Ajv (as config files and routes
 * are), plus the two rules a schema says badly: since/last/resume exclude each other,
 * and an ISO time must be a real calendar time. One problem is reported per frame, the
 * first in a fixed field order, so a client always gets the same error for the same frame.
 */
import { type TObject, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { MAX_KEY_LENGTH, MAX_TIME, MIN_TIME } from '../access/query-params.js';
import type { ViewRecord } from '../access/view-record.js';

/** Largest client frame, in UTF-8 bytes; checked before parsing, so a huge frame costs no parse. */
export const MAX_FRAME_BYTES = 65_536;
/** Most records a `last` request may ask for. */
export const MAX_HISTORY = 10_000;
/** Most live subscriptions per connection (checked by the endpoint, which holds them). */
export const MAX_SUBSCRIPTIONS_PER_CLIENT = 100;
export const MAX_ID_LENGTH = 64;
/** Kafka's own limit on topic names. */
export const MAX_TOPIC_LENGTH = 249;
/** Largest partition number in a `resume` (Kafka's partitions are int32). */
export const MAX_PARTITION = 2 ** 31 - 1;
/** Most live subscriptions of all connections together (each live record is handed to every one of them). */
export const MAX_SUBSCRIPTIONS_TOTAL = 10_000;
/** Most open connections to /ws; past it a new one is closed at once with CLOSE_TOO_MANY_CONNECTIONS. */
export const MAX_CONNECTIONS = 1000;
/** A client whose socket takes nothing for this long while frames wait for it is closed with CLOSE_SLOW_CLIENT. */
export const SLOW_CLIENT_MS = 15_000;
/** Close code of a client that does not read its frames (policy violation), with the reason in words. */
export const CLOSE_SLOW_CLIENT = 1008;
/** Close code of a connection over MAX_CONNECTIONS ("try again later"). */
export const CLOSE_TOO_MANY_CONNECTIONS = 1013;
/** The server pings at the WebSocket level this often... */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** ...and closes a client that has not answered (pong) for this long. */
export const HEARTBEAT_TIMEOUT_MS = 30_000;

// ---- client → server -------------------------------------------------------------

export interface SubscribeFrame {
  op: 'subscribe';
  /** Chosen by the client, 1-64 characters; every server frame about this subscription carries it. */
  id: string;
  topic: string;
  /** Only records with exactly this key (at most MAX_KEY_LENGTH characters, as in REST). */
  key?: string;
  /** History from this time on: epoch milliseconds or an ISO-8601 time (see `sinceToMillis`), within the years 0000 to 9999. */
  since?: number | string;
  /** History: the last n records (1..MAX_HISTORY). */
  last?: number;
  /** Continue after a reconnect: the next offset per partition, keys are partition numbers. */
  resume?: Record<string, number>;
}

export interface UnsubscribeFrame {
  op: 'unsubscribe';
  id: string;
}

export interface PingFrame {
  op: 'ping';
  /** Any finite number (a client clock, a sequence): echoed in the pong. */
  t?: number;
}

export type ClientFrame = SubscribeFrame | UnsubscribeFrame | PingFrame;

// ---- server → client -------------------------------------------------------------

/** A record as the protocol carries it: decoded (the value as JSON), with its position for resuming. */
export type WsRecord = ViewRecord;

export interface SubscribedFrame {
  type: 'subscribed';
  id: string;
  topic: string;
  partitions: number;
  /**
   * Where the subscription starts reading, per partition (keys are partition numbers):
   * every record it delivers is at or after this offset. A client seeds its resume map
   * with it, so a partition that sends nothing before a disconnect still resumes without
   * a gap.
   */
  offsets: Record<string, number>;
}

export interface SnapshotFrame {
  type: 'snapshot';
  id: string;
  records: WsRecord[];
  /** True on the last snapshot frame of a subscription; live records follow it. */
  complete: boolean;
}

export interface RecordFrame extends WsRecord {
  type: 'record';
  id: string;
}

export interface MissedFrame {
  type: 'missed';
  id: string;
  /** Records of this subscription the client did not get since the previous missed frame. */
  count: number;
  conflated: true;
}

/** Every code an error frame may carry: the parser's, then those the endpoint sends. */
export const WS_ERROR_CODES = [
  'frame-too-large',
  'invalid-json',
  'invalid-frame',
  'unknown-op',
  'unknown-field',
  'invalid-id',
  'invalid-topic',
  'invalid-key',
  'invalid-since',
  'invalid-last',
  'invalid-resume',
  'invalid-t',
  'conflicting-fields',
  'too-many-subscriptions',
  'duplicate-id',
  'unknown-subscription',
  'unknown-topic',
  'internal',
] as const;

export type WsErrorCode = (typeof WS_ERROR_CODES)[number];

export interface ErrorFrame {
  type: 'error';
  /** The subscription the error is about, when the frame named a usable id. */
  id?: string;
  code: WsErrorCode;
  /** Starts with the field, says what is wrong and what is accepted. */
  message: string;
}

export interface PongFrame {
  type: 'pong';
  t?: number;
}

export interface UnsubscribedFrame {
  type: 'unsubscribed';
  id: string;
}

export type ServerFrame = SubscribedFrame | SnapshotFrame | RecordFrame | MissedFrame | ErrorFrame | PongFrame | UnsubscribedFrame;

/** JSON of record values by identity: one value sent to many clients is serialised once. */
const valueJson = new WeakMap<object, string>();

/** The JSON text of a record's value, made once per value object. */
export function recordValueJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let json = valueJson.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    valueJson.set(value, json);
  }
  return json;
}

/** A record as JSON, its value's JSON taken from the cache (made once per value object). */
function recordJson(record: WsRecord | RecordFrame): string {
  if (record.value === null || typeof record.value !== 'object') return JSON.stringify(record);
  const { value, ...rest } = record;
  return `${JSON.stringify(rest).slice(0, -1)},"value":${recordValueJson(value)}}`;
}

export function serializeServerFrame(frame: ServerFrame): string {
  if (frame.type === 'record') return recordJson(frame);
  if (frame.type === 'snapshot') {
    // A page of a snapshot goes to every client that asks for the same records: their values' JSON is made once.
    return `{"type":"snapshot","id":${JSON.stringify(frame.id)},"records":[${frame.records.map(recordJson).join(',')}],"complete":${frame.complete}}`;
  }
  return JSON.stringify(frame);
}

// ---- schemas ---------------------------------------------------------------------

// Kafka's rule (and "." and ".." are refused, as Kafka refuses them).
const TOPIC_PATTERN = '^(?!\\.{1,2}$)[A-Za-z0-9._-]+$';
const PARTITION_PATTERN = '^(0|[1-9][0-9]{0,9})$';
// Shape only; sinceToMillis checks the calendar. A time of day needs its zone, so the
// server's own zone never decides what a client meant.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

const Id = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });
const WholeNumber = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
// JSON's 1e400 parses to Infinity, which a plain number type lets through.
const FiniteNumber = Type.Number({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE });

const SubscribeSchema = Type.Object(
  {
    op: Type.Literal('subscribe'),
    id: Id,
    topic: Type.String({ minLength: 1, maxLength: MAX_TOPIC_LENGTH, pattern: TOPIC_PATTERN }),
    key: Type.Optional(Type.String({ maxLength: MAX_KEY_LENGTH })),
    since: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: MAX_TIME }), Type.String({ pattern: ISO_TIME.source })])),
    last: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HISTORY })),
    resume: Type.Optional(Type.Unsafe<Record<string, number>>({ type: 'object', patternProperties: { [PARTITION_PATTERN]: WholeNumber }, additionalProperties: false })),
  },
  { additionalProperties: false },
);
const UnsubscribeSchema = Type.Object({ op: Type.Literal('unsubscribe'), id: Id }, { additionalProperties: false });
const PingSchema = Type.Object({ op: Type.Literal('ping'), t: Type.Optional(FiniteNumber) }, { additionalProperties: false });

const SCHEMAS: Record<ClientFrame['op'], TObject> = { subscribe: SubscribeSchema, unsubscribe: UnsubscribeSchema, ping: PingSchema };
const OPS = Object.keys(SCHEMAS) as ClientFrame['op'][];

// Own instance: no useDefaults (a frame is never rewritten), every error so the first
// field in FIELD_ORDER can be picked.
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });
const VALIDATORS = Object.fromEntries(OPS.map((op) => [op, ajv.compile(SCHEMAS[op])])) as Record<ClientFrame['op'], ValidateFunction>;

// ---- parsing ---------------------------------------------------------------------

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; error: ErrorFrame };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses and checks one client message; never throws. */
export function parseClientFrame(raw: string | Buffer, maxBytes: number = MAX_FRAME_BYTES): ParseResult {
  // Buffer.byteLength counts without encoding: cheap next to the JSON.parse it may spare.
  const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
  if (size > maxBytes) {
    return fail('frame-too-large', `frame: is ${size} bytes, more than the limit of ${maxBytes}; send smaller frames (a subscribe needs far less)`);
  }
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : utf8.decode(raw);
  } catch {
    return fail('invalid-json', 'frame: is not UTF-8 text; send each frame as a JSON text message');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail('invalid-json', `frame: is not valid JSON (${(error as Error).message}); send one JSON object per message, like {"op":"ping"}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail('invalid-frame', `frame: must be a JSON object like {"op":"ping"} (got ${Array.isArray(data) ? 'an array' : show(data)})`);
  }
  const obj = data as Record<string, unknown>;
  const id = typeof obj['id'] === 'string' && obj['id'].length >= 1 && obj['id'].length <= MAX_ID_LENGTH ? obj['id'] : undefined;
  const op = obj['op'];
  if (typeof op !== 'string' || !OPS.includes(op as ClientFrame['op'])) {
    const what = op === undefined ? 'is required' : `must be one of ${OPS.map((o) => `"${o}"`).join(', ')} (got ${show(op)})`;
    return fail('unknown-op', `op: ${what}; the ops are ${OPS.join(', ')}`, id);
  }
  const validate = VALIDATORS[op as ClientFrame['op']];
  if (!validate(obj)) {
    const problem = firstProblem(op, validate.errors ?? [], obj);
    return fail(problem.code, problem.message, id);
  }
  if (op === 'subscribe') {
    const frame = obj as unknown as SubscribeFrame;
    const given = (['since', 'last', 'resume'] as const).filter((f) => frame[f] !== undefined);
    if (given.length > 1) {
      return fail('conflicting-fields', `${given.join(', ')}: send at most one of since, last and resume (got ${given.join(' and ')}); leave all out for live records only`, id);
    }
    if (typeof frame.since === 'string') {
      const since = sinceToMillis(frame.since);
      if (!(since >= MIN_TIME && since <= MAX_TIME)) return fail('invalid-since', sinceMessage(frame.since), id);
    }
    const partition = Object.keys(frame.resume ?? {}).find((p) => Number(p) > MAX_PARTITION);
    if (partition !== undefined) return fail('invalid-resume', `resume: ${show(partition)} is not a partition; keys must be partition numbers from 0 to ${MAX_PARTITION}`, id);
  }
  return { ok: true, frame: obj as unknown as ClientFrame };
}

/** A `since` as epoch milliseconds; NaN for a string that is not a real ISO-8601 time. */
export function sinceToMillis(since: number | string): number {
  if (typeof since === 'number') return since;
  const m = ISO_TIME.exec(since);
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  // Date.UTC reads the years 0 to 99 as 1900 to 1999: the year is set on its own.
  const back = new Date(Date.UTC(2000, 0, 1));
  back.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  back.setUTCHours(Number(h), Number(mi), Number(s), ms);
  const local = back.getTime();
  // Date.UTC rolls 2024-02-30 over to March 1st: a field that comes back changed was out of range.
  if (back.getUTCFullYear() !== Number(y) || back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || back.getUTCHours() !== Number(h) || back.getUTCMinutes() !== Number(mi) || back.getUTCSeconds() !== Number(s)) {
    return Number.NaN;
  }
  if (zone === 'Z') return local;
  const zh = Number(zone.slice(1, 3));
  const zm = Number(zone.slice(4, 6));
  if (zh > 23 || zm > 59) return Number.NaN;
  return local - (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm) * 60_000;
}

function fail(code: WsErrorCode, message: string, id?: string): { ok: false; error: ErrorFrame } {
  return { ok: false, error: id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message } };
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON's 1e400
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const sinceMessage = (got: unknown) =>
  `since: must be a time, epoch milliseconds (a whole number from 0 to ${MAX_TIME}) or an ISO-8601 date or time with its zone like "2024-05-01T12:00:00Z", ` +
  `from 0000-01-01 to 9999-12-31T23:59:59.999Z (got ${show(got)})`;

// The order in which problems are reported: an unknown field first (a misspelt field
// also shows up as a missing one, and the misspelling is the real problem).
const FIELD_ORDER = ['(unknown)', 'id', 'topic', 'key', 'since', 'last', 'resume', 't'];

interface Problem {
  field: string;
  code: WsErrorCode;
  message: string;
}

function firstProblem(op: string, errors: ErrorObject[], obj: Record<string, unknown>): Problem {
  const problems = errors.map((e) => describe(op, e, obj));
  problems.sort((a, b) => rank(a.field) - rank(b.field));
  return problems[0] ?? { field: '(frame)', code: 'invalid-frame', message: `frame: is not a valid ${op} frame` };
}

const rank = (field: string) => {
  const i = FIELD_ORDER.indexOf(field);
  return i < 0 ? FIELD_ORDER.length : i;
};

/** One Ajv error as the problem of one top-level field, in words a client author can act on. */
function describe(op: string, error: ErrorObject, obj: Record<string, unknown>): Problem {
  const path = error.instancePath.split('/').slice(1);
  if (path.length === 0 && error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const known = Object.keys(SCHEMAS[op as ClientFrame['op']].properties);
    return { field: '(unknown)', code: 'unknown-field', message: `${extra}: is not a field of a ${op} frame; its fields are ${known.join(', ')}` };
  }
  const field = path.length === 0 && error.keyword === 'required' ? String((error.params as { missingProperty: string }).missingProperty) : (path[0] ?? '');
  const got = show(obj[field]);
  switch (field) {
    case 'id':
      return { field, code: 'invalid-id', message: `id: must be a string of 1-${MAX_ID_LENGTH} characters, chosen by the client to name the subscription (got ${got})` };
    case 'topic':
      return { field, code: 'invalid-topic', message: `topic: must be a topic name of 1-${MAX_TOPIC_LENGTH} characters from A-Z a-z 0-9 . _ - (got ${got})` };
    case 'key':
      return { field, code: 'invalid-key', message: `key: must be a string of at most ${MAX_KEY_LENGTH} characters, the exact record key to receive (got ${got}); leave it out for every key` };
    case 'since':
      return { field, code: 'invalid-since', message: sinceMessage(obj[field]) };
    case 'last':
      return { field, code: 'invalid-last', message: `last: must be a whole number of records from 1 to ${MAX_HISTORY} (got ${got})` };
    case 'resume':
      return { field, code: 'invalid-resume', message: resumeMessage(error, path, obj[field]) };
    case 't':
      return { field, code: 'invalid-t', message: `t: must be a number (finite), echoed back in the pong (got ${got})` };
    default:
      return { field, code: 'invalid-frame', message: `${field || 'frame'}: ${error.message ?? 'is not valid'}` };
  }
}

function resumeMessage(error: ErrorObject, path: string[], resume: unknown): string {
  if (path.length === 1 && error.keyword === 'additionalProperties') {
    const partition = String((error.params as { additionalProperty: string }).additionalProperty);
    return `resume: ${show(partition)} is not a partition; keys must be partition numbers, whole numbers from 0 to ${MAX_PARTITION} like "0"`;
  }
  if (path.length >= 2) {
    const partition = path[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
    return `resume.${partition}: must be the next offset to read, a whole number >= 0 (got ${show((resume as Record<string, unknown>)[partition])})`;
  }
  return `resume: must be an object of next offsets by partition, like {"0": 42, "1": 7} (got ${show(resume)})`;
}
