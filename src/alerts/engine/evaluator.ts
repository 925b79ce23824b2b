/**
 * The lifecycle of the alerts of one rule, per key, driven by event time only.
 *
 * Pure and deterministic: no timers, no clock, no I/O. Records (`observe`) and the source's
 * watermark (`advance`) are the only inputs; the notifications to send are the output.
 * The same inputs, in the same order, give the same notifications with the same ids, and
 * so does any interleaving of watermarks that stay below the next record's time: a
 * deadline (`for`, `keep_firing_for`, absence) passed between two records is applied
 * before the later record, at the deadline's own time, whether or not a watermark
 * reached it first. A replay over history therefore re-derives the same alert instances.
 *
 * Condition rules: inactive → pending (when holds) → firing once `when` has held for
 * `forMs`, measured from the first record that made it true (startsAt = since + forMs,
 * so it does not depend on watermark cadence). A record where `when` fails before that
 * returns the key to inactive silently. Firing ends with `recover` holding on a record
 * (records between recover and when change nothing), or, without `recover`, once `when`
 * has not held for `keepFiringForMs` since the first record where it stopped (0: on that
 * record). A key's last record is taken to hold until the next one: silence alone never
 * resolves a condition alert (that is what absence rules are for).
 *
 * Absence rules: a key is watched from its first record and fires when the watermark is
 * `absentMs` (+ `forMs`) past its last record; its next record resolves it.
 */
import { FastdataError } from '../../errors.js';
import { keySnapshot, readKeySnapshot, type KeySnapshot, type KeyState } from './key-state.js';
import { KeyTable } from './key-table.js';
import { fingerprintOf, makeNotification, type AlertNotification } from './notification.js';
import type { EngineRule } from './rule.js';

export interface EvaluatorOptions {
  /** Keys kept per rule (default 100,000); see KeyTable for what is evicted. */
  maxKeys?: number;
  /** Remember what changed, for `drainChanges` (incremental checkpoints). Default false. */
  trackChanges?: boolean;
}

export interface EvaluatorStats {
  keys: number;
  firing: number;
  /** Records whose keyOf gave no key. */
  ignoredNoKey: number;
  /** Records older than the key's clock or the watermark: taken at that later time, never dropped. */
  late: number;
  /** Records ignored because keyOf, when or recover threw, or the event time was not a number. */
  errors: number;
  evicted: number;
  evictedPending: number;
  /** New keys refused because every kept key was firing. */
  rejected: number;
}

export interface EvaluatorSnapshot extends RuleProgress {
  version: 1;
  rule: string;
  keys: KeySnapshot[];
}

/** What a rule keeps beside its keys: its watermark and counters. */
export interface RuleProgress {
  /** null before the first watermark (JSON has no -Infinity). */
  watermark: number | null;
  counters: { ignoredNoKey: number; late: number; errors: number; evicted: number; evictedPending: number; rejected: number };
}

/** What changed since the last `drainChanges`: each changed key's snapshot (null: evicted), the progress if it moved. */
export interface EvaluatorChanges {
  keys: { key: string; snapshot: KeySnapshot | null }[];
  progress: RuleProgress | undefined;
}

export class RuleEvaluator {
  readonly rule: EngineRule;
  private readonly table: KeyTable;
  private readonly absence: boolean;
  private mark = Number.NEGATIVE_INFINITY;
  /** No deadline is earlier than this, so `advance` below it has nothing to do (it may be early, never late). */
  private nextDue = Number.POSITIVE_INFINITY;
  private counters = { ignoredNoKey: 0, late: 0, errors: 0 };
  /** The progress the last `drainChanges` reported (JSON), so an unchanged one is not written again. */
  private drainedProgress: string | undefined;

