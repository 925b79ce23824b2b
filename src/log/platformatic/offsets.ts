/**
 * Offsets through the admin client: a topic's start and end per partition, the first offset
 * at a time, and a group's committed offsets. ListOffsets goes to each partition's leader
 * as the client last saw it; right after a topic is created that may be none yet, so a
 * leaderless answer is asked again on fresh metadata for a while.
 */
import type { Admin } from '@platformatic/kafka';
import type { PartitionOffsets, TopicPartitionOffset } from '../types.js';

/** What a group member needs of offsets (the Log provides it). */
export interface PartitionOffsetsSource {
  offsets(topic: string): Promise<PartitionOffsets[]>;
  committed(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
}

const EARLIEST = -2n;
const LATEST = -1n;

async function partitionCount(admin: Admin, topic: string, fresh: boolean): Promise<number> {
  const metadata = await admin.metadata({ topics: [topic], forceUpdate: fresh });
  const described = metadata.topics.get(topic);
  if (!described) return 0;
  // Right after a create, a partition may have no leader yet: treat it as not there (asked again).
  if (described.partitions.some((p) => p === undefined || p.leader < 0)) return -1;
  return described.partitionsCount;
}

/** Offsets for `timestamp` (EARLIEST, LATEST or a time) per partition, by partition. */
async function listOffsets(admin: Admin, topic: string, timestamp: bigint, timeoutMs = 10_000): Promise<Map<number, number>> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50, fresh = false; ; wait = Math.min(1_000, wait * 2), fresh = true) {
    try {
      const count = await partitionCount(admin, topic, fresh);
      if (count >= 0) {
        const listed = await admin.listOffsets({
          topics: [{ name: topic, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }],
          isolationLevel: 0,
        });
        return new Map(listed.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, Number(p.offset)] as const)));
      }
    } catch (error) {
      if (Date.now() + wait > deadline) throw error;
      admin.clearMetadata();
    }
    if (Date.now() + wait > deadline) return new Map();
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

export async function topicOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const [starts, ends] = await Promise.all([listOffsets(admin, topic, EARLIEST), listOffsets(admin, topic, LATEST)]);
  return [...ends.keys()].sort((a, b) => a - b).map((partition) => ({ partition, start: starts.get(partition) ?? 0, end: ends.get(partition)! }));
}

/** The first offset whose timestamp is at or after `timestamp`, per partition; the end offset where none is. */
export async function offsetsForTime(admin: Admin, topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
  const [byTime, ends] = await Promise.all([listOffsets(admin, topic, BigInt(Math.max(0, Math.trunc(timestamp)))), listOffsets(admin, topic, LATEST)]);
  return [...ends.keys()]
    .sort((a, b) => a - b)
    .map((partition) => {
      const at = byTime.get(partition);
      return { topic, partition, offset: at === undefined || at < 0 ? ends.get(partition)! : at };
    });
}

export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
  const groups = await admin.listConsumerGroupOffsets({ groups: [groupId] });
  return groups
    .filter((g) => g.groupId === groupId)
    .flatMap((g) => g.topics.filter((t) => t.name === topic).flatMap((t) => t.partitions))
    .filter((p) => p.committedOffset >= 0n)
    .map((p) => ({ topic, partition: p.partitionIndex, offset: Number(p.committedOffset) }))
    .sort((a, b) => a.partition - b.partition);
}
