/**
 * Kafka record batches as the Log's records, and the Log's records as @platformatic/kafka
 * messages. Everything crosses as Buffers (the library's no-op serializers write bytes as
 * given, so a string must become its UTF-8 bytes here).
 */
import { IS_CONTROL, IS_TRANSACTIONAL, type MessageToProduce, type RecordsBatch } from '@platformatic/kafka';
import type { Headers, LogRecord, ProduceRecord } from '../types.js';

const EMPTY: Headers = Object.freeze({}) as Headers;

const bytes = (value: Buffer | string): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

export function toMessage(topic: string, record: ProduceRecord, partition: number, now: number): MessageToProduce {
  const message: MessageToProduce = {
    topic,
    partition,
    key: record.key === undefined || record.key === null ? undefined : bytes(record.key),
    value: (record.value === null ? null : bytes(record.value)) as Buffer,
    timestamp: BigInt(record.timestamp ?? now),
  };
  if (record.headers) {
    const headers = new Map<Buffer, Buffer>();
    for (const name of Object.keys(record.headers)) headers.set(Buffer.from(name), bytes(record.headers[name]!));
    message.headers = headers;
  }
  return message;
}

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/** What one partition's fetched batches hold for a reader. */
export interface DecodedPartition {
  records: LogRecord[];
  /** Past the last batch, control and aborted ones included: where the next fetch starts. */
  nextOffset: number | undefined;
}

/**
 * The records of a partition's batches from `from` on, without control batches (transaction
 * markers) and, when `aborted` is given (read_committed), without the records of aborted
 * transactions. As Kafka's Java consumer does it: a producer's transactional batches are
 * dropped from the first offset the broker lists for its aborted transaction up to its
 * abort marker, whether or not that marker is in this response.
 */
export function decodeBatches(topic: string, partition: number, batches: readonly RecordsBatch[], from: number, aborted?: readonly AbortedTransaction[]): DecodedPartition {
  const records: LogRecord[] = [];
  const pending = aborted ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  const abortedProducers = new Set<bigint>();
  let nextOffset: number | undefined;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    nextOffset = Number(last) + 1;
    while (pending.length > 0 && pending[0]!.firstOffset <= last) abortedProducers.add(pending.shift()!.producerId);
    if (batch.attributes & IS_CONTROL) {
      // An abort marker (control type 0) ends that producer's aborted range.
      const type = batch.records[0]?.key?.readInt16BE(2);
      if (type === 0) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
    const firstOffset = Number(batch.firstOffset);
    const firstTimestamp = Number(batch.firstTimestamp);
    for (const record of batch.records) {
      const offset = firstOffset + record.offsetDelta;
      if (offset < from) continue;
      let headers = EMPTY;
      if (record.headers.length > 0) {
        headers = {};
        // Kafka allows a header name twice; the Log's headers keep the last value, as a map must.
        for (const [name, value] of record.headers) if (name !== null) headers[name.toString()] = value ?? Buffer.alloc(0);
      }
      records.push({ topic, partition, offset, timestamp: firstTimestamp + Number(record.timestampDelta), key: record.key, value: record.value, headers });
    }
  }
  return { records, nextOffset };
}
