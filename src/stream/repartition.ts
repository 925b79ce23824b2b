/**
 * A stream module's repartition topics, `fastdata.<module>.<keyBy>.repartition`: how a
 * record whose key (of a `keyBy`) belongs to another task gets there, as Kafka Streams'
 * repartition topics do, and how the tasks' watermarks travel beside those records.
 *
 * A repartition topic has as many partitions as the inputs and is read by the module's own
 * consumer group, so partition q is read by task q (range assignment keeps it with
 * partition q of the inputs). A forwarded record is keyed by its keyBy key, sent to the
 * key's task (its murmur2 partition), and carries:
 *   - `fastdata.event-time`: its event time, which the receiving task gives it;
 *   - its value: the input record's own bytes (Avro) when the keyBy forwards the input value
 *     unchanged (no map before it), else the value in V8's serialization (header
 *     `fastdata.content-type`), which keeps Dates, Buffers, bigints, Maps as they were.
 *     Only this module's tasks read it, all running the same code.
 *
 * A watermark marker (no key, no value; headers `fastdata.watermark`, `fastdata.origin`)
 * is sent to every partition of every repartition topic by each task after its forwards:
 * the watermark of its own inputs. The receiving task's windows wait for the markers of
 * every task (host/event-time.ts).
 */
import { deserialize, serialize } from 'node:v8';
import type { LogRecord, ProduceRecord } from '../log/types.js';
import type { DeadLetter } from './host/dead-letters.js';
import { ORIGIN_HEADER, WATERMARK_HEADER } from './host/event-time.js';

export const EVENT_TIME_HEADER = 'fastdata.event-time';
export const CONTENT_TYPE_HEADER = 'fastdata.content-type';
const V8_SERIALIZED = 'application/x-v8-serialized';

/**
 * Why keyBy `keyBy` cannot send a record to the task of `key`, or undefined when it can.
 * The markers a task sends carry the watermark of its inputs: they vouch only for records
 * that come straight from an input record, keyed once. `hasTopic`: the keyBy has a
 * repartition topic (it was in the pipeline when the module started); `record`: the record
 * being processed (undefined while a window or timer emits); `repartitioned`: that record
 * came through a repartition topic already.
 */
export function forwardProblem(hasTopic: boolean, record: LogRecord | undefined, repartitioned: boolean): string | undefined {
  if (!hasTopic) return 'this keyBy was not in the pipeline when the module started (is it created inside a mergeMap or switchMap?), so it has no repartition topic';
  if (record === undefined) return 'its record was emitted by a window or a timer';
  if (repartitioned) return 'its record was already repartitioned by another keyBy';
  return undefined;
}

/** The dead letter of a record keyBy `keyBy` cannot send to the task of `key`, saying why (`problem`) and what to write instead. */
export function unforwardable(keyBy: string, key: string, problem: string): DeadLetter {
  return {
    reason: 'pipeline-error',
    message:
      `keyBy '${keyBy}' must send key ${JSON.stringify(key)} to another task, but ${problem}; a module repartitions records as they come from its inputs, once: ` +
      `key by the new key before the window, or write the result to a topic and group it in another module`,
    details: { 'fastdata.keyby': keyBy, 'fastdata.key': key },
  };
}

/** The repartition topics of a module that has some (by keyBy name), and how many tasks share them. */
export interface Repartition {
  readonly topics: ReadonlyMap<string, string>;
  readonly partitions: number;
}

export const repartitionTopic = (module: string, keyBy: string) => `fastdata.${module}.${keyBy}.repartition`;

/** The record that takes `value` to the task of `key` (`partition`). */
export function forwardRecord(key: string, value: unknown, eventTime: number, raw: Buffer | undefined, partition: number, headers: Record<string, string>): ProduceRecord {
  const own: Record<string, string> = { ...headers, [EVENT_TIME_HEADER]: String(eventTime) };
  if (raw !== undefined) return { key, value: raw, partition, headers: own };
  own[CONTENT_TYPE_HEADER] = V8_SERIALIZED;
  return { key, value: serialize(value), partition, headers: own };
}

/** The marker that tells the task of `partition` how far the inputs of task `origin` have got (a watermark, or `idle`). */
export function markerRecord(origin: number, watermark: string, partition: number, headers: Record<string, string>): ProduceRecord {
  return { key: null, value: null, partition, headers: { ...headers, [WATERMARK_HEADER]: watermark, [ORIGIN_HEADER]: String(origin) } };
}

/** How a module's host decodes: V8-serialized repartitioned values, the rest with `avro`. */
export function repartitionDecoder(avro: (value: Buffer) => unknown): (value: Buffer, record: LogRecord) => unknown {
  return (value, record) => (record.headers[CONTENT_TYPE_HEADER]?.toString() === V8_SERIALIZED ? deserialize(value) : avro(value));
}

/** The event time a forwarded record carries; its sender checked it. */
export function repartitionedEventTime(_value: unknown, record: LogRecord): number {
  return Number(record.headers[EVENT_TIME_HEADER]?.toString());
}
