/**
 * Processing time, injectable. Event time comes from the records; processing time (idle
 * timeouts, rate limits of update emission, checkpoint intervals) comes from a Clock, so
 * tests and the test driver advance it by hand instead of sleeping.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** A clock that moves only when told to: `advance(ms)` fires due timers in time order. */
export class ManualClock implements Clock {
  private current: number;
  private timers: { id: number; due: number; period: number; fn: () => void }[] = [];
  private nextId = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  every(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ id, due: this.current + ms, period: ms, fn });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers) if (t.due <= target && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.current = next.due;
      next.due += next.period;
      next.fn();
    }
    this.current = target;
  }
}
