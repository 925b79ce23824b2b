/**
 * Kafka's RangeAssignor on the shared `rangeAssign` (src/log/assignor.ts), as
 * @platformatic/kafka's partition assigner: partition p of every co-partitioned input goes
 * to the same member, as a stream task needs (the library's default is round robin, which
 * scatters them). The group leader runs it; with one member the library assigns it all.
 */
import type { GroupPartitionsAssigner } from '@platformatic/kafka';
import { rangeAssign } from '../assignor.js';

/** The protocol name kafkajs's RangeAssigner uses too (src/log/kafka/range-assigner.ts), so members of either driver can share a group. */
export const RANGE_PROTOCOL = { name: 'RangeAssigner', version: 0 };

export const rangeAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const counts = new Map<string, number>();
  for (const topic of topics) {
    const described = metadata.topics.get(topic);
    if (described) counts.set(topic, described.partitionsCount);
  }
  const subscriptions = [...members.values()].map((m) => ({ id: m.memberId, topics: m.topics ?? [...topics] }));
  const assignment = rangeAssign(subscriptions, counts);
  return [...members.keys()].map((memberId) => {
    const byTopic = new Map<string, { topic: string; partitions: number[] }>();
    for (const tp of assignment.get(memberId) ?? []) {
      const entry = byTopic.get(tp.topic) ?? { topic: tp.topic, partitions: [] };
      entry.partitions.push(tp.partition);
      byTopic.set(tp.topic, entry);
    }
    return { memberId, assignments: byTopic };
  });
};
