import { deserialize, serialize } from 'node:v8';
import type { StateStore } from '../state-store.js';

/** Which input of a stream-stream join a record came from. */
export type JoinSide = 'left' | 'right';

/** A buffered record of one side of a join, waiting for matches until its window closes. */
export interface JoinEntry {
  readonly id: string;
  readonly side: JoinSide;
  readonly key: string;
  /** Event time. */
  readonly time: number;
  readonly value: unknown;
  /** A left record met at least one right record (a left join then emits no unmatched result for it). */
  matched: boolean;
  live: boolean;
}

/**
 * How an entry is written to the changelog. The value is V8-serialized (base64), not JSON:
 * decoded records hold Buffers (Avro bytes), Dates and bigints that JSON would not give back.
 */
interface StoredJoinEntry {
  s: 'l' | 'r';
  k: string;
  t: number;
  v: string;
  m: boolean;
}

/**
 * The records a stream-stream join holds: per key, each side's records whose window is
 * still open, in arrival order; the entries changed since the last checkpoint.
 */
export class JoinBuffer implements StateStore<StoredJoinEntry> {
  private readonly byKey = new Map<string, { left: JoinEntry[]; right: JoinEntry[] }>();
  private readonly entries = new Map<string, JoinEntry>();
  private readonly changed = new Set<string>();
  /** Makes ids unique; past every restored id's, so a restored task never reuses one. */
  private next = 0;

  get size(): number {
    return this.entries.size;
  }

  /** The records of `side` buffered for `key`, oldest first. */
  of(key: string, side: JoinSide): readonly JoinEntry[] {
    const both = this.byKey.get(key);
    return both ? both[side] : [];
  }

  all(): IterableIterator<JoinEntry> {
    return this.entries.values();
  }

  add(side: JoinSide, key: string, time: number, value: unknown): JoinEntry {
    const entry: JoinEntry = { id: (this.next++).toString(36), side, key, time, value, matched: false, live: true };
    this.index(entry);
    this.changed.add(entry.id);
    return entry;
  }

  markMatched(entry: JoinEntry): void {
    if (entry.matched) return;
    entry.matched = true;
    this.changed.add(entry.id);
  }

  remove(entry: JoinEntry): void {
    if (!entry.live) return;
    entry.live = false;
    this.entries.delete(entry.id);
    const both = this.byKey.get(entry.key);
    if (both) {
      const list = both[entry.side];
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
      if (both.left.length === 0 && both.right.length === 0) this.byKey.delete(entry.key);
    }
    this.changed.add(entry.id);
  }

  private index(entry: JoinEntry): void {
    this.entries.set(entry.id, entry);
    let both = this.byKey.get(entry.key);
    if (!both) this.byKey.set(entry.key, (both = { left: [], right: [] }));
    both[entry.side].push(entry);
  }

  drainChanges(): [string, StoredJoinEntry | null][] {
    const out: [string, StoredJoinEntry | null][] = [];
    for (const id of this.changed) {
      const e = this.entries.get(id);
      out.push([id, e ? { s: e.side === 'left' ? 'l' : 'r', k: e.key, t: e.time, v: serialize(e.value).toString('base64'), m: e.matched } : null]);
    }
    this.changed.clear();
    return out;
  }

  restore(id: string, stored: StoredJoinEntry | null): void {
    const existing = this.entries.get(id);
    if (existing) this.remove(existing);
    this.changed.delete(id);
    const n = Number.parseInt(id, 36);
    if (Number.isFinite(n)) this.next = Math.max(this.next, n + 1);
    if (stored === null) return;
    const side: JoinSide = stored.s === 'l' ? 'left' : 'right';
    this.index({ id, side, key: stored.k, time: stored.t, value: deserialize(Buffer.from(stored.v, 'base64')), matched: stored.m, live: true });
  }
}
