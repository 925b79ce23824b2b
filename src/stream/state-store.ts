/**
 * What the checkpoint needs of any operator state: the entries changed since the last
 * checkpoint (written to the changelog topic, `null` for a deleted entry) and a way to put
 * entries back when a task is restored from the changelog. Values are plain JSON.
 */
export interface StateStore<Entry> {
  /** Entries changed since the last call, with their current value, or null if deleted. */
  drainChanges(): [id: string, value: Entry | null][];
  /** Applies one changelog entry during restore (in changelog order). */
  restore(id: string, value: Entry | null): void;
  /** Number of live entries, for metrics and bounds. */
  readonly size: number;
}
