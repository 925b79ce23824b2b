/**
 * Records from outside the process into a topic, checked against the topic's registered
 * schema: what `POST /api/ingest/<topic>` (serve/ingest/) writes through. It writes
 * through the process's own log, so it works beside `fastdata dev`, which holds the
 * embedded log.
 *
 * - The schema is the latest version of `<topic>-value` in the registry (looked up again
 *   after SCHEMA_TTL_MS, so a new version is picked up); a topic with no schema is refused:
 *   there is nothing to check records against.
 * - Each record is checked whole (avsc's isValid, every bad field named by its path) and
 *   must have a usable key (`key` option: the field that holds it) and event time (`time`
 *   option: the field that holds it, milliseconds or an ISO date; default: now).
 * - All or nothing by default: one bad record refuses the request and writes nothing.
 *   With `partial`, the good records are written and the bad ones reported.
 * - What is accepted is durable when `ingest` resolves (the log's produce resolves once
 *   its records are durable).
 * - Back-pressure: at most `maxInFlightBytes` of records being written at once; past it a
 *   request is refused with FD_INGEST_BUSY (retriable), never queued without bound.
 */
import { FastdataError } from '../errors.js';
import type { Log, ProduceRecord } from '../log/types.js';
import { validateTopicName } from '../log/validate.js';
import type { AvroEncoder, AvroSerde } from '../schema/serde.js';
import { type SchemaRegistry, valueSubject } from '../schema/types.js';
import { checkRecord, timeOf } from './record-check.js';

export interface IngestOptions {
  /** The field of each record that is its key (its partition). Default: none (no key). */
  key?: string;
  /** The field of each record that is its event time: milliseconds since the epoch, or an ISO 8601 date. Default: the time of the request. */
  time?: string;
  /** Write the good records of a request that has bad ones (default: refuse the whole request). */
  partial?: boolean;
}

export interface RejectedRecord {
  /** Its position in the request, from 0. */
  index: number;
  /** The field at fault (a dotted path), or '' for the record as a whole. */
  field: string;
  message: string;
}

export interface IngestOutcome {
  /** Records written (durable in the log). */
  accepted: number;
  rejected: RejectedRecord[];
}

export interface RecordIngestOptions {
  log: Log;
  registry: SchemaRegistry;
  serde: AvroSerde;
  /** Partitions of a topic ingest creates (one whose schema is registered but which does not exist yet). */
  partitions: number;
  /** Bytes of records being written at once, all requests together. Default 64 MiB. */
  maxInFlightBytes?: number;
  now?: () => number;
}

const SCHEMA_TTL_MS = 10_000;
const DEFAULT_MAX_IN_FLIGHT = 64 * 1024 * 1024;
/** Records per produce call: one record batch per partition each, under the log's batch limits. */
const PRODUCE_CHUNK = 1000;

export class RecordIngest {
  private readonly o: RecordIngestOptions & { maxInFlightBytes: number; now: () => number };
  private readonly encoders = new Map<string, { at: number; encoder: Promise<AvroEncoder> }>();
  private inFlight = 0;
  /** Key and time fields of topics an `http` source declares (sources/run/http-source.ts). */
  private readonly declared = new Map<string, Pick<IngestOptions, 'key' | 'time'>>();
  private readonly accepted = new Map<string, number>();

  constructor(options: RecordIngestOptions) {
    this.o = { ...options, maxInFlightBytes: options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT, now: options.now ?? Date.now };
  }

  /**
   * The key and time fields of `topic`'s records, as an `http` source declares them: a
   * request that names neither uses these. Returns the function that takes them back.
   */
  declare(topic: string, fields: Pick<IngestOptions, 'key' | 'time'>): () => void {
    this.declared.set(topic, fields);
    return () => {
      if (this.declared.get(topic) === fields) this.declared.delete(topic);
    };
  }

  /** Records written into `topic` since the process started. */
  acceptedInto(topic: string): number {
    return this.accepted.get(topic) ?? 0;
  }

  /** Checks `records` against the topic's schema and writes them (see the file comment). */
  async ingest(topic: string, records: readonly unknown[], requested: IngestOptions = {}): Promise<IngestOutcome> {
    validateTopicName(topic);
    const declared = this.declared.get(topic);
    const options: IngestOptions = { key: requested.key ?? declared?.key, time: requested.time ?? declared?.time, partial: requested.partial };
    const encoder = await this.encoderOf(topic);
    const now = this.o.now();
    const rejected: RejectedRecord[] = [];
    const good: ProduceRecord[] = [];
    let bytes = 0;
    records.forEach((record, index) => {
      const problem = checkRecord(encoder, record, options);
      if (problem) {
        rejected.push({ index, ...problem });
        return;
      }
      const r = record as Record<string, unknown>;
      const value = encoder.encode(record);
      bytes += value.length;
      good.push({ key: options.key === undefined ? null : String(r[options.key]), value, timestamp: options.time === undefined ? now : timeOf(r[options.time])! });
    });
    if (rejected.length > 0 && !options.partial) return { accepted: 0, rejected };
    if (good.length === 0) return { accepted: 0, rejected };
    if (this.inFlight + bytes > this.o.maxInFlightBytes && this.inFlight > 0) {
      throw new FastdataError('FD_INGEST_BUSY', `ingest into ${topic} is busy: ${this.inFlight} bytes are being written; send this request again in a moment (Retry-After)`, {
        context: { topic },
      });
    }
    this.inFlight += bytes;
    try {
      await this.ensureTopic(topic);
      for (let i = 0; i < good.length; i += PRODUCE_CHUNK) await this.o.log.produce(topic, good.slice(i, i + PRODUCE_CHUNK));
    } finally {
      this.inFlight -= bytes;
    }
    this.accepted.set(topic, this.acceptedInto(topic) + good.length);
    return { accepted: good.length, rejected };
  }

  /** An encoder for the latest schema of the topic's value subject, looked up again after SCHEMA_TTL_MS. */
  encoderOf(topic: string): Promise<AvroEncoder> {
    const subject = valueSubject(topic);
    const cached = this.encoders.get(subject);
    if (cached && this.o.now() - cached.at < SCHEMA_TTL_MS) return cached.encoder;
    const encoder = (async () => {
      let latest;
      try {
        latest = await this.o.registry.getLatest(subject);
      } catch (error) {
        if (error instanceof FastdataError && (error.code === 'FD_SUBJECT_NOT_FOUND' || error.code === 'FD_SCHEMA_NOT_FOUND')) {
          throw new FastdataError(
            'FD_SUBJECT_NOT_FOUND',
            `topic ${topic} has no schema (subject ${subject}) to check records against: register one first (POST /registry/subjects/${subject}/versions, or fastdata schema register)`,
            { context: { topic, subject } },
          );
        }
        throw error;
      }
      return this.o.serde.encoderFor(subject, latest.schema, { autoRegister: false });
    })();
    this.encoders.set(subject, { at: this.o.now(), encoder });
    encoder.catch(() => this.encoders.delete(subject));
    return encoder;
  }

  private async ensureTopic(topic: string): Promise<void> {
    if (await this.o.log.describeTopic(topic)) return;
    await this.o.log.createTopic({ name: topic, partitions: this.o.partitions });
  }
}
