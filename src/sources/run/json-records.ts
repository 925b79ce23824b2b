/**
 * A JSON record from bytes (an MQTT payload, a Kafka value): the object, or why it is not
 * one, as a SourceRecord wants it.
 */
import { errorMessage } from '../../errors.js';

export function parseJsonObject(raw: Buffer): { value: unknown } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return { error: `not JSON: ${errorMessage(error)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `a record must be a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}` };
  }
  return { value };
}
