/**
 * The keys of one rule, in least-recently-seen order, bounded by `maxKeys`.
 *
 * A Map keeps insertion order, so moving a key to the end on every record makes its
 * first entries the least recently seen. When a new key needs room, inactive keys go
 * first (they hold nothing but a clock, or for an absence rule the watch on that key),
 * then pending ones (an alert in the making is lost: counted). Firing keys are never
 * evicted: that would either lose the resolve or require a false one, so when every
 * key is firing the new key is refused (counted) instead.
 */
import type { KeyState } from './key-state.js';

export const DEFAULT_MAX_KEYS = 100_000;

export class KeyTable {
  private readonly map = new Map<string, KeyState>();
  readonly maxKeys: number;
  evicted = 0;
  evictedPending = 0;
  rejected = 0;
  private changed: Set<string> | undefined;

  constructor(maxKeys = DEFAULT_MAX_KEYS, trackChanges = false) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    this.maxKeys = maxKeys;
    if (trackChanges) this.changed = new Set();
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): KeyState | undefined {
    return this.map.get(key);
  }

  entries(): IterableIterator<[string, KeyState]> {
    return this.map.entries();
  }

  /** Marks a key as just seen. */
  touch(key: string, state: KeyState): void {
    this.map.delete(key);
    this.map.set(key, state);
    this.changed?.add(key);
  }

  /** A key whose state changed without a record (a deadline the watermark passed). */
  markChanged(key: string): void {
    this.changed?.add(key);
  }

  /** The keys changed since the last call; a key no longer in the table was evicted. */
  takeChanged(): Set<string> {
    const changed = this.changed ?? new Set<string>();
    if (this.changed) this.changed = new Set();
    return changed;
  }

  /** Adds a new key, making room first; false if there is none to make (all firing). */
  admit(key: string, state: KeyState): boolean {
    // A loop, not one eviction: a restore under a lowered maxKeys may start above the bound.
    while (this.map.size >= this.maxKeys) {
      if (!this.evictOne('inactive') && !this.evictOne('pending')) {
        this.rejected++;
        return false;
      }
    }
    this.map.set(key, state);
    this.changed?.add(key);
    return true;
  }

  /** For restore: puts a key back in checkpoint order, without bounds (admit enforces them later). */
  load(key: string, state: KeyState): void {
    this.map.set(key, state);
  }

  private evictOne(phase: 'inactive' | 'pending'): boolean {
    for (const [key, state] of this.map) {
      if (state.phase !== phase) continue;
      this.map.delete(key);
      this.changed?.add(key);
      this.evicted++;
      if (phase === 'pending') this.evictedPending++;
      return true;
    }
    return false;
  }
}
