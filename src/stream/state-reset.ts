/**
 * Empties a module's state in its changelog, without deleting the topic: for each task,
 * every state entry gets a tombstone, closed by a new marker (in produce requests under the
 * changelog's size limit, the marker last, as a checkpoint is written). Deleting the
 * changelog instead would also lose the epochs and output ends that keep a restart from
 * writing an output twice (host/output-dedupe.ts): a new runner would start at epoch 0 and
 * take the old outputs for its own.
 *
 * - `keep` (hot reload, a changed state layout): the marker is the last one's, so the next
 *   runner restores no state but resumes at the same offsets with the same watermark;
 * - `start-over` (`fastdata reset`): the marker forgets positions and watermarks too (the
 *   group's commits are deleted beside it), and its output ends are today's, so the module
 *   reads its inputs from the start and nothing it wrote before is taken for a replay's;
 *   its repartition topics are read from today's ends, since the inputs send it all again.
 */
import { produceInRequests } from '../log/batch-size.js';
import type { Log } from '../log/types.js';
import type { StreamModule } from './define.js';
import { type CheckpointMarker, changelogRecords, readChangelog } from './host/changelog.js';
import { repartitionTopic } from './repartition.js';
import { repartitioningKeyBys } from './topology.js';

export type ResetPositions = 'keep' | 'start-over';

/** Resolves to the number of state entries removed. The module must not be running. */
export async function clearModuleState(log: Log, module: StreamModule, positions: ResetPositions): Promise<number> {
  const topic = module.topics.changelog;
  const described = await log.describeTopic(topic);
  if (!described) return 0;
  const outputEnds: Record<string, number[]> = {};
  // What other tasks sent before the reset is not read again: the inputs are, and send it anew.
  const repartitionEnds: Record<string, number[]> = {};
  if (positions === 'start-over') {
    const repartitions = repartitioningKeyBys(module).map((keyBy) => repartitionTopic(module.name, keyBy));
    for (const output of [module.output.topic, module.topics.deadLetter, ...repartitions]) {
      if (await log.describeTopic(output)) outputEnds[output] = (await log.offsets(output)).map((o) => o.end);
    }
    for (const topic of repartitions) if (outputEnds[topic]) repartitionEnds[topic] = outputEnds[topic];
  }
  let removed = 0;
  for (let partition = 0; partition < described.partitions; partition++) {
    const { entries, marker, repair, nextEpoch } = await readChangelog(log, topic, partition);
    // Torn changes too: they must not come back with the next marker.
    const ids = new Map([...entries, ...repair].map((e) => [JSON.stringify([e.store, e.id]), { store: e.store, id: e.id, value: null }]));
    if (positions === 'keep' && (!marker || ids.size === 0)) continue;
    if (positions === 'start-over' && !marker && ids.size === 0 && Object.keys(repartitionEnds).length === 0) continue;
    const at = Date.now();
    const next: CheckpointMarker =
      positions === 'keep'
        ? { ...marker!, epoch: nextEpoch, at }
        : { epoch: nextEpoch, positions: Object.entries(repartitionEnds).map(([topic, ends]) => ({ topic, partition, offset: ends[partition] ?? 0 })), watermarks: {}, outputEnds, at };
    await produceInRequests(log, topic, changelogRecords(partition, [...ids.values()], next));
    removed += entries.length;
  }
  return removed;
}
