/**
 * A `kafka` source: a topic written by producers outside fastdata.
 *
 * - `format: avro`: the producers write Avro with the registry (the Confluent wire format),
 *   so modules read the topic as it is. The source only declares it: the catalog shows it
 *   with its schema and lineage, and the status page its size. Nothing is read here.
 * - `format: json`: the producers write JSON objects to `from`. The source reads `from` in
 *   the consumer group `fastdata.source.<name>` (several workers share its partitions),
 *   checks each record against the schema and writes it as Avro to `topic`, keeping the
 *   producer's key unless the source names a key field; what does not fit goes to the
 *   dead-letter topic. Offsets are committed after the records are durable (at-least-once).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isFastdataError } from '../../errors.js';
import type { Batch } from '../../log/types.js';
import { jsonObjectRecord } from '../json-record.js';
import type { SourceRecord } from '../source-record.js';
import type { SourceWriter, SourceWriterStats } from '../source-writer.js';
import { DeclaredSource } from './declared-source.js';
import { openSourceTopic } from './source-topic.js';

const SCHEMA_POLL_MS = 2_000;

export class KafkaSource extends DeclaredSource {
  private records = 0;

  /** An avro topic whose producers have not registered its schema yet is waited for, in run. */
  protected override async open(): Promise<SourceWriter | undefined> {
    if (this.declaration.kafka!.format === 'avro' && this.declaration.schema.from === 'registry') return undefined;
    return openSourceTopic(this.declaration, this.env);
  }

  protected async run(opened: SourceWriter | undefined, signal: AbortSignal): Promise<void> {
    const options = this.declaration.kafka!;
    if (options.format === 'avro') {
      await this.awaitRegisteredSchema(opened, signal);
      // Declared only: stays "running" (listed, profiled) until stopped.
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    const writer = opened!;
    const from = options.from!;
    const consumer = this.env.log.consumer({ groupId: `fastdata.source.${this.name}`, topics: [from], start: 'earliest', maxBatchRecords: 2000 });
    const eachBatch = async (batch: Batch) => {
      const records: SourceRecord[] = batch.records.map((r) => {
        const record = jsonObjectRecord(r.value ?? Buffer.alloc(0), `${batch.topic}[${batch.partition}]@${r.offset}`);
        if (r.key !== null) record.key = r.key.toString('utf8');
        return record;
      });
      if (records.length > 0) await writer.write(records);
      this.records += records.length;
      const next = batch.nextOffset ?? (batch.records.length > 0 ? batch.records[batch.records.length - 1]!.offset + 1 : undefined);
      if (next !== undefined) await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    };
    await consumer.run({ eachBatch });
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await consumer.stop();
  }

  /** Until the producers register `<topic>-value`: state waiting, saying for what. */
  private async awaitRegisteredSchema(opened: SourceWriter | undefined, signal: AbortSignal): Promise<void> {
    this.writer = opened;
    while (this.writer === undefined && !signal.aborted) {
      try {
        this.writer = await openSourceTopic(this.declaration, this.env);
        this.state = 'running';
        this.lastError = undefined;
      } catch (error) {
        if (!isFastdataError(error, 'FD_CONFIG_INVALID')) throw error;
        this.state = 'waiting';
        this.lastError = `waiting for the producers of ${this.topic} to register its schema (subject ${this.topic}-value)`;
        await delay(SCHEMA_POLL_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  protected override details(stats: SourceWriterStats): string {
    const options = this.declaration.kafka!;
    if (options.format === 'avro') return `kafka source (avro, written by outside producers), ${this.state}${this.lastError ? `: ${this.lastError}` : ''}`;
    return `kafka source: JSON from ${options.from} (${this.records} read), ${this.state}${stats.deadLetters > 0 ? `, ${stats.deadLetters} dead letters` : ''}`;
  }
}
