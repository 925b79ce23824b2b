import type { StateStore } from '../state-store.js';

/** One open window of one key. */
export interface WindowState<A = unknown> {
  key: string;
  start: number;
  /**
   * Exclusive end for tumbling and hopping windows; inclusive end for sliding windows;
   * the last record's time for a session.
   */
  end: number;
  /** Watermark at which it closes: end + grace (sliding: end + 1 ms + grace; sessions: last record + gap + grace). */
  closeAt: number;
  /** The operator's accumulator: for `aggregate`, one per aggregator in its field order. */
  acc: A;
  /** Whether closing emits: always for `emit: 'final'`; for `'update'`, whether a change is not emitted yet. */
  emitOnClose: boolean;
  live: boolean;
  /** In the store's set of changes since the last checkpoint (see `touch`). */
  changed: boolean;
  /**
   * The changelog holds an entry of it (drained for a checkpoint, or restored), so its
   * removal writes a tombstone. Most windows of a short checkpoint interval are written;
   * one that opens and closes between two checkpoints leaves nothing to delete.
   */
  stored: boolean;
}

/** A window as the changelog holds it (the format `aggregate` has always written). */
export interface StoredWindow {
  k: string;
  s: number;
  e: number;
  c: number;
  a: unknown;
  u: boolean;
}

/** A record kept for sliding windows: its event time in whole milliseconds, and its value. */
export type BufferedRecord<T = unknown> = [time: number, value: T];

/** A key's records kept for sliding windows, as the changelog holds them. */
export interface StoredRecords {
  k: string;
  r: BufferedRecord[];
}

const idOf = (key: string, start: number) => JSON.stringify([key, start]);
// A window's id has a number second; a record buffer's the string 'records', so the two never meet.
const recordsId = (key: string) => JSON.stringify([key, 'records']);

/**
 * The open windows of a windowed operator, by key. A key rarely has more than a few open
 * windows (one or two tumbling windows, size/advance hopping ones), so each key holds a
 * small array instead of a map keyed by composite strings built for every record.
 *
 * Sliding windows also keep each key's recent records (`recordsOf`), from which a new
 * window is filled: they live in this store, under ids of their own, so that an operator
 * has one store whatever its window (the state layout of the other kinds is unchanged).
 */
/** How an operator whose accumulators are held in another form in memory stores them (aggregate's flat arrays). */
export interface AccumulatorCodec<A> {
  /** The accumulator as the changelog holds it. */
  toStored(acc: A): unknown;
  fromStored(stored: unknown): A;
}

export class WindowStore<A = unknown> implements StateStore<StoredWindow | StoredRecords> {
  /** The open windows of each key. The generated record path reads it directly (window-path.ts): a call less per record where V8 does not inline one. */
  readonly byKey = new Map<string, WindowState<A>[]>();
  private readonly changed = new Set<WindowState<A>>();
  private readonly deleted = new Set<string>();
  private readonly records = new Map<string, BufferedRecord[]>();
  private readonly changedRecords = new Set<string>();
  size = 0;

  constructor(private readonly codec?: AccumulatorCodec<A>) {}

  *all(): IterableIterator<WindowState<A>> {
    for (const windows of this.byKey.values()) yield* windows;
  }

  windowsOf(key: string): WindowState<A>[] | undefined {
    return this.byKey.get(key);
  }

  find(key: string, start: number): WindowState<A> | undefined {
    const windows = this.byKey.get(key);
    if (windows) for (const w of windows) if (w.start === start) return w;
    return undefined;
  }

  create(key: string, start: number, end: number, closeAt: number, acc: A, emitOnClose: boolean): WindowState<A> {
    const state: WindowState<A> = { key, start, end, closeAt, acc, emitOnClose, live: true, changed: false, stored: false };
    const windows = this.byKey.get(key);
    if (windows) windows.push(state);
    else this.byKey.set(key, [state]);
    this.size++;
    this.touch(state);
    return state;
  }

  /**
   * Notes a change for the next checkpoint. Called for every record, so the flag spares
   * the Set lookup when the window changed already since the last checkpoint (most times).
   */
  touch(state: WindowState<A>): void {
    if (state.changed) return;
    state.changed = true;
    this.changed.add(state);
  }

  /** A session's start moved earlier: its changelog entry moves to the new id. */
  moveStart(state: WindowState<A>, start: number): void {
    if (state.stored) this.deleted.add(idOf(state.key, state.start));
    state.stored = false;
    state.start = start;
    this.touch(state);
  }

  remove(state: WindowState<A>): void {
    if (!state.live) return;
    state.live = false;
    const windows = this.byKey.get(state.key);
    if (windows) {
      const i = windows.indexOf(state);
      if (i >= 0) windows.splice(i, 1);
      if (windows.length === 0) this.byKey.delete(state.key);
    }
    this.size--;
    state.changed = false;
    this.changed.delete(state);
    if (state.stored) this.deleted.add(idOf(state.key, state.start));
  }

  /** The records of `key` kept for sliding windows, in arrival order. */
  recordsOf(key: string): BufferedRecord[] | undefined {
    return this.records.get(key);
  }

  *recordKeys(): IterableIterator<string> {
    yield* this.records.keys();
  }

  /** Keeps one more record of `key`. */
  keepRecord(key: string, record: BufferedRecord): void {
    const records = this.records.get(key);
    if (records) records.push(record);
    else this.records.set(key, [record]);
    this.changedRecords.add(key);
  }

  /** Sets (or, given an empty list, forgets) the records kept for `key`. */
  setRecords(key: string, records: BufferedRecord[]): void {
    if (records.length === 0) this.records.delete(key);
    else this.records.set(key, records);
    this.changedRecords.add(key);
  }

  drainChanges(): [string, StoredWindow | StoredRecords | null][] {
    const out = new Map<string, StoredWindow | StoredRecords | null>();
    for (const id of this.deleted) out.set(id, null);
    for (const s of this.changed) {
      if (!s.live) continue;
      out.set(idOf(s.key, s.start), { k: s.key, s: s.start, e: s.end, c: s.closeAt, a: this.codec ? this.codec.toStored(s.acc) : s.acc, u: s.emitOnClose });
      s.stored = true;
    }
    for (const key of this.changedRecords) {
      const r = this.records.get(key);
      out.set(recordsId(key), r ? { k: key, r } : null);
    }
    this.forgetChanges();
    return [...out];
  }

  private forgetChanges(): void {
    for (const s of this.changed) s.changed = false;
    this.changed.clear();
    this.deleted.clear();
    this.changedRecords.clear();
  }

  restore(id: string, value: StoredWindow | StoredRecords | null): void {
    const [key, start] = JSON.parse(id) as [string, number | 'records'];
    if (start === 'records') {
      if (value) this.records.set(key, (value as StoredRecords).r);
      else this.records.delete(key);
    } else {
      const existing = this.find(key, start);
      if (existing) this.remove(existing);
      const w = value as StoredWindow | null;
      if (w) this.create(w.k, w.s, w.e, w.c, this.codec ? this.codec.fromStored(w.a) : (w.a as A), w.u).stored = true;
    }
    // Restoring is not a change: the changelog already holds it.
    this.forgetChanges();
  }
}
