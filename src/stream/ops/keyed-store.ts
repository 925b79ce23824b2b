import type { StateStore } from '../state-store.js';

export interface KeyedEntry<S> {
  key: string;
  state: S;
  /** Event time of the last update; with a TTL, the entry expires at lastTime + ttl. */
  lastTime: number;
  live: boolean;
}

export interface StoredKeyed<S> {
  s: S;
  t: number;
}

/** Per-key state of `mapWithState`, with the changes since the last checkpoint. */
export class KeyedStore<S> implements StateStore<StoredKeyed<S>> {
  private readonly entries = new Map<string, KeyedEntry<S>>();
  private readonly changed = new Set<string>();

  get size(): number {
    return this.entries.size;
  }

  get(key: string): KeyedEntry<S> | undefined {
    return this.entries.get(key);
  }

  *all(): IterableIterator<KeyedEntry<S>> {
    yield* this.entries.values();
  }

  put(key: string, state: S, lastTime: number): KeyedEntry<S> {
    let entry = this.entries.get(key);
    if (entry) {
      entry.state = state;
      entry.lastTime = lastTime;
    } else {
      entry = { key, state, lastTime, live: true };
      this.entries.set(key, entry);
    }
    this.changed.add(key);
    return entry;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.live = false;
    this.entries.delete(key);
    this.changed.add(key);
  }

  drainChanges(): [string, StoredKeyed<S> | null][] {
    const out: [string, StoredKeyed<S> | null][] = [];
    for (const key of this.changed) {
      const entry = this.entries.get(key);
      out.push([key, entry ? { s: entry.state, t: entry.lastTime } : null]);
    }
    this.changed.clear();
    return out;
  }

  restore(key: string, value: StoredKeyed<S> | null): void {
    if (value === null) this.entries.delete(key);
    else this.entries.set(key, { key, state: value.s, lastTime: value.t, live: true });
  }
}
