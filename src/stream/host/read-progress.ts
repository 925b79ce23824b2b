/**
 * How far a reader of a whole topic has got, for the processors that hold a topic in
 * memory (the serving layer's topic views, the alert state's compacted views): the next
 * offset per partition, moved by every record the task saw (or the host skipped), and a
 * promise that resolves once everything the topic held when reading started has been read.
 */
export class ReadProgress {
  /** Next offset per partition. */
  readonly positions = new Map<number, number>();
  private endsAtStart: Map<number, number> | undefined;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };
  /** Resolves once every partition is read to its end at start (`start`), rejects on `fail`. */
  readonly caughtUp = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));

  constructor() {
    // Settled by a failure or a close even when nobody waits for it.
    this.caughtUp.catch(() => undefined);
  }

  /** Reading starts: where each partition starts and ends now (`log.offsets`). An empty partition is read already. */
  start(offsets: readonly { partition: number; start: number; end: number }[]): void {
    this.endsAtStart = new Map(offsets.map((o) => [o.partition, o.end]));
    for (const o of offsets) if (!this.positions.has(o.partition)) this.positions.set(o.partition, o.start);
    this.check();
  }

  /** A partition that came after `start` (it reads from 0). */
  know(partition: number): void {
    if (!this.positions.has(partition)) this.positions.set(partition, 0);
  }

  /** Moves past a record; false for one read already (a replay after a seek): its effects happened. */
  advance(partition: number, offset: number): boolean {
    if (offset < (this.positions.get(partition) ?? 0)) return false;
    this.positions.set(partition, offset + 1);
    return true;
  }

  /** Resolves `caughtUp` if every partition has reached its end at start. */
  check(): void {
    if (!this.endsAtStart) return;
    for (const [partition, end] of this.endsAtStart) if ((this.positions.get(partition) ?? 0) < end) return;
    this.endsAtStart = undefined;
    this.settle.resolve();
  }

  fail(error: unknown): void {
    this.settle.reject(error);
  }
}
