import { FastdataError, errorMessage } from '../../errors.js';
import { formatMillis } from '../../time/duration.js';
import type { TaskContext } from '../task-context.js';
import { CloseQueue } from './close-queue.js';
import { jsonProblem, notJsonMessage } from './json-state.js';
import { lateLetter } from './late.js';
import { type KeyByRoute, invalidKey } from './key-by.js';
import { type RecordCode, type WindowPath, compileWindowPath } from './window-path.js';
import type { WindowSpec } from './window-spec.js';
import type { BufferedRecord, WindowState, WindowStore } from './window-store.js';

/**
 * What a windowed operator (`aggregate`, `reduce`, `collect`, `topK`) puts into its windows;
 * everything else about windows is `WindowedState`'s.
 */
export interface WindowLogic<T, A, R> {
  /** A window's accumulator before any record. */
  init(): A;
  /**
   * Runs the record's own user code that does not depend on a window (aggregate's field
   * functions, topK's score), once per record before any window changes, so that a throw
   * leaves every window as it was. False when it threw; `failure` then says why.
   */
  read(value: T): boolean;
  /** Adds the record last `read` to one window's accumulator (`window.acc`); false when user code threw. */
  add(window: WindowState<A>, value: T): boolean;
  /** The accumulator of two sessions that a record joins: `a` the session kept, `b` the one merged into it. */
  merge(a: A, b: A): A;
  /** The dead letter's message for the record that `read` or `add` refused. */
  failure(value: T): string;
  /** What a window emits. */
  result(window: WindowState<A>): R;
}

/**
 * `a` modulo `n`, from 0 up to `n`. A `%` of non-integers (event times are past 2^31) is a
 * call into C, so non-negative times, nearly all of them, get one instead of two.
 */
const floorMod = (a: number, n: number) => {
  const r = a % n;
  return r >= 0 ? r : (r + n) % n;
};

/**
 * The windows of one windowed operator in one task: which windows a record falls in
 * (tumbling, hopping, sliding, session), the window store (checkpointed to the changelog),
 * lateness (a record whose windows have all closed is dead-lettered, reason `late`), closing
 * as the watermark passes end + grace, the emit policy (`final`, or `update` with
 * `updateEvery`), session merging, and windows restored from the changelog. The operator
 * brings its accumulator logic (`WindowLogic`) and gets results to emit.
 *
 * The windows come with the records (`Windowed.window`, or the fused window's spec), so
 * the spec is known from the first record on; restored windows close before that as well.
 */
export class WindowedState<T, A, R> {
  private spec: WindowSpec | undefined;
  private readonly queue = new CloseQueue<WindowState<A>>();
  private pendingUpdates = new Set<WindowState<A>>();
  private stopUpdateTimer: (() => void) | undefined;
  /** Sliding windows: when each key's oldest kept record is no longer needed (see `pruneRecords`). */
  private readonly recordExpiries = new CloseQueue<string>();
  private readonly recordExpiryOf = new Map<string, number>();

  constructor(
    private readonly ctx: TaskContext,
    private readonly store: WindowStore<A>,
    private readonly logic: WindowLogic<T, A, R>,
    /** Where results and a pipeline error go: the operator's subscriber. */
    private readonly out: { next(result: R): void; error(error: unknown): void },
    /** The operator as messages name it, e.g. `aggregate` or `topK 'leaders'`. */
    private readonly operator: string,
  ) {
    for (const w of store.all()) this.queue.push(w.closeAt, w);
  }

  /**
   * Starts closing windows as the watermark moves (restored ones may be due at once);
   * returns the stop. `window`: the spec, when known before the first record (fused).
   */
  start(window: WindowSpec | undefined): () => void {
    if (window) this.useSpec(window);
    const unsubscribe = this.ctx.onWatermark(
      (watermark) => this.closeUpTo(watermark),
      () => Math.min(this.queue.peekTime(), this.recordExpiries.peekTime()),
    );
    this.closeUpTo(this.ctx.watermark);
    return () => {
      unsubscribe();
      this.stopUpdateTimer?.();
    };
  }

  /**
   * The generated record path (window-path.ts) of a fixed window (tumbling, hopping) known
   * before the first record, fused with its keyBy: most pipelines' hot path. Undefined for
   * sessions and sliding windows, whose records take `add`.
   */
  fixedWindowPath(route: KeyByRoute<T>, window: WindowSpec, code: RecordCode): WindowPath<T> | undefined {
    // (`start(window)` has made it this state's window.)
    if ((window.kind !== 'tumbling' && window.kind !== 'hopping') || this.spec !== window) return undefined;
    const { ctx, store } = this;
    return compileWindowPath<T, A>({
      route,
      window,
      store,
      code,
      open: (key, start, end) => this.openFixedWindow(key, start, end, window),
      changed: (w) => this.changed(w),
      late: (time, watermark) => this.late(time, watermark),
      failed: (message) => ctx.deadLetter({ reason: 'pipeline-error', message }),
      invalidKey: (errorOrKey, threw) => invalidKey(ctx, errorOrKey, threw),
    });
  }

