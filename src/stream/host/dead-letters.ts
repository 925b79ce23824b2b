/**
 * The one dead-letter format of every processor (stream modules, sinks, the alert
 * evaluator): the record's bytes unchanged (or, for a value that never was a record, the
 * value as JSON), and headers that say why, where it came from and who sent it:
 *
 *   fastdata.dlq.reason      decode | event-time | future-event-time | late | invalid-key | wrong-partition | unmatched | pipeline-error
 *                            | output-invalid | sink-write
 *                            | parse | schema (a declared source's record: sources/source-writer.ts)
 *                            (future-event-time: further ahead of the processor's clock than watermark.maxFutureSkew;
 *                            headers fastdata.event.time, fastdata.processor.time, fastdata.max-future-skew)
 *   fastdata.dlq.module      the processor (a module's name, `<module>:cassandra`, `alerts`, `source:<name>`)
 *   fastdata.dlq.message     what went wrong, in words
 *   fastdata.source.topic / .partition / .offset    the input record, when there is one
 *   fastdata.source.where    for a declared source: where in its input (`data/x.csv line 17`, an MQTT topic)
 *   fastdata.dlq.content-type  application/json when the value is JSON written here
 *   fastdata.dlq.fields      for output-invalid over the number rule (output-numbers.ts): the bad fields' paths
 *   + the processor's details (the watermark a late record missed, the sink's name, …)
 */
import type { LogRecord, ProduceRecord } from '../../log/types.js';

/** Why a record went to a dead-letter topic: the `fastdata.dlq.reason` header. */
export type DeadLetterReason =
  | 'decode'
  | 'event-time'
  /** An event time further ahead of the processor's clock than watermark.maxFutureSkew (host/event-time.ts). */
  | 'future-event-time'
  | 'late'
  | 'invalid-key'
  | 'wrong-partition'
  | 'unmatched'
  | 'pipeline-error'
  | 'output-invalid'
  | 'sink-write'
  | 'parse'
  | 'schema';

export interface DeadLetter {
  reason: DeadLetterReason;
  message: string;
  /** The input record concerned, if any: its bytes go to the dead-letter topic unchanged. */
  source?: LogRecord;
  /** For failures past the input (an output that does not fit its schema): the value, as JSON. */
  value?: unknown;
  /** Extra headers, e.g. the watermark a late record missed. */
  details?: Record<string, string>;
}

export const DLQ_REASON_HEADER = 'fastdata.dlq.reason';
export const DLQ_MESSAGE_HEADER = 'fastdata.dlq.message';
export const DLQ_PROCESSOR_HEADER = 'fastdata.dlq.module';

/**
 * The dead-letter record of `letter`, sent by `processor`. `origin` adds headers of the
 * sender's own (a stream task's task and epoch, which output de-duplication reads);
 * `partition` pins it to a partition of the dead-letter topic (a task's own).
 */
export function deadLetterRecord(letter: DeadLetter, processor: string, origin?: Record<string, string>, partition?: number): ProduceRecord {
  const source = letter.source;
  const headers: Record<string, string> = {
    ...origin,
    [DLQ_REASON_HEADER]: letter.reason,
    [DLQ_MESSAGE_HEADER]: letter.message,
    [DLQ_PROCESSOR_HEADER]: processor,
    ...letter.details,
  };
  if (source) {
    headers['fastdata.source.topic'] = source.topic;
    headers['fastdata.source.partition'] = String(source.partition);
    headers['fastdata.source.offset'] = String(source.offset);
  }
  let value: Buffer | null = source?.value ?? null;
  if (letter.value !== undefined) {
    try {
      value = Buffer.from(JSON.stringify(letter.value) ?? 'null');
      headers['fastdata.dlq.content-type'] = 'application/json';
    } catch {
      value = Buffer.from(String(letter.value));
    }
  }
  return { key: source?.key ?? null, value, headers, partition, timestamp: source?.timestamp };
}
