import type { StateStore } from '../state-store.js';

/** One open window of one key. */
export interface WindowState {
  key: string;
  start: number;
  /** Exclusive end for tumbling and hopping windows; the last record's time for a session. */
  end: number;
  /** Watermark at which it closes: end + grace (sessions: last record + gap + grace). */
  closeAt: number;
  /** One accumulator per aggregator, in the aggregate's field order. */
  accs: unknown[];
  /** Whether closing emits: always for `emit: 'final'`; for `'update'`, whether a change is not emitted yet. */
  emitOnClose: boolean;
  live: boolean;
  /** In the store's set of changes since the last checkpoint (see `touch`). */
  changed: boolean;
}

/** A window as the changelog holds it. */
export interface StoredWindow {
  k: string;
  s: number;
  e: number;
  c: number;
  a: unknown[];
  u: boolean;
}

const idOf = (key: string, start: number) => JSON.stringify([key, start]);

/**
 * The open windows of an `aggregate`, by key. A key rarely has more than a few open
 * windows (one or two tumbling windows, size/advance hopping ones), so each key holds a
 * small array instead of a map keyed by composite strings built for every record.
 */
export class WindowStore implements StateStore<StoredWindow> {
  private readonly byKey = new Map<string, WindowState[]>();
  private readonly changed = new Set<WindowState>();
  private readonly deleted = new Set<string>();
  size = 0;

  *all(): IterableIterator<WindowState> {
    for (const windows of this.byKey.values()) yield* windows;
  }

  windowsOf(key: string): WindowState[] | undefined {
    return this.byKey.get(key);
  }

  find(key: string, start: number): WindowState | undefined {
    const windows = this.byKey.get(key);
    if (windows) for (const w of windows) if (w.start === start) return w;
    return undefined;
  }

  create(key: string, start: number, end: number, closeAt: number, accs: unknown[], emitOnClose: boolean): WindowState {
    const state: WindowState = { key, start, end, closeAt, accs, emitOnClose, live: true, changed: false };
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
  touch(state: WindowState): void {
    if (state.changed) return;
    state.changed = true;
    this.changed.add(state);
  }

  /** A session's start moved earlier: its changelog entry moves to the new id. */
  moveStart(state: WindowState, start: number): void {
    this.deleted.add(idOf(state.key, state.start));
    state.start = start;
    this.touch(state);
  }

  remove(state: WindowState): void {
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
    this.deleted.add(idOf(state.key, state.start));
  }

  drainChanges(): [string, StoredWindow | null][] {
    const out = new Map<string, StoredWindow | null>();
    for (const id of this.deleted) out.set(id, null);
    for (const s of this.changed) {
      if (s.live) out.set(idOf(s.key, s.start), { k: s.key, s: s.start, e: s.end, c: s.closeAt, a: s.accs, u: s.emitOnClose });
    }
    this.forgetChanges();
    return [...out];
  }

  private forgetChanges(): void {
    for (const s of this.changed) s.changed = false;
    this.changed.clear();
    this.deleted.clear();
  }

  restore(id: string, value: StoredWindow | null): void {
    const [key, start] = JSON.parse(id) as [string, number];
    const existing = this.find(key, start);
    if (existing) this.remove(existing);
    if (value) this.create(value.k, value.s, value.e, value.c, value.a, value.u);
    // Restoring is not a change: the changelog already holds it.
    this.forgetChanges();
  }
}
