/**
 * Empties a module's state without forgetting where it is: for each task, every state
 * entry of the changelog gets a tombstone, closed by a copy of the task's last marker (in
 * produce requests under the changelog's size limit, the marker last, as a checkpoint is
 * written). The next runner then restores no state, but resumes at the same input offsets
 * with the same watermark, and its epochs go on growing.
 *
 * Deleting the changelog topic instead would also lose the markers, and with them the
 * epochs and output ends that keep a restart from writing an output twice (output-dedupe.ts):
 * the new runner would start at epoch 0 and take the old outputs for its own.
 */
import { produceInRequests } from '../../log/batch-size.js';
import type { Log } from '../../log/types.js';
import { changelogRecords, readChangelog } from '../../stream/host/changelog.js';
import type { StreamModule } from '../../stream/define.js';

/** Resolves to the number of state entries removed. The module must not be running. */
export async function resetModuleState(log: Log, module: StreamModule): Promise<number> {
  const topic = module.topics.changelog;
  const described = await log.describeTopic(topic);
  if (!described) return 0;
  let removed = 0;
  for (let partition = 0; partition < described.partitions; partition++) {
    const { entries, marker, repair, nextEpoch } = await readChangelog(log, topic, partition);
    // Without a marker nothing was ever restored from this partition: nothing to remove.
    if (!marker || (entries.length === 0 && repair.length === 0)) continue;
    // Torn changes too: they must not come back with the next marker.
    const ids = new Map([...entries, ...repair].map((e) => [JSON.stringify([e.store, e.id]), { store: e.store, id: e.id, value: null }]));
    await produceInRequests(log, topic, changelogRecords(partition, [...ids.values()], { ...marker, epoch: nextEpoch, at: Date.now() }));
    removed += entries.length;
  }
  return removed;
}
