/**
 * Waits that a stop can cut short: a loop that polls or backs off sleeps through one of
 * these, and stopping wakes every sleeper at once instead of waiting out the longest pause.
 */
export class Sleeper {
  private readonly wakeups = new Set<() => void>();

  /** Resolves after `ms`, or at once on `wakeAll`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.wakeups]) wake();
  }
}