  /** One record of `key` at event time `time`, in the windows of `window`. */
  add(key: string, value: T, time: number, window: WindowSpec): void {
    if (window !== this.spec && !this.useSpec(window)) return;
    const spec = this.spec!;
    if (spec.kind === 'session') this.addToSession(key, value, time, spec);
    else if (spec.kind === 'sliding') this.addToSliding(key, value, time, spec);
    else this.addToFixedWindows(key, value, time, spec);
  }

  /** The first record's window, or the error of a second one. */
  private useSpec(window: WindowSpec): boolean {
    if (this.spec && this.spec.label !== window.label) {
      this.out.error(
        new FastdataError('FD_PIPELINE_INVALID', `one ${this.operator}() got records of two windows, ${this.spec.label} and ${window.label}; give each window its own ${this.operator}()`),
      );
      return false;
    }
    this.spec = window;
    if (window.kind === 'sliding') for (const key of this.store.recordKeys()) this.scheduleRecordExpiry(key);
    if (window.emit === 'update' && window.updateEvery > 0 && !this.stopUpdateTimer) {
      this.stopUpdateTimer = this.ctx.every(window.updateEvery, () => {
        const due = this.pendingUpdates;
        this.pendingUpdates = new Set();
        for (const x of due) if (x.live && x.emitOnClose) this.emit(x);
      });
    }
    return true;
  }

  /** Closes `w` once the watermark reaches `at` (the watermark listener wakes then). */
  private closeAt(at: number, w: WindowState<A>): void {
    this.queue.push(at, w);
    this.ctx.wakeBy(at);
  }

  private emit(w: WindowState<A>): void {
    const previous = this.ctx.emitTime;
    this.ctx.emitTime = w.end;
    if (this.spec?.emit === 'update') w.emitOnClose = false;
    this.out.next(this.logic.result(w));
    this.ctx.emitTime = previous;
  }

  private closeUpTo(watermark: number): void {
    const queue = this.queue;
    while (queue.peekTime() <= watermark) {
      const [closeAt, w] = queue.pop()!;
      if (!w.live || w.closeAt !== closeAt) continue; // superseded entry
      this.store.remove(w);
      this.pendingUpdates.delete(w);
      if (w.emitOnClose) this.emit(w);
    }
    while (this.recordExpiries.peekTime() <= watermark) {
      const [at, key] = this.recordExpiries.pop()!;
      if (this.recordExpiryOf.get(key) !== at) continue; // superseded entry
      this.recordExpiryOf.delete(key);
      this.pruneRecords(key, watermark);
    }
  }

  private changed(w: WindowState<A>): void {
    this.store.touch(w);
    const spec = this.spec!;
    if (spec.emit !== 'update') return;
    w.emitOnClose = true;
    if (spec.updateEvery === 0) this.emit(w);
    else this.pendingUpdates.add(w);
  }

  private late(time: number, watermark: number): void {
    const spec = this.spec!;
    this.ctx.deadLetter(lateLetter(time, watermark, 'window', `${spec.label} allows ${formatMillis(spec.grace)} of grace`));
  }

  /** The operator's user code threw: the record goes to the dead-letter topic. */
  private failed(value: T): void {
    this.ctx.deadLetter({ reason: 'pipeline-error', message: this.logic.failure(value) });
  }

  /** Opens the tumbling or hopping window [start, end) of `key`, closing at end + grace. */
  private openFixedWindow(key: string, start: number, end: number, s: WindowSpec): WindowState<A> {
    const w = this.store.create(key, start, end, end + s.grace, this.logic.init(), s.emit === 'final');
    this.closeAt(w.closeAt, w);
    return w;
  }

  private addToFixedWindows(key: string, value: T, t: number, s: WindowSpec): void {
    const watermark = this.ctx.watermark;
    const { store, logic } = this;
    let accepted = false;
    for (let start = t - floorMod(t, s.advance); start > t - s.size; start -= s.advance) {
      const end = start + s.size;
      if (end + s.grace <= watermark) continue; // this window has closed
      if (!accepted && !logic.read(value)) return this.failed(value);
      accepted = true;
      const state = store.find(key, start) ?? this.openFixedWindow(key, start, end, s);
      if (!logic.add(state, value)) return this.failed(value);
      this.changed(state);
    }
    if (!accepted) this.late(t, watermark);
  }