  constructor(rule: EngineRule, options: EvaluatorOptions = {}) {
    const valid = (n: number | undefined) => n === undefined || (Number.isFinite(n) && n >= 0);
    if ((rule.when === undefined) === (rule.absentMs === undefined)) {
      throw new FastdataError('FD_INTERNAL', `alert rule "${rule.name}" must have exactly one of when or absentMs`, { context: { rule: rule.name } });
    }
    if (!valid(rule.forMs) || !valid(rule.keepFiringForMs) || !valid(rule.absentMs) || rule.absentMs === 0) {
      throw new FastdataError('FD_INTERNAL', `alert rule "${rule.name}" has a negative or non-finite duration (or absentMs 0)`, { context: { rule: rule.name } });
    }
    this.rule = rule;
    this.absence = rule.when === undefined;
    this.table = new KeyTable(options.maxKeys, options.trackChanges);
  }

  get watermark(): number {
    return this.mark;
  }

  get stats(): EvaluatorStats {
    let firing = 0;
    for (const [, s] of this.table.entries()) if (s.phase === 'firing') firing++;
    const t = this.table;
    return { keys: t.size, firing, ...this.counters, evicted: t.evicted, evictedPending: t.evictedPending, rejected: t.rejected };
  }

  /** The current phase of a key (for tests, status pages). */
  phaseOf(key: string): KeyState['phase'] | undefined {
    return this.table.get(key)?.phase;
  }

  observe(value: unknown, eventTime: number): AlertNotification[] {
    const rule = this.rule;
    let key: string | undefined;
    let holds = false;
    let recovers = false;
    const existing = (() => {
      try {
        key = rule.keyOf(value);
        if (key === undefined) return undefined;
        const s = this.table.get(key);
        if (rule.when) holds = rule.when(value) === true;
        if (rule.recover && s?.phase === 'firing') recovers = rule.recover(value) === true;
        return s;
      } catch {
        key = undefined;
        this.counters.errors++;
        return null;
      }
    })();
    if (existing === null) return [];
    if (key === undefined) {
      this.counters.ignoredNoKey++;
      return [];
    }
    if (!Number.isFinite(eventTime)) {
      this.counters.errors++;
      return [];
    }
    // A key's clock never moves back, nor behind the watermark: a late record is taken as
    // happening now, so it still counts (a late recovery is not lost) and startsAt ≤ endsAt.
    let t = eventTime;
    const floor = Math.max(this.mark, existing?.lastSeen ?? Number.NEGATIVE_INFINITY);
    if (t < floor) {
      this.counters.late++;
      t = floor;
    }
    const out: AlertNotification[] = [];
    let state = existing;
    if (state) {
      this.table.touch(key, state);
      // Deadlines passed strictly before this record: as if the watermark had reached them.
      this.runDue(key, state, t, false, out);
      // A catch-up may have fired the key: recover is asked of firing keys only.
      if (rule.recover && state.phase === 'firing' && !recovers) {
        try {
          recovers = rule.recover(value) === true;
        } catch {
          this.counters.errors++;
          return out;
        }
      }
    } else {
      state = { phase: 'inactive', lastSeen: t };
      if (!this.table.admit(key, state)) return [];
    }
    state.lastSeen = t;
    if (state.prevStart !== undefined && t > state.prevStart) {
      delete state.prevStart; // no new instance can start at that instant any more
      delete state.prevSeq;
    }
    if (this.absence) this.observeAbsence(key, state, value, t, out);
    else this.observeCondition(key, state, value, t, holds, recovers, out);
    return out;
  }

  /** Event time moved to `watermark` on the source: applies every deadline at or before it. */
  advance(watermark: number): AlertNotification[] {
    if (!(watermark > this.mark)) return [];
    this.mark = watermark;
    if (watermark < this.nextDue) return [];
    const out: AlertNotification[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [key, state] of this.table.entries()) {
      const before = out.length;
      this.runDue(key, state, watermark, true, out);
      // Every transition notifies: a key that notified is a key that changed.
      if (out.length > before) this.table.markChanged(key);
      const d = this.dueOf(state);
      if (d < next) next = d;
    }
    this.nextDue = next;
    return out;
  }

