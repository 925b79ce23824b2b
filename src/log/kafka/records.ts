/** kafkajs messages as the Log's records, and the Log's records as kafkajs messages. */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { Headers, LogRecord, ProduceRecord } from '../types.js';

const EMPTY: Headers = Object.freeze({}) as Headers;

function headersOf(headers: IHeaders | undefined): Headers {
  if (!headers) return EMPTY;
  const names = Object.keys(headers);
  if (names.length === 0) return EMPTY;
  const out: Headers = {};
  for (const name of names) {
    let value = headers[name];
    // Kafka allows a header name twice; the Log's headers keep the last value, as a map must.
    if (Array.isArray(value)) value = value[value.length - 1];
    if (value !== undefined) out[name] = typeof value === 'string' ? Buffer.from(value) : value;
  }
  return out;
}

export function toLogRecord(topic: string, partition: number, message: KafkaMessage): LogRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headersOf(message.headers),
  };
}

export function toMessage(record: ProduceRecord, partition: number, now: number): Message {
  return {
    key: record.key ?? null,
    value: record.value,
    partition,
    timestamp: String(record.timestamp ?? now),
    headers: record.headers,
  };
}
