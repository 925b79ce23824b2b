/**
 * kafkajs's default assigner is round robin, which scatters the partitions of co-partitioned
 * inputs over members; a stream task needs partition p of every input topic. This is
 * Kafka's RangeAssignor (the Java client's default) on the shared `rangeAssign`, so the
 * embedded log and Kafka hand out partitions the same way.
 */
import type { PartitionAssigner } from 'kafkajs';
import kafkajs from './client.js';
import { rangeAssign } from '../assignor.js';

const { AssignerProtocol } = kafkajs;

export const RANGE_ASSIGNER_NAME = 'RangeAssigner';

export const RangeAssigner: PartitionAssigner = ({ cluster }) => ({
  name: RANGE_ASSIGNER_NAME,
  version: 0,
  async assign({ members, topics }) {
    const counts = new Map<string, number>();
    for (const topic of topics) counts.set(topic, cluster.findTopicPartitionMetadata(topic).length);
    const subscriptions = members.map((m) => ({
      id: m.memberId,
      topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? topics,
    }));
    const assignment = rangeAssign(subscriptions, counts);
    return members.map((m) => {
      const byTopic: Record<string, number[]> = {};
      for (const tp of assignment.get(m.memberId) ?? []) (byTopic[tp.topic] ??= []).push(tp.partition);
      return {
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: byTopic, userData: Buffer.alloc(0) }),
      };
    });
  },
  protocol({ topics }) {
    return { name: RANGE_ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
