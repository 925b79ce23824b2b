/**
 * The one error class of fastdata.
 *
 * Every error carries a stable `code` (documented in docs/errors.md, checked by a test),
 * a `domain` that tells a user their own mistake from an outage or a bug of ours, a
 * `retriable` flag that retry loops read, and the context that locates it (stream,
 * topic, partition, offset, file, field). Messages name the thing, the value and the fix.
 */

export type ErrorDomain =
  /** The user's input: a config file, a module, a schema, a CLI argument, a request. */
  | 'user'
  /** Something outside fastdata: the disk, the network, a broker, a registry. */
  | 'external'
  /** A fastdata bug: an invariant that should hold did not. */
  | 'internal';

export interface ErrorContext {
  stream?: string;
  topic?: string;
  partition?: number;
  offset?: number;
  subject?: string;
  file?: string;
  field?: string;
  [key: string]: unknown;
}

export const ERROR_CODES = {
  FD_CONFIG_INVALID: { domain: 'user', retriable: false },
  FD_DURATION_INVALID: { domain: 'user', retriable: false },
  FD_ARGUMENT_INVALID: { domain: 'user', retriable: false },
  FD_UNAUTHENTICATED: { domain: 'user', retriable: false },
  FD_FORBIDDEN: { domain: 'user', retriable: false },
  FD_RATE_LIMITED: { domain: 'user', retriable: true },
  FD_MODEL_STATE_INVALID: { domain: 'user', retriable: false },
  FD_MODEL_LOAD_FAILED: { domain: 'user', retriable: false },
  FD_STREAM_DEFINITION_INVALID: { domain: 'user', retriable: false },
  FD_STREAM_LOAD_FAILED: { domain: 'user', retriable: false },
  FD_PIPELINE_INVALID: { domain: 'user', retriable: false },
  FD_TOPIC_NOT_FOUND: { domain: 'user', retriable: false },
  FD_TOPIC_EXISTS: { domain: 'user', retriable: false },
  FD_KEY_NOT_FOUND: { domain: 'user', retriable: false },
  FD_DASHBOARD_NOT_FOUND: { domain: 'user', retriable: false },
  FD_TOPIC_INVALID: { domain: 'user', retriable: false },
  FD_PARTITION_INVALID: { domain: 'user', retriable: false },
  FD_RECORD_INVALID: { domain: 'user', retriable: false },
  FD_MESSAGE_TOO_LARGE: { domain: 'user', retriable: false },
  FD_LOG_CLOSED: { domain: 'internal', retriable: false },
  FD_LOG_LOCKED: { domain: 'user', retriable: false },
  FD_LOG_CORRUPT: { domain: 'external', retriable: false },
  FD_LOG_IO: { domain: 'external', retriable: true },
  FD_INGEST_BUSY: { domain: 'external', retriable: true },
  FD_REPLAY_BUSY: { domain: 'user', retriable: true },
  FD_REPLAY_ABORTED: { domain: 'user', retriable: false },
  FD_LOG_READ_ONLY: { domain: 'user', retriable: false },
  FD_GROUP_REBALANCING: { domain: 'external', retriable: true },
  FD_GROUP_ACTIVE: { domain: 'user', retriable: false },
  FD_SCHEMA_INVALID: { domain: 'user', retriable: false },
  FD_SCHEMA_INCOMPATIBLE: { domain: 'user', retriable: false },
  FD_SCHEMA_NOT_FOUND: { domain: 'user', retriable: false },
  FD_SUBJECT_NOT_FOUND: { domain: 'user', retriable: false },
  FD_VERSION_NOT_FOUND: { domain: 'user', retriable: false },
  FD_COMPATIBILITY_INVALID: { domain: 'user', retriable: false },
  FD_REGISTRY_UNAVAILABLE: { domain: 'external', retriable: true },
  FD_WIRE_FORMAT_INVALID: { domain: 'user', retriable: false },
  FD_AVRO_DECODE_FAILED: { domain: 'user', retriable: false },
  FD_AVRO_ENCODE_FAILED: { domain: 'user', retriable: false },
  FD_INTERNAL: { domain: 'internal', retriable: false },
  FD_REGISTRY_CLOSED: { domain: 'internal', retriable: false },
  FD_REGISTRY_READ_ONLY: { domain: 'user', retriable: false },
  FD_REGISTRY_LOCKED: { domain: 'user', retriable: false },
  FD_REGISTRY_CORRUPT: { domain: 'external', retriable: false },
  FD_SCHEMA_DELETE_REFUSED: { domain: 'user', retriable: false },
  FD_RECEIVER_KIND_UNSUPPORTED: { domain: 'user', retriable: false },
  FD_ALERT_NOT_FOUND: { domain: 'user', retriable: false },
  FD_SILENCE_NOT_FOUND: { domain: 'user', retriable: false },
} as const satisfies Record<string, { domain: ErrorDomain; retriable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FastdataErrorOptions {
  context?: ErrorContext;
  cause?: unknown;
  /** Overrides the code's default, for the rare error whose retriability depends on the case. */
  retriable?: boolean;
}

// A brand rather than instanceof alone: errors thrown by a second copy of fastdata (a
// module reaching another install) are still recognised.
const BRAND = Symbol.for('fastdata.error');

export class FastdataError extends Error {
  readonly code: ErrorCode;
  readonly domain: ErrorDomain;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: FastdataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FastdataError';
    this.code = code;
    this.domain = ERROR_CODES[code].domain;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.context = options.context ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, domain: this.domain, retriable: this.retriable, message: this.message, context: this.context };
  }
}

export function isFastdataError(value: unknown, code?: ErrorCode): value is FastdataError {
  const branded = value instanceof FastdataError || (typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true);
  return branded && (code === undefined || (value as FastdataError).code === code);
}

/** The message of anything thrown, for logs and dead-letter headers. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Bad input in one field (a query parameter, a body field): the message starts with the field's name. */
export function invalidArgument(field: string, message: string): FastdataError {
  return new FastdataError('FD_ARGUMENT_INVALID', `${field}: ${message}`, { context: { field } });
}
