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
import type { Batch, GroupConsumer } from '../../log/types.js';
import { jsonObjectRecord } from '../json-record.js';
import type { SourceRecord } from '../source-record.js';
import type { SourceWriter, SourceWriterStats } from '../source-writer.js';
import { DeclaredSource } from './declared-source.js';

export class KafkaSource extends DeclaredSource {
  private consumer: GroupConsumer | undefined;
  private records = 0;

  protected async run(writer: SourceWriter, signal: AbortSignal): Promise<void> {
    const options = this.declaration.kafka!;
    if (options.format === 'avro') {
      // Declared only: stays "running" (listed, profiled) until stopped.
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    const from = options.from!;
    const consumer = this.env.log.consumer({ groupId: `fastdata.source.${this.name}`, topics: [from], start: 'earliest', maxBatchRecords: 2000 });
    this.consumer = consumer;
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

  protected override details(stats: SourceWriterStats): string {
    const options = this.declaration.kafka!;
    if (options.format === 'avro') return `kafka source (avro, written by outside producers), ${this.state}`;
    return `kafka source: JSON from ${options.from} (${this.records} read), ${this.state}${stats.deadLetters > 0 ? `, ${stats.deadLetters} dead letters` : ''}`;
  }
}
