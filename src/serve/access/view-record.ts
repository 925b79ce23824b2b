/** A record of an output topic as the access layer serves it: decoded, with its position. */
import type { LogRecord } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { isFastdataError } from '../../errors.js';
import type { OutputRecord } from '../../sinks/result-store.js';

/** The serving layer's name for an output record (the result store's port defines its shape). */
export type ViewRecord = OutputRecord;

/** The view record of a log record whose value is decoded already (the processor host decodes a topic view's records). */
export function viewRecordOf(record: LogRecord, value: unknown): ViewRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : record.key.toString('utf8'),
    value,
  };
}

/**
 * Decodes a log record (Confluent framing); undefined for a tombstone. The first record of
 * a writer schema fetches it once from the registry, later ones decode synchronously.
 */
export async function toViewRecord(serde: AvroSerde, record: LogRecord): Promise<ViewRecord | undefined> {
  if (record.value === null) return undefined;
  let value: unknown;
  try {
    value = serde.decodeSync(record.value);
  } catch (error) {
    if (!isFastdataError(error, 'FD_SCHEMA_NOT_FOUND')) throw error;
    value = await serde.decode(record.value);
  }
  return viewRecordOf(record, value);
}
