import type { TopicPartition } from './types.js';

export interface AssignorMember {
  id: string;
  topics: readonly string[];
}

/**
 * Kafka's RangeAssignor: per topic, the members subscribed to it (sorted by id) each take a
 * contiguous range of partitions, the first ones one extra when it does not divide evenly.
 * Topics with the same partition count are therefore co-partitioned: partition p of each goes
 * to the same member, which is what a stream task reading several inputs needs.
 */
export function rangeAssign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]));
  const topics = new Set(members.flatMap((m) => m.topics));
  for (const topic of [...topics].sort()) {
    const count = partitionCounts.get(topic);
    if (count === undefined) continue;
    const subscribers = members.filter((m) => m.topics.includes(topic)).map((m) => m.id).sort();
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((id, i) => {
      const take = per + (i < extra ? 1 : 0);
      for (let p = next; p < next + take; p++) result.get(id)!.push({ topic, partition: p });
      next += take;
    });
  }
  return result;
}
