/**
 * Prometheus counters must never go down, but a runner's totals do: a module reloaded in
 * `fastdata dev` starts a new runner from zero, and a runner's totals may drop when a task
 * leaves. This keeps, per module, what was counted before and adds it back, so the
 * exported totals (and the status page's, which reads the same) only grow.
 *
 * A runner that is replaced is `retire`d with its final totals at that moment (the streams
 * role does it as it swaps runners), so nothing it counted is lost, even when nobody read
 * the totals between its last count and the reload. A drop within a runner is caught at
 * the next read (`update`): increments between the last read and such a drop are not seen;
 * rate() over a counter tolerates that.
 */
export type Totals<K extends string> = Record<K, number>;

interface Seen<K extends string> {
  /** The runner last read for this module, or undefined once it retired. */
  source: object | undefined;
  last: Totals<K>;
  carried: Totals<K>;
}

export class MonotonicTotals<K extends string> {
  private readonly seen = new Map<string, Seen<K>>();
  private readonly retired = new WeakSet<object>();

  constructor(private readonly keys: readonly K[]) {}

  /**
   * The totals of `name` to export, given what `source` (the runner now running it)
   * reports: never less than what was exported before.
   */
  update(name: string, source: object, current: Totals<K>): Totals<K> {
    const entry = this.entry(name, source);
    // A runner already retired (read once more on its way out) adds nothing: its final totals are carried.
    if (this.retired.has(source)) return { ...entry.carried };
    const replaced = entry.source !== source;
    const result = this.zero();
    for (const key of this.keys) {
      const now = current[key];
      // A new runner counts from zero: what the one before it had and was not retired with is carried.
      // The same runner with fewer counts lost a task: what that task had counted is carried.
      if (replaced) entry.carried[key] += entry.last[key];
      else if (now < entry.last[key]) entry.carried[key] += entry.last[key] - now;
      entry.last[key] = now;
      result[key] = entry.carried[key] + now;
    }
    entry.source = source;
    return result;
  }

  /**
   * `source`, which ran `name`, is replaced or removed: its `final` totals are carried from
   * now on (idempotent). Call it once the runner has stopped counting.
   */
  retire(name: string, source: object, final: Totals<K>): void {
    if (this.retired.has(source)) return;
    this.retired.add(source);
    const entry = this.entry(name, source);
    const wasRead = entry.source === source;
    for (const key of this.keys) {
      // What was exported for it stays counted even if its final figure is lower (a task left).
      entry.carried[key] += wasRead ? Math.max(final[key], entry.last[key]) : final[key];
      if (wasRead) entry.last[key] = 0;
    }
    if (wasRead) entry.source = undefined;
  }

  private entry(name: string, source: object): Seen<K> {
    let entry = this.seen.get(name);
    if (!entry) {
      entry = { source, last: this.zero(), carried: this.zero() };
      this.seen.set(name, entry);
    }
    return entry;
  }

  private zero(): Totals<K> {
    return Object.fromEntries(this.keys.map((k) => [k, 0])) as Totals<K>;
  }
}
