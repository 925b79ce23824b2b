/**
 * Prometheus counters must never go down, but a runner's totals do: they are summed over
 * the tasks it owns now, so a partition that moves to another worker takes its counts with
 * it, and a module reloaded in `fastdata dev` starts a new runner from zero. This keeps,
 * per module, what was counted before such a drop and adds it back, so the exported totals
 * only grow. Increments between the last scrape and a drop are not seen (the counts are
 * read at scrape time); rate() over a counter tolerates that.
 */
export type Totals<K extends string> = Record<K, number>;

interface Seen<K extends string> {
  source: object;
  last: Totals<K>;
  carried: Totals<K>;
}

export class MonotonicTotals<K extends string> {
  private readonly seen = new Map<string, Seen<K>>();

  constructor(private readonly keys: readonly K[]) {}

  /**
   * The totals of `name` to export, given what `source` (the runner now running it)
   * reports: never less than what was exported before.
   */
  update(name: string, source: object, current: Totals<K>): Totals<K> {
    let entry = this.seen.get(name);
    if (!entry) {
      entry = { source, last: this.zero(), carried: this.zero() };
      this.seen.set(name, entry);
    }
    const replaced = entry.source !== source;
    const result = this.zero();
    for (const key of this.keys) {
      const now = current[key];
      // A new runner counts from zero: all it had before is carried. The same runner
      // with fewer counts lost a task: what that task had counted is carried.
      if (replaced) entry.carried[key] += entry.last[key];
      else if (now < entry.last[key]) entry.carried[key] += entry.last[key] - now;
      entry.last[key] = now;
      result[key] = entry.carried[key] + now;
    }
    entry.source = source;
    return result;
  }

  private zero(): Totals<K> {
    return Object.fromEntries(this.keys.map((k) => [k, 0])) as Totals<K>;
  }
}
