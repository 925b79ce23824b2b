/**
 * @platformatic/kafka errors as FastdataErrors: the code a caller branches on, `retriable`
 * from the library (which knows Kafka's protocol errors), and the original as `cause`.
 *
 * The library reports a Kafka protocol error as a ProtocolError whose `apiId` is the error's
 * name (UNKNOWN_TOPIC_OR_PARTITION...), usually inside a ResponseError or, after retries, a
 * MultipleErrors (both AggregateErrors): the name is looked for through them.
 */
import { type ErrorCode, FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import { KAFKA_ERROR_CODES, kafkaErrorHint } from '../kafka/kafka-errors.js';


interface ErrorShape {
  apiId?: unknown;
  canRetry?: boolean;
  errors?: unknown[];
  cause?: unknown;
}

/** Every Kafka protocol error name in an error and what it wraps, outermost first. */
export function kafkaErrorTypes(error: unknown, depth = 0): string[] {
  const e = error as ErrorShape | undefined;
  if (!e || typeof e !== 'object' || depth > 6) return [];
  const own = typeof e.apiId === 'string' ? [e.apiId] : [];
  const inner = [...(Array.isArray(e.errors) ? e.errors : []), e.cause].flatMap((x) => kafkaErrorTypes(x, depth + 1));
  return [...own, ...inner];
}

/** The Kafka protocol error behind an error: the first one that maps to a fastdata code, else the first. */
export function kafkaErrorType(error: unknown): string | undefined {
  const types = kafkaErrorTypes(error);
  return types.find((t) => KAFKA_ERROR_CODES[t] !== undefined) ?? types[0];
}

export function hasKafkaError(error: unknown, type: string): boolean {
  return kafkaErrorTypes(error).includes(type);
}

/** The message of an error and of what it aggregates (MultipleErrors says only "failed 4 times"). */
function describe(error: unknown): string {
  const inner = (error as ErrorShape | undefined)?.errors;
  const last = Array.isArray(inner) && inner.length > 0 ? inner[inner.length - 1] : undefined;
  return last === undefined ? errorMessage(error) : `${errorMessage(error)} (last: ${describe(last)})`;
}

export function fromPlatformaticError(error: unknown, what: string, context: Record<string, unknown> = {}): FastdataError {
  if (isFastdataError(error)) return error;
  const type = kafkaErrorType(error);
  const code: ErrorCode = (type === undefined ? undefined : KAFKA_ERROR_CODES[type]) ?? 'FD_LOG_IO';
  const retriable = code === 'FD_LOG_IO' || code === 'FD_GROUP_REBALANCING' || (error as ErrorShape)?.canRetry === true;
  return new FastdataError(code, `${what}: ${describe(error)}${type ? ` (Kafka: ${type})` : ''}${kafkaErrorHint(code, type)}`, { cause: error, retriable, context });
}
