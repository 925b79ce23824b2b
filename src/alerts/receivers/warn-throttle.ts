/**
 * Warnings about deliveries, at most one per topic per interval: a receiver that rejects
 * everything (a revoked token) must not write a log line per alert. The next message says
 * how many were held back.
 */
export class WarnThrottle {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly warn: (message: string) => void,
    private readonly now: () => number,
    private readonly intervalMs: number,
  ) {}

  /** Warns `message` unless `topic` warned within the interval; then counts it for the next one. */
  warnAbout(topic: string, message: string): void {
    const entry = this.last.get(topic);
    const now = this.now();
    if (entry && now - entry.at < this.intervalMs) {
      entry.held++;
      return;
    }
    const held = entry?.held ?? 0;
    this.last.set(topic, { at: now, held: 0 });
    this.warn(held > 0 ? `${message} (and ${held} more like it since the last warning)` : message);
  }
}
