/**
 * Writes notifications to the alert topic (every change, keyed by fingerprint, so the
 * latest per alert is one lookup away) and to the compacted history (keyed by alert id,
 * the latest state of each instance). Receivers, the dashboard and the REST API read them
 * from there, in this process or another.
 *
 * A watermark can move thousands of alerts at once: their records are written in produce
 * requests under each topic's max.message.bytes (batch-size.ts), in order.
 */
import { FastdataError, isFastdataError } from '../../errors.js';
import { splitIntoRequests } from '../../log/batch-size.js';
import type { Log, ProduceRecord } from '../../log/types.js';
import type { AvroEncoder, AvroSerde } from '../../schema/serde.js';
import { valueSubject } from '../../schema/types.js';
import { deliveryKey, type AlertNotification } from '../receivers/notification.js';
import { ALERT_SCHEMA, fromAlertRecord, toAlertRecord, type AlertRecord } from './alert-record.js';
import { ALERT_TOPICS, HISTORY_RETENTION_MS, type AlertTopics } from './topics.js';

export class AlertPublisher {
  private events!: AvroEncoder<AlertRecord>;
  private history!: AvroEncoder<AlertRecord>;
  /** max.message.bytes per topic, read once (again after a write it refused). */
  private readonly maxBytes = new Map<string, number>();

  constructor(
    private readonly log: Log,
    private readonly serde: AvroSerde,
    /** The receivers of each rule, carried on the record so receivers need not load the rules (the notification: for a resolve of a rule since removed). */
    private readonly receiversOf: (rule: string, notification: AlertNotification) => readonly string[],
    private readonly topics: AlertTopics = ALERT_TOPICS,
  ) {}

  /** Creates the topics (one partition: receivers see notifications in the order they happened) and registers the schema. */
  async start(): Promise<void> {
    await ensureAlertTopics(this.log, this.topics);
    this.events = await this.serde.encoderFor<AlertRecord>(valueSubject(this.topics.events), ALERT_SCHEMA);
    this.history = await this.serde.encoderFor<AlertRecord>(valueSubject(this.topics.history), ALERT_SCHEMA);
  }

  /** Writes them, in order; resolves with the alert topic's end offset after them. */
  async publish(notifications: readonly AlertNotification[]): Promise<number> {
    if (notifications.length > 0) {
      const records = notifications.map((n) => toAlertRecord(n, this.receiversOf(n.rule, n)));
      await this.produce(this.topics.events, records.map((r) => ({ key: r.fingerprint, value: this.events.encode(r) })));
      await this.produce(this.topics.history, records.map((r) => ({ key: r.id, value: this.history.encode(r) })));
    }
    return this.end();
  }

  private async produce(topic: string, records: ProduceRecord[]): Promise<void> {
    let maxBytes = this.maxBytes.get(topic);
    if (maxBytes === undefined) {
      const described = await this.log.describeTopic(topic);
      if (!described) throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${topic} does not exist; the alert service creates it at start`, { context: { topic } });
      this.maxBytes.set(topic, (maxBytes = described.config.maxMessageBytes));
    }
    try {
      for (const request of splitIntoRequests(topic, records, maxBytes)) await this.log.produce(topic, request);
    } catch (error) {
      // The limit may have been lowered since it was read: read it again next time.
      if (isFastdataError(error, 'FD_MESSAGE_TOO_LARGE')) this.maxBytes.delete(topic);
      throw error;
    }
  }

  async end(): Promise<number> {
    const [offsets] = await this.log.offsets(this.topics.events);
    return offsets?.end ?? 0;
  }

  /** The delivery keys of the notifications written at or after `offset`: what a restart must not write again. */
  async keysSince(offset: number): Promise<Set<string>> {
    const keys = new Set<string>();
    const reader = this.log.reader({ topic: this.topics.events, from: { 0: offset }, stopAtEnd: true });
    try {
      for await (const batch of reader) {
        for (const record of batch.records) {
          if (record.value === null) continue;
          keys.add(deliveryKey(fromAlertRecord((await this.serde.decode(record.value)) as AlertRecord)));
        }
      }
    } finally {
      await reader.close();
    }
    return keys;
  }
}

/** The alert topics with their settings; idempotent (every process that touches alerts calls it). */
export async function ensureAlertTopics(log: Log, topics: AlertTopics = ALERT_TOPICS): Promise<void> {
  await log.createTopic({ name: topics.events, partitions: 1 });
  await log.createTopic({ name: topics.history, partitions: 1, config: { cleanupPolicy: 'compact,delete', retentionMs: HISTORY_RETENTION_MS, segmentMs: 3_600_000 } });
  await log.createTopic({ name: topics.state, partitions: 1, config: { cleanupPolicy: 'compact', segmentMs: 600_000 } });
  await log.createTopic({ name: topics.silences, partitions: 1, config: { cleanupPolicy: 'compact', segmentMs: 3_600_000 } });
  await log.createTopic({ name: topics.acks, partitions: 1, config: { cleanupPolicy: 'compact', segmentMs: 3_600_000 } });
}
