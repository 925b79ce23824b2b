/**
 * How many bytes a produce call puts in one partition's record batch, as Kafka counts them
 * against a topic's `max.message.bytes`: Kafka checks a whole record batch (all the records
 * of one partition in one produce request), not each record. kafkajs sends all the records
 * of one `send` for a partition as one batch, so a checkpoint of 10,000 window updates is one
 * batch of about 1 MiB and is refused whole (MESSAGE_TOO_LARGE).
 *
 * The estimate is an upper bound of Kafka's record batch v2 encoding (uncompressed): the
 * batch header, and per record its length, attributes, timestamp and offset deltas, key,
 * value and headers, each variable-length field counted at its widest. Both Logs refuse a
 * batch whose estimate is over the limit (the embedded log exactly as the broker would, so
 * `fastdata dev` shows the problem too), and writers that must stay under it split their
 * records with `splitIntoRequests`.
 */
import { FastdataError } from '../errors.js';
import type { Log, ProduceRecord } from './types.js';

/** Kafka's record batch v2 header (base offset, length, epoch, magic, crc, attributes, …: 61 bytes). */
export const BATCH_OVERHEAD_BYTES = 61;

/**
 * Per record beyond its key, value and headers: length (varint, ≤ 5), attributes (1),
 * timestamp delta (varlong, ≤ 10), offset delta (≤ 5), key length (≤ 5), value length (≤ 5),
 * header count (≤ 5).
 */
export const RECORD_OVERHEAD_BYTES = 36;
/** Per header beyond its name and value: two varint lengths. */
export const HEADER_OVERHEAD_BYTES = 10;

/** Kafka's default `max.message.bytes` (1 MiB plus the 12-byte log overhead). */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

const byteLength = (value: Buffer | string): number => (typeof value === 'string' ? Buffer.byteLength(value) : value.length);

/** Upper bound of one record's bytes in a record batch. */
export function recordBatchBytes(record: ProduceRecord): number {
  let size = RECORD_OVERHEAD_BYTES;
  if (record.key !== undefined && record.key !== null) size += byteLength(record.key);
  if (record.value !== null) size += byteLength(record.value);
  const headers = record.headers;
  if (headers !== undefined) {
    for (const name in headers) size += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + byteLength(headers[name]!);
  }
  return size;
}

/**
 * Splits records, in order, into produce calls whose records all fit one record batch under
 * `maxBytes` whatever partitions they land on (a request's total is bounded, so each of its
 * partitions' batches is). A single record over the limit cannot be written at all: that is
 * an FD_MESSAGE_TOO_LARGE naming the record and the fix.
 */
export function splitIntoRequests(topic: string, records: readonly ProduceRecord[], maxBytes: number): ProduceRecord[][] {
  const budget = maxBytes - BATCH_OVERHEAD_BYTES;
  const requests: ProduceRecord[][] = [];
  let current: ProduceRecord[] = [];
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const bytes = recordBatchBytes(record);
    if (bytes > budget) throw recordTooLarge(topic, bytes + BATCH_OVERHEAD_BYTES, maxBytes, i);
    if (size + bytes > budget && current.length > 0) {
      requests.push(current);
      current = [];
      size = 0;
    }
    current.push(record);
    size += bytes;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** One record alone is over the topic's limit: no split helps, the limit or the record must change. */
function recordTooLarge(topic: string, bytes: number, maxBytes: number, index: number): FastdataError {
  return new FastdataError(
    'FD_MESSAGE_TOO_LARGE',
    `cannot write record ${index} to ${topic}: it takes ${bytes} bytes in a record batch, over the topic's max.message.bytes of ${maxBytes}. ` +
      `Make the record smaller (a state entry: bound what the operator keeps, e.g. collect's limit), or raise max.message.bytes on ${topic} ` +
      `(Kafka: kafka-configs --alter --entity-type topics --entity-name ${topic} --add-config max.message.bytes=<bytes>; the embedded log: its topic.json)`,
    { context: { topic, field: 'max.message.bytes' } },
  );
}

/** A produce call refused because one partition's batch is over the topic's limit (both Logs throw this). */
export function batchTooLarge(topic: string, partition: number, bytes: number, records: number, maxBytes: number): FastdataError {
  return new FastdataError(
    'FD_MESSAGE_TOO_LARGE',
    `cannot produce to ${topic}[${partition}]: ${records} record(s) make a record batch of ${bytes} bytes, over the topic's max.message.bytes of ${maxBytes} ` +
      `(the broker checks a whole batch, not each record). Send fewer records per call (fastdata's own writers split checkpoints and outputs by this limit), ` +
      `or raise max.message.bytes on ${topic}`,
    { context: { topic, partition, field: 'max.message.bytes' } },
  );
}

/**
 * Produces `records` to `topic` in order, in as many produce calls as its max.message.bytes
 * needs. Each call is atomic; the whole is not (a crash can leave the first calls written):
 * callers that need all-or-nothing close the whole with a marker record, or use a transaction.
 */
export async function produceInRequests(log: Log, topic: string, records: readonly ProduceRecord[]): Promise<void> {
  if (records.length === 0) return;
  const described = await log.describeTopic(topic);
  if (!described) throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${topic} does not exist; create it first`, { context: { topic } });
  for (const request of splitIntoRequests(topic, records, described.config.maxMessageBytes)) await log.produce(topic, request);
}
