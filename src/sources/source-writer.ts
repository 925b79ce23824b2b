/**
 * Writes what a declared source read (file, MQTT, Kafka bridge) into its topic: each
 * record checked against the topic's schema (record-check.ts, as HTTP ingest checks), the
 * good ones encoded and written, the others sent to the source's dead-letter topic
 * `fastdata.source.<name>.dlq` with the reason, where they came from and their raw bytes.
 * A bad record never stops a source and is never lost.
 *
 * `write` resolves once the batch's records and dead letters are durable in the log: the
 * source acknowledges its input (moves its file position, acks the MQTT message) only
 * then, so what it acknowledged is never lost (at-least-once: a crash between the write
 * and the acknowledgement writes the batch again).
 */
import type { Type } from 'avsc';
import type { Log, ProduceRecord } from '../log/types.js';
import type { AvroEncoder } from '../schema/serde.js';
import { DLQ_MESSAGE_HEADER, DLQ_PROCESSOR_HEADER, DLQ_REASON_HEADER } from '../stream/host/dead-letters.js';
import { checkRecord, timeOf } from './record-check.js';
import type { SourceRecord } from './source-record.js';

/** Records per produce call: one record batch per partition each, under the log's batch limits. */
const PRODUCE_CHUNK = 1000;
export const WHERE_HEADER = 'fastdata.source.where';

export type SourceDeadLetterReason = 'parse' | 'schema' | 'invalid-key' | 'event-time';

export interface SourceWriterOptions {
  log: Log;
  /** The source's name: `source:<name>` in dead letters, and its dead-letter topic. */
  name: string;
  topic: string;
  encoder: AvroEncoder;
  /** The field holding the key; without one, the transport's key (an MQTT topic level), else none. */
  key?: string;
  /** The field holding the event time (milliseconds or an ISO date); without one, the time of writing. */
  time?: string;
  /** Prefixed to each record's `where` in dead letters: the file read, the broker. */
  origin?: string;
  /**
   * The topic's retention (ms; -1 or absent: none). The log deletes records by their
   * timestamp, which is their event time: a record older than this is deleted at the log's
   * next retention check, so writing one is warned about (once a minute at most).
   */
  retentionMs?: number;
  onWarning?: (message: string) => void;
  now?: () => number;
}

export interface SourceWriterStats {
  written: number;
  deadLetters: number;
  deadLettersByReason: Partial<Record<SourceDeadLetterReason, number>>;
  /** The last record refused: where and why. */
  lastProblem: { where: string; message: string; at: number } | undefined;
  /** Event time of the last record written (ms), for the status page. */
  lastEventTime: number | undefined;
}

export function sourceDeadLetterTopic(name: string): string {
  return `fastdata.source.${name}.dlq`;
}

export class SourceWriter {
  readonly deadLetterTopic: string;
  private readonly o: SourceWriterOptions & { now: () => number };
  private warnedAt = Number.NEGATIVE_INFINITY;
  private readonly counts: SourceWriterStats = { written: 0, deadLetters: 0, deadLettersByReason: {}, lastProblem: undefined, lastEventTime: undefined };

  constructor(options: SourceWriterOptions) {
    this.o = { ...options, now: options.now ?? Date.now };
    this.deadLetterTopic = sourceDeadLetterTopic(options.name);
  }

  /** The Avro type of the topic's records: what a CSV reader types its cells by. */
  get type(): Type {
    return this.o.encoder.type;
  }

  /** The topic's schema as JSON, logical types included (CSV timestamps read as ISO dates by them). */
  get schema(): unknown {
    return JSON.parse(this.o.encoder.schema.canonical) as unknown;
  }

  /** Checks, encodes and writes `records` (see the file comment); resolves once all is durable. */
  async write(records: readonly SourceRecord[]): Promise<{ written: number; deadLetters: number }> {
    const { encoder, key, time } = this.o;
    const now = this.o.now();
    const good: ProduceRecord[] = [];
    const bad: ProduceRecord[] = [];
    let lastTime: number | undefined;
    for (const record of records) {
      if (record.value === undefined) {
        bad.push(this.deadLetter(record, 'parse', record.error ?? 'could not be parsed'));
        continue;
      }
      const problem = checkRecord(encoder, record.value, { key, time });
      if (problem) {
        const reason: SourceDeadLetterReason = problem.field !== '' && problem.field === key ? 'invalid-key' : problem.field !== '' && problem.field === time ? 'event-time' : 'schema';
        bad.push(this.deadLetter(record, reason, problem.message));
        continue;
      }
      const value = record.value as Record<string, unknown>;
      const timestamp = time === undefined ? now : timeOf(value[time])!;
      lastTime = timestamp;
      good.push({ key: key === undefined ? (record.key ?? null) : String(value[key]), value: encoder.encode(value), timestamp });
    }
    this.warnIfExpiring(good, now);
    for (let i = 0; i < good.length; i += PRODUCE_CHUNK) await this.o.log.produce(this.o.topic, good.slice(i, i + PRODUCE_CHUNK));
    for (let i = 0; i < bad.length; i += PRODUCE_CHUNK) await this.o.log.produce(this.deadLetterTopic, bad.slice(i, i + PRODUCE_CHUNK));
    this.counts.written += good.length;
    this.counts.deadLetters += bad.length;
    if (lastTime !== undefined) this.counts.lastEventTime = lastTime;
    return { written: good.length, deadLetters: bad.length };
  }

  stats(): SourceWriterStats {
    return { ...this.counts, deadLettersByReason: { ...this.counts.deadLettersByReason } };
  }

  /** Records dated before the topic's retention are deleted by the log soon after they are written: say so. */
  private warnIfExpiring(records: ProduceRecord[], now: number): void {
    const retention = this.o.retentionMs;
    if (retention === undefined || retention < 0 || now - this.warnedAt < 60_000) return;
    const oldest = records.reduce((min, r) => Math.min(min, r.timestamp ?? now), now);
    if (oldest >= now - retention) return;
    this.warnedAt = now;
    this.o.onWarning?.(
      `source ${this.o.name}: writes records dated ${new Date(oldest).toISOString()} into ${this.o.topic}, older than its retention (${Math.round(retention / 3_600_000)} h): ` +
        `the log deletes them by their timestamp at its next check. Retime them (file.replay.retime), or raise the topic's retention.ms`,
    );
  }

  private deadLetter(record: SourceRecord, reason: SourceDeadLetterReason, message: string): ProduceRecord {
    const where = this.o.origin ? `${this.o.origin} ${record.where}` : record.where;
    this.counts.deadLettersByReason[reason] = (this.counts.deadLettersByReason[reason] ?? 0) + 1;
    this.counts.lastProblem = { where, message, at: this.o.now() };
    return {
      key: record.key ?? null,
      value: record.raw,
      headers: { [DLQ_REASON_HEADER]: reason, [DLQ_MESSAGE_HEADER]: message, [DLQ_PROCESSOR_HEADER]: `source:${this.o.name}`, [WHERE_HEADER]: where },
    };
  }
}
