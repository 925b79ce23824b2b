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
