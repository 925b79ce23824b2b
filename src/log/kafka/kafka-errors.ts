/**
 * kafkajs errors as FastdataErrors: the code a caller branches on, `retriable` from
 * kafkajs (which knows Kafka's protocol errors), and the original as `cause`.
 */
import { type ErrorCode, FastdataError, errorMessage, isFastdataError } from '../../errors.js';

interface KafkaJsErrorShape {
  name?: string;
  type?: string;
  retriable?: boolean;
  message?: string;
}

/** Kafka protocol error names as fastdata's codes, for either driver (the rest are FD_LOG_IO). */
export const KAFKA_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'FD_TOPIC_NOT_FOUND',
  UNKNOWN_TOPIC_ID: 'FD_TOPIC_NOT_FOUND',
  TOPIC_ALREADY_EXISTS: 'FD_TOPIC_EXISTS',
  INVALID_TOPIC_EXCEPTION: 'FD_TOPIC_INVALID',
  INVALID_PARTITIONS: 'FD_TOPIC_INVALID',
  INVALID_CONFIG: 'FD_TOPIC_INVALID',
  INVALID_REPLICATION_FACTOR: 'FD_TOPIC_INVALID',
  INVALID_RECORD: 'FD_RECORD_INVALID',
  CORRUPT_MESSAGE: 'FD_RECORD_INVALID',
  MESSAGE_TOO_LARGE: 'FD_MESSAGE_TOO_LARGE',
  RECORD_LIST_TOO_LARGE: 'FD_MESSAGE_TOO_LARGE',
  REBALANCE_IN_PROGRESS: 'FD_GROUP_REBALANCING',
  ILLEGAL_GENERATION: 'FD_GROUP_REBALANCING',
  UNKNOWN_MEMBER_ID: 'FD_GROUP_REBALANCING',
  FENCED_INSTANCE_ID: 'FD_GROUP_REBALANCING',
};

/** Kafka's answers to a transactional producer that another one with the same id has fenced. */
const FENCED_TYPES: ReadonlySet<string> = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** What a message of a Kafka error of `code` (protocol error `type`) adds for its reader, for either driver. */
export function kafkaErrorHint(code: ErrorCode, type: string | undefined): string {
  if (type !== undefined && FENCED_TYPES.has(type)) {
    return "; this producer was fenced: another one has opened its transactional id since (the task moved to another worker), and Kafka refuses the older one's writes so that only the new owner's count. Nothing to fix unless it happens without a rebalance";
  }
  return code === 'FD_LOG_IO' ? '; check that the brokers are reachable (log.brokers) and the credentials (log.sasl, log.ssl)' : '';
}

/** The Kafka protocol error type behind a kafkajs error, looking through its causes. */
export function kafkaErrorType(error: unknown): string | undefined {
  let current = error as (KafkaJsErrorShape & { originalError?: unknown; cause?: unknown }) | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.type === 'string') return current.type;
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return undefined;
}

export function fromKafkaError(error: unknown, what: string, context: Record<string, unknown> = {}): FastdataError {
  if (isFastdataError(error)) return error;
  const type = kafkaErrorType(error);
  const code: ErrorCode = (type === undefined ? undefined : KAFKA_ERROR_CODES[type]) ?? 'FD_LOG_IO';
  const retriable = (error as KafkaJsErrorShape)?.retriable ?? code === 'FD_LOG_IO';
  return new FastdataError(code, `${what}: ${errorMessage(error)}${type ? ` (Kafka: ${type})` : ''}${kafkaErrorHint(code, type)}`, { cause: error, retriable, context });
}