  snapshot(): EvaluatorSnapshot {
    const keys: KeySnapshot[] = [];
    for (const [key, s] of this.table.entries()) keys.push(this.keySnapshotOf(key, s));
    return { version: 1, rule: this.rule.name, ...this.progress(), keys };
  }

  /** The keys changed since the last call (with `trackChanges`), and the progress if it moved: an incremental checkpoint. */
  drainChanges(): EvaluatorChanges {
    const keys: EvaluatorChanges['keys'] = [];
    for (const key of this.table.takeChanged()) {
      const s = this.table.get(key);
      keys.push({ key, snapshot: s ? this.keySnapshotOf(key, s) : null });
    }
    const progress = this.progress();
    const text = JSON.stringify(progress);
    const moved = text !== this.drainedProgress;
    this.drainedProgress = text;
    return { keys, progress: moved ? progress : undefined };
  }

  private keySnapshotOf(key: string, s: KeyState): KeySnapshot {
    // An inactive condition key needs no annotations; an absence key may fire from them.
    const needs = s.phase !== 'inactive' || this.absence;
    return keySnapshot(key, s, needs ? this.annotationsOf(s) : undefined);
  }

  private progress(): RuleProgress {
    const t = this.table;
    return {
      watermark: Number.isFinite(this.mark) ? this.mark : null,
      counters: { ...this.counters, evicted: t.evicted, evictedPending: t.evictedPending, rejected: t.rejected },
    };
  }

  static restore(rule: EngineRule, snapshot: EvaluatorSnapshot, options: EvaluatorOptions = {}): RuleEvaluator {
    const bad = (why: string) =>
      new FastdataError('FD_INTERNAL', `alert state of rule "${rule.name}" cannot be restored: ${why}`, { context: { rule: rule.name } });
    if (typeof snapshot !== 'object' || snapshot === null || snapshot.version !== 1) throw bad('not a version 1 snapshot');
    if (snapshot.rule !== rule.name) throw bad(`the snapshot is of rule "${snapshot.rule}"`);
    if (!Array.isArray(snapshot.keys)) throw bad('keys is not an array');
    const ev = new RuleEvaluator(rule, options);
    if (typeof snapshot.watermark === 'number' && Number.isFinite(snapshot.watermark)) ev.mark = snapshot.watermark;
    for (const raw of snapshot.keys) {
      const state = readKeySnapshot(raw);
      if (!state) throw bad(`invalid key entry ${JSON.stringify(raw)}`);
      const { key, ...rest } = state;
      // A rule that changed kind keeps its firing alerts (they resolve normally) but not half-made ones.
      if (rest.phase === 'pending' && ev.absence) {
        rest.phase = 'inactive';
        delete rest.since;
      }
      ev.table.load(key, rest);
    }
    const c = snapshot.counters;
    if (c) {
      ev.counters = { ignoredNoKey: c.ignoredNoKey ?? 0, late: c.late ?? 0, errors: c.errors ?? 0 };
      ev.table.evicted = c.evicted ?? 0;
      ev.table.evictedPending = c.evictedPending ?? 0;
      ev.table.rejected = c.rejected ?? 0;
    }
    ev.nextDue = Number.NEGATIVE_INFINITY; // the next advance recomputes it
    return ev;
  }

  private observeCondition(key: string, s: KeyState, value: unknown, t: number, holds: boolean, recovers: boolean, out: AlertNotification[]): void {
    const rule = this.rule;
    switch (s.phase) {
      case 'inactive':
        if (!holds) return;
        s.since = t;
        this.remember(s, value);
        if (rule.forMs <= 0) this.fire(key, s, t, out);
        else {
          s.phase = 'pending';
          this.schedule(t + rule.forMs);
        }
        return;
      case 'pending':
        if (!holds) {
          this.reset(s); // stopped before `for`: nobody was told, nobody needs to be
          return;
        }
        this.remember(s, value);
        if (t - s.since! >= rule.forMs) this.fire(key, s, s.since! + rule.forMs, out);
        return;
      case 'firing':
        if (rule.recover) {
          if (recovers) this.resolve(key, s, t, value, out);
          return; // between recover and when: hysteresis, nothing changes
        }
        if (holds) {
          delete s.keepSince;
          return;
        }
        s.keepSince ??= t;
        this.remember(s, value);
        if (t - s.keepSince >= rule.keepFiringForMs) this.resolve(key, s, s.keepSince + rule.keepFiringForMs, value, out);
        else this.schedule(s.keepSince + rule.keepFiringForMs);
        return;
    }
  }

