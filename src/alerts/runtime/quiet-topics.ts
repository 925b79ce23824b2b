/**
 * Restored alert state on a source topic that stays silent after a takeover: its
 * watermark must still follow the clock, so absence rules fire when every key has gone
 * quiet, also across a restart.
 *
 * The host does this for the clocks it restores, but it restores only those of the lanes
 * the task was created with: a reader feed assigns its topics one at a time, so the other
 * source topics' clocks start empty, and an empty clock never moves (WatermarkTracker: a
 * partition that never sent anything does not count). Until the host restores the clocks
 * of lanes added later (see the report of this change), this does what it would have done
 * for them: a topic that has sent no record since the takeover moves on from its restored
 * watermark once idle, by the time idle past `idleTimeout`. The first record of a topic
 * ends this for it: the host's clock has something to go on from then.
 */
import type { Clock } from '../../time/clock.js';
import type { AlertBook } from '../engine/index.js';

export class QuietTopics {
  private readonly since: number;
  /** Per topic without a record since the takeover: its restored watermark. */
  private readonly restored = new Map<string, number>();

  constructor(
    book: AlertBook,
    private readonly clock: Clock,
    private readonly idleTimeout: number,
  ) {
    this.since = clock.now();
    for (const topic of book.topics) {
      const mark = book.watermark(topic);
      if (Number.isFinite(mark)) this.restored.set(topic, mark);
    }
  }

  /** A record of `topic` arrived. Called per record: one size check while nothing is left to watch. */
  heard(topic: string): void {
    if (this.restored.size > 0) this.restored.delete(topic);
  }

  /** The watermarks the silent topics have reached by now. */
  due(): [topic: string, watermark: number][] {
    if (this.restored.size === 0) return [];
    const idleFor = this.clock.now() - this.since;
    if (idleFor < this.idleTimeout) return [];
    return [...this.restored].map(([topic, mark]) => [topic, mark + idleFor - this.idleTimeout]);
  }
}
