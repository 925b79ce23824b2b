/**
 * `fastdata reset <module>`: the module starts over, as Kafka Streams' reset tool does:
 * its consumer group is deleted (so its inputs are read from the earliest offset), and its
 * state in the changelog is emptied, with a marker that forgets positions and watermarks
 * (stream/state-reset.ts). Refused while the group has a member: a running worker would
 * go on from where it is and write its state back.
 *
 * Kept: the output topic (downstream readers have read it; the restarted module writes the
 * windows again, and consumers take the latest by key), the dead-letter topic, the sinks'
 * tables (they are upserted again).
 *
 * The group goes first: should the reset stop between the two steps, the module finds its
 * state and the positions in its changelog and goes on as if nothing had happened (the
 * reset can simply be run again), never its old commits with an emptied state.
 */
import type { Log } from '../../log/types.js';
import type { StreamModule } from '../../stream/define.js';
import { readChangelog } from '../../stream/host/changelog.js';
import { clearModuleState } from '../../stream/state-reset.js';
import { groupActive } from '../../log/validate.js';

export interface ResetResult {
  module: string;
  groupId: string;
  changelog: string;
  /** State entries the changelog held (removed, or that would be with a dry run). */
  stateEntries: number;
  dryRun: boolean;
}

export async function resetModule(log: Log, module: StreamModule, options: { dryRun?: boolean } = {}): Promise<ResetResult> {
  const result = { module: module.name, groupId: module.groupId, changelog: module.topics.changelog, dryRun: options.dryRun ?? false };
  const members = await log.groupMembers(module.groupId);
  if (members.length > 0) throw groupActive(module.groupId, members);
  if (options.dryRun) return { ...result, stateEntries: await countState(log, module.topics.changelog) };
  await log.deleteGroup(module.groupId);
  return { ...result, stateEntries: await clearModuleState(log, module, 'start-over') };
}

async function countState(log: Log, changelog: string): Promise<number> {
  const described = await log.describeTopic(changelog);
  let entries = 0;
  for (let partition = 0; partition < (described?.partitions ?? 0); partition++) entries += (await readChangelog(log, changelog, partition)).entries.length;
  return entries;
}