  private observeAbsence(key: string, s: KeyState, value: unknown, t: number, out: AlertNotification[]): void {
    if (s.phase === 'firing') this.resolve(key, s, t, value, out);
    this.remember(s, value);
    this.schedule(t + this.rule.absentMs! + this.rule.forMs);
  }

  /** The event time of the key's next deadline, or +Infinity. */
  private dueOf(s: KeyState): number {
    const rule = this.rule;
    if (this.absence) return s.phase === 'inactive' ? s.lastSeen + rule.absentMs! + rule.forMs : Number.POSITIVE_INFINITY;
    if (s.phase === 'pending') return s.since! + rule.forMs;
    if (s.phase === 'firing' && !rule.recover && s.keepSince !== undefined) return s.keepSince + rule.keepFiringForMs;
    return Number.POSITIVE_INFINITY;
  }

  /** Applies the key's deadline if it is at or before `now` (or strictly before, for a record at `now`). */
  private runDue(key: string, s: KeyState, now: number, inclusive: boolean, out: AlertNotification[]): void {
    const due = this.dueOf(s);
    if (inclusive ? due > now : due >= now) return;
    // The transition happens at the deadline's own time, not at `now`: ids do not depend on cadence.
    if (s.phase === 'firing') this.resolve(key, s, due, s.value, out, true);
    else this.fire(key, s, due, out);
  }

  private fire(key: string, s: KeyState, startsAt: number, out: AlertNotification[]): void {
    s.phase = 'firing';
    s.startsAt = startsAt;
    delete s.keepSince;
    const seq = s.prevStart === startsAt ? (s.prevSeq ?? 0) + 1 : 0;
    if (seq > 0) s.seq = seq;
    out.push(makeNotification(this.rule, fingerprintOf(this.rule.name, key), {
      key, status: 'firing', startsAt, seq, annotations: this.annotationsOf(s), value: s.value,
    }));
  }

  private resolve(key: string, s: KeyState, endsAt: number, value: unknown, out: AlertNotification[], fromState = false): void {
    // A resolve caused by a record carries that record's annotations; one caused by the watermark, the last record's.
    const annotations = fromState ? this.annotationsOf(s) : this.annotate(value);
    out.push(makeNotification(this.rule, fingerprintOf(this.rule.name, key), {
      key, status: 'resolved', startsAt: s.startsAt!, seq: s.seq ?? 0, endsAt, annotations, value,
    }));
    s.prevStart = s.startsAt!;
    if (s.seq !== undefined) s.prevSeq = s.seq;
    else delete s.prevSeq;
    this.reset(s);
  }

  private reset(s: KeyState): void {
    s.phase = 'inactive';
    delete s.since;
    delete s.startsAt;
    delete s.keepSince;
    delete s.seq;
    delete s.value;
    delete s.annotations;
  }

  private remember(s: KeyState, value: unknown): void {
    s.value = value;
    delete s.annotations;
  }

  private annotationsOf(s: KeyState): Record<string, string> {
    if (s.annotations === undefined && s.value !== undefined) s.annotations = this.annotate(s.value);
    return s.annotations ?? {};
  }

  /** A throwing template must not lose the notification: it goes out without annotations (counted). */
  private annotate(value: unknown): Record<string, string> {
    try {
      return this.rule.annotate(value);
    } catch {
      this.counters.errors++;
      return {};
    }
  }

  private schedule(due: number): void {
    if (due < this.nextDue) this.nextDue = due;
  }
}
