/**
 * A record from bytes that should hold one JSON object (an MQTT payload, the value of a
 * Kafka record written by an outside producer): the object, or why it is not one, in words,
 * with the bytes kept for the dead letter.
 */
import { errorMessage } from '../errors.js';
import type { SourceRecord } from './source-record.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function jsonObjectRecord(payload: Buffer, where: string): SourceRecord {
  const record: SourceRecord = { where, raw: payload };
  let text: string;
  try {
    text = UTF8.decode(payload);
  } catch {
    record.error = `not UTF-8 text (${payload.length} bytes): a payload must be one JSON object`;
    return record;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    record.error = `not JSON: ${errorMessage(error)}`;
    return record;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    record.error = `not a JSON object: got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `${typeof value} ${clip(text.trim())}`}`;
    return record;
  }
  record.value = value;
  return record;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
