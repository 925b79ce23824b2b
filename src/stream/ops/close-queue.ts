/**
 * A min-heap of things that close at a time (windows at end + grace, keyed state at its
 * TTL), popped as the watermark passes them. Entries whose item has moved on (a session
 * that grew, a key updated since) are skipped on pop rather than searched for and removed.
 * Ties pop in insertion order, so closes are deterministic.
 */
export class CloseQueue<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    this.times.push(time);
    this.seqs.push(this.seq++);
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  /** Time of the earliest entry, or +Infinity. */
  peekTime(): number {
    return this.items.length ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest entry as [time, item]. */
  pop(): [number, T] | undefined {
    if (this.items.length === 0) return undefined;
    const top: [number, T] = [this.times[0]!, this.items[0]!];
    const lastTime = this.times.pop()!;
    const lastSeq = this.seqs.pop()!;
    const lastItem = this.items.pop()!;
    if (this.items.length > 0) {
      this.times[0] = lastTime;
      this.seqs[0] = lastSeq;
      this.items[0] = lastItem;
      this.down(0);
    }
    return top;
  }

  clear(): void {
    this.times = [];
    this.seqs = [];
    this.items = [];
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b]!, this.times[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
    [this.items[a], this.items[b]] = [this.items[b]!, this.items[a]!];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.less(l, smallest)) smallest = l;
      if (r < n && this.less(r, smallest)) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
