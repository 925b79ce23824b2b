/**
 * Which offset a receiver's consumer may commit: the first one not yet done with. A
 * notification is done once delivered, refused, given up on, or skipped (silenced, not
 * for this receiver); grouped ones are done when their group's delivery is. Offsets are
 * added in order; they may be done in any order.
 */
export class CommitTracker {
  /** Offsets added and not done, in order. */
  private readonly open: number[] = [];
  private readonly done = new Set<number>();
  private next: number | undefined;

  /** Offset `offset` was read; it must be done before the commit passes it. */
  add(offset: number): void {
    this.open.push(offset);
  }

  markDone(offset: number): void {
    this.done.add(offset);
    while (this.open.length > 0 && this.done.has(this.open[0]!)) {
      const first = this.open.shift()!;
      this.done.delete(first);
      this.next = first + 1;
    }
  }

  /** The offset to commit (the next one to read), when it moved since the last call. */
  takeCommit(): number | undefined {
    const next = this.next;
    this.next = undefined;
    return next;
  }

  get pending(): number {
    return this.open.length;
  }
}