  private addToSession(key: string, value: T, t: number, s: WindowSpec): void {
    const { store, logic } = this;
    const gap = s.size;
    const merging = (store.windowsOf(key) ?? []).filter((x) => t >= x.start - gap && t <= x.end + gap);
    if (merging.length === 0 && t + gap + s.grace <= this.ctx.watermark) return this.late(t, this.ctx.watermark);
    if (!logic.read(value)) return this.failed(value);
    let session = merging[0];
    if (!session) {
      session = store.create(key, t, t, t + gap + s.grace, logic.init(), s.emit === 'final');
    } else {
      for (const other of merging.slice(1)) {
        try {
          session.acc = logic.merge(session.acc, other.acc);
        } catch (error) {
          // Only a reducer of the model author's can throw here; the sessions stay apart.
          this.ctx.deadLetter({ reason: 'pipeline-error', message: `${this.operator}: merging two sessions failed: ${errorMessage(error)}` });
          return;
        }
        if (other.start < session.start) store.moveStart(session, other.start);
        session.end = Math.max(session.end, other.end);
        store.remove(other);
        this.pendingUpdates.delete(other);
      }
      if (t < session.start) store.moveStart(session, t);
      session.end = Math.max(session.end, t);
    }
    if (!logic.add(session, value)) return this.failed(value);
    const closeAt = session.end + gap + s.grace;
    if (closeAt !== session.closeAt || merging.length === 0) {
      session.closeAt = closeAt;
      this.closeAt(closeAt, session);
    }
    this.changed(session);
  }

  /**
   * Sliding windows (see `sliding` in windows.ts for which windows exist). A record at t
   * (whole ms) joins every window of its key that holds it, and may bring up to three new
   * windows: the one ending at it, [t - size, t]; the one starting just after it,
   * [t + 1, t + 1 + size], when a record of the key lies in it; and the one starting just
   * after the key's previous record p, [p + 1, p + 1 + size], when t lies in it. A new window
   * is filled from the key's kept records (accumulators cannot subtract, so no other window
   * can seed it), which is why those are kept: each until the watermark passes
   * its time + size + 1 + grace, when no window that may still be created holds it.
   *
   * A record is late when the window ending at it has closed (t + 1 + grace <= watermark);
   * every window holding it closes no earlier, so a record is in all its windows or in none,
   * and every window emitted holds exactly the records within its bounds.
   */
  private addToSliding(key: string, value: T, time: number, s: WindowSpec): void {
    const { store, logic } = this;
    const t = Math.floor(time);
    const size = s.size;
    const watermark = this.ctx.watermark;
    if (t + 1 + s.grace <= watermark) return this.late(time, watermark);
    const notJson = jsonProblem(value);
    if (notJson) {
      return this.ctx.deadLetter({ reason: 'pipeline-error', message: notJsonMessage(`${this.operator} over sliding windows`, 'the records of the last size + grace', notJson) });
    }
    if (!logic.read(value)) return this.failed(value);

    const kept = store.recordsOf(key) ?? [];
    let previous = Number.NEGATIVE_INFINITY;
    let laterInReach = false; // a record in (t, t + 1 + size]: this record's right window is not empty
    for (const [x] of kept) {
      if (x < t && x > previous) previous = x;
      else if (x > t && x <= t + 1 + size) laterInReach = true;
    }
    let created = false;
    const open = (start: number) => {
      if (store.find(key, start)) return;
      const w = store.create(key, start, start + size, start + size + 1 + s.grace, logic.init(), s.emit === 'final');
      for (const [x, v] of kept) {
        // Kept records were added once already, so their user code does not throw again
        // unless it is not a function of the record; such a record is left out.
        if (x >= start && x <= w.end && logic.read(v as T)) logic.add(w, v as T);
      }
      this.closeAt(w.closeAt, w);
      if (w.start > t) this.changed(w); // the right window does not hold this record: it changed by being created
      created = true;
    };
    open(t - size);
    if (laterInReach) open(t + 1);
    if (previous > Number.NEGATIVE_INFINITY && t <= previous + 1 + size) open(previous + 1);
    if (created && !logic.read(value)) return this.failed(value); // read again: filling read other records

    for (const w of store.windowsOf(key)!) {
      if (w.start <= t && t <= w.end) {
        if (!logic.add(w, value)) return this.failed(value);
        this.changed(w);
      }
    }
    const oldest = kept.length === 0 ? Number.POSITIVE_INFINITY : this.oldestKept(kept);
    store.keepRecord(key, [t, value]);
    if (t < oldest) this.scheduleRecordExpiry(key);
  }

  private oldestKept(records: BufferedRecord[]): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const [x] of records) if (x < oldest) oldest = x;
    return oldest;
  }

  /** When the oldest kept record of `key` may go: no window still to be created can hold it then. */
  private scheduleRecordExpiry(key: string): void {
    const records = this.store.recordsOf(key);
    if (!records || records.length === 0) return;
    const at = this.oldestKept(records) + this.spec!.size + 1 + this.spec!.grace;
    if (this.recordExpiryOf.get(key) === at) return;
    this.recordExpiryOf.set(key, at);
    this.recordExpiries.push(at, key);
    this.ctx.wakeBy(at);
  }

  private pruneRecords(key: string, watermark: number): void {
    const records = this.store.recordsOf(key);
    if (!records) return;
    const reach = this.spec!.size + 1 + this.spec!.grace;
    this.store.setRecords(
      key,
      records.filter(([x]) => x + reach > watermark),
    );
    this.scheduleRecordExpiry(key);
  }
}
