/**
 * Wall-clock time and timers for delivery, injectable so tests can record the backoff
 * delays asked for and run them at once instead of sleeping.
 */
export interface Timers {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    // A pending retry must not keep a process alive that is otherwise done.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * Timers that move only when told to, for tests of what takes minutes (backoff, probes,
 * max_age): `advance(ms)` runs the timers due by then, in time order. A delay of 0 (a
 * Retry-After: 0) runs on the next turn of the event loop without waiting for advance,
 * as a real timer would, so a retry loop against a real server goes on by itself.
 */
export class ManualTimers implements Timers {
  private current: number;
  private pending: { id: number; due: number; fn: () => void }[] = [];
  private nextId = 0;

  constructor(start = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    if (ms <= 0) {
      const immediate = setImmediate(fn);
      return () => clearImmediate(immediate);
    }
    const id = this.nextId++;
    this.pending.push({ id, due: this.current + ms, fn });
    return () => {
      this.pending = this.pending.filter((t) => t.id !== id);
    };
  }

  /** The delays of the timers waiting, from now, soonest first. */
  waiting(): number[] {
    return this.pending.map((t) => t.due - this.current).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: (typeof this.pending)[number] | undefined;
      for (const t of this.pending) if (t.due <= target && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.pending = this.pending.filter((t) => t !== next);
      this.current = next.due;
      next.fn();
    }
    this.current = target;
  }
}
