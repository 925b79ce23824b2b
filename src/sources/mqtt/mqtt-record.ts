/**
 * One MQTT message as a SourceRecord (source-record.ts), and the checks of the `mqtt`
 * source's topic filters.
 *
 * - `value`: the payload parsed as one JSON object (json-record.ts); anything else (not
 *   UTF-8, not JSON, JSON that is not an object) gives `error` instead, in words;
 * - `where`: the MQTT topic the message was published on (`fleet/s-1/reading`);
 * - `raw`: the payload bytes, as received;
 * - `key`: the topic level at `keyLevel` (0-based: 1 for `fleet/<sensor>/reading`) when
 *   one is given; absent when the topic has fewer levels.
 */
import { jsonObjectRecord } from '../json-record.js';
import type { SourceRecord } from '../source-record.js';

export function mqttRecord(topic: string, payload: Buffer, keyLevel?: number): SourceRecord {
  const record = jsonObjectRecord(payload, topic);
  if (keyLevel !== undefined) {
    const key = topicLevel(topic, keyLevel);
    if (key !== undefined) record.key = key;
  }
  return record;
}

/** The level of `topic` at `index` (0-based), or undefined when it has fewer levels. */
export function topicLevel(topic: string, index: number): string | undefined {
  let start = 0;
  for (let level = 0; level < index; level++) {
    const slash = topic.indexOf('/', start);
    if (slash < 0) return undefined;
    start = slash + 1;
  }
  const end = topic.indexOf('/', start);
  return end < 0 ? topic.slice(start) : topic.slice(start, end);
}

/** Why `filter` is not a valid MQTT topic filter, or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter cannot be empty';
  if (Buffer.byteLength(filter) > 65_535) return 'a topic filter is at most 65535 bytes';
  if (filter.includes('\u0000')) return 'a topic filter cannot contain the NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `# must be a whole level and the last one (as in fleet/#), in ${JSON.stringify(filter)}`;
    }
    if (level.includes('+') && level !== '+') return `+ must be a whole level (as in fleet/+/reading), in ${JSON.stringify(filter)}`;
  }
  return undefined;
}
