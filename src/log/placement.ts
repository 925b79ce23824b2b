import { FastdataError } from '../errors.js';
import { BATCH_OVERHEAD_BYTES, batchTooLarge, recordBatchBytes } from './batch-size.js';
import { partitionForKey } from './partitioner.js';
import type { ProduceRecord, TopicDescription } from './types.js';
import { checkProduceRecord, invalidRecord } from './validate.js';

/**
 * Where the records of one produce call go on a Kafka topic, whichever client writes them:
 * an explicit partition as given (the topic described again before one out of range is
 * refused: it may have grown), a keyed record on its murmur2 partition as Kafka's default
 * partitioner puts it, an unkeyed one on `unkeyed` modulo the partitions (one per call).
 * Checks what the broker would refuse, before sending: a record that is no record, an
 * unkeyed record for a compacted topic, a partition's batch over max.message.bytes (in the
 * embedded log's words).
 */
export async function placeRecords(
  topic: string,
  records: readonly ProduceRecord[],
  describe: (fresh: boolean) => Promise<TopicDescription | undefined>,
  unkeyed: number,
): Promise<{ partitions: number[]; count: number }> {
  let description = await describe(false);
  if (!description) throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${topic} does not exist; create it first`, { context: { topic } });
  const compacted = description.config.cleanupPolicy.includes('compact');
  const placed: number[] = [];
  const batchBytes = new Map<number, { bytes: number; records: number }>();
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    checkProduceRecord(record, i, topic);
    const key = record.key ?? null;
    if (compacted && key === null) throw invalidRecord(i, topic, 'key', `${topic} is compacted, so every record needs a key`);
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= description.partitions) {
        description = (await describe(true)) ?? description;
        if (!(record.partition >= 0 && record.partition < description.partitions)) {
          throw new FastdataError('FD_PARTITION_INVALID', `record ${i}: ${topic} has partitions 0..${description.partitions - 1}; partition ${record.partition} does not exist`, {
            context: { topic, partition: record.partition },
          });
        }
      }
      placed.push(record.partition);
    } else if (key === null) {
      placed.push(unkeyed % description.partitions);
    } else {
      placed.push(partitionForKey(typeof key === 'string' ? Buffer.from(key) : key, description.partitions));
    }
    const batch = batchBytes.get(placed[i]!) ?? { bytes: BATCH_OVERHEAD_BYTES, records: 0 };
    batch.bytes += recordBatchBytes(record);
    batch.records++;
    batchBytes.set(placed[i]!, batch);
  }
  // The broker refuses the whole request for one batch over the limit.
  const maxBytes = description.config.maxMessageBytes;
  for (const [partition, { bytes, records: count }] of batchBytes) if (bytes > maxBytes) throw batchTooLarge(topic, partition, bytes, count, maxBytes);
  return { partitions: placed, count: description.partitions };
}
