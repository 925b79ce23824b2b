/**
 * Consumer groups of the embedded log, in one process: members join and leave, and every
 * change of membership (or of the subscribed topics) is an eager rebalance as in Kafka's
 * classic protocol: every member finishes its batch in flight, is told which partitions it
 * loses (`onRevoked`, its chance to commit), then the range assignor hands out partitions
 * and each member is told what it gets (`onAssigned`, its chance to restore state).
 * Rebalances of a group run one at a time.
 */
import { rangeAssign } from '../assignor.js';
import type { TopicPartition } from '../types.js';

/** What the coordinator needs of a member (implemented by EmbeddedGroupConsumer). */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Waits for the batch in flight, then holds the member's fetch loop. */
  quiesce(): Promise<void>;
  revokeAll(): Promise<void>;
  assign(partitions: TopicPartition[]): Promise<void>;
  resume(): void;
}

class Group {
  members: GroupMember[] = [];
  generation = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly partitionCounts: () => Map<string, number>,
  ) {}

  /** Queues a rebalance after `change` (a membership edit) and resolves when it is done. */
  rebalance(change: () => void = () => {}): Promise<void> {
    const run = async () => {
      const before = [...this.members];
      await Promise.all(before.map((m) => m.quiesce()));
      for (const m of before) await m.revokeAll();
      change();
      this.generation++;
      const assignment = rangeAssign(this.members.map((m) => ({ id: m.memberId, topics: m.topics })), this.partitionCounts());
      for (const m of this.members) await m.assign(assignment.get(m.memberId) ?? []);
      for (const m of this.members) m.resume();
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => {});
    return next;
  }
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly partitionCounts: () => Map<string, number>;

  constructor(partitionCounts: () => Map<string, number>) {
    this.partitionCounts = partitionCounts;
  }

  private group(id: string): Group {
    let group = this.groups.get(id);
    if (!group) this.groups.set(id, (group = new Group(id, this.partitionCounts)));
    return group;
  }

  join(groupId: string, member: GroupMember): Promise<void> {
    const group = this.group(groupId);
    return group.rebalance(() => group.members.push(member));
  }

  leave(groupId: string, member: GroupMember): Promise<void> {
    const group = this.group(groupId);
    if (!group.members.includes(member)) return Promise.resolve();
    return group.rebalance(() => {
      group.members = group.members.filter((m) => m !== member);
    });
  }

  /** A topic appeared or disappeared: groups subscribed to it get new assignments. */
  async topicsChanged(topic: string): Promise<void> {
    const affected = [...this.groups.values()].filter((g) => g.members.some((m) => m.topics.includes(topic)));
    await Promise.all(affected.map((g) => g.rebalance()));
  }

  /** Current members of a group, for tests and status pages. */
  members(groupId: string): string[] {
    return this.groups.get(groupId)?.members.map((m) => m.memberId) ?? [];
  }
}
