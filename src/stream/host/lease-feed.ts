/**
 * A reader feed held under a lease: one process of many reads, the others stand by.
 *
 * The lease is partition 0 of a one-partition topic, owned through a consumer group: the
 * member the group gives it to reads every partition of the feed's topics (a ReaderFeed)
 * and the host's processor runs there; when that member leaves or dies, the group gives
 * the lease to a standby, whose processor restores from the last checkpoint. This is how
 * the alert evaluator runs once per project whatever the number of workers.
 */
import type { ConsumerHandlers, GroupConsumer, Log, TopicPartition, TopicPartitionOffset } from '../../log/types.js';
import { ReaderFeed, type ReaderFeedOptions } from './reader-feed.js';

export interface LeaseFeedOptions extends ReaderFeedOptions {
  /** The one-partition topic whose partition is the lease (created if missing). */
  leaseTopic: string;
  leaseGroup: string;
  /** Told when this process gains or loses the lease. */
  onLease?: (held: boolean) => void;
}

export class LeaseFeed implements GroupConsumer {
  readonly groupId: string;
  private readonly log: Log;
  private readonly options: LeaseFeedOptions;
  private lease: GroupConsumer | undefined;
  private inner: ReaderFeed | undefined;
  private handlers: ConsumerHandlers | undefined;

  constructor(log: Log, options: LeaseFeedOptions) {
    this.log = log;
    this.options = options;
    this.groupId = options.leaseGroup;
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    const { leaseTopic, leaseGroup } = this.options;
    const lease = this.log.consumer({ groupId: leaseGroup, topics: [leaseTopic], start: 'latest', maxWaitMs: 500 });
    this.lease = lease;
    await lease.run({
      onAssigned: async (tps) => {
        if (tps.length > 0) await this.gain();
      },
      onRevoked: async (tps, { owned }) => {
        if (tps.length > 0) await this.lose(owned);
      },
      // The lease topic's records (the processor's own checkpoints) are read back only when restoring.
      eachBatch: async () => {},
    });
  }

  private async gain(): Promise<void> {
    if (this.inner) return;
    const inner = new ReaderFeed(this.log, this.options);
    this.inner = inner;
    this.options.onLease?.(true);
    await inner.run(this.handlers!);
  }

  /** The lease left: while still owned the processor may checkpoint (a member that stops); else it only drops its work. */
  private async lose(owned: boolean): Promise<void> {
    const inner = this.inner;
    if (!inner) return;
    this.inner = undefined;
    if (owned) await inner.stop();
    else {
      const moved = inner.assignment();
      await inner.halt();
      if (moved.length > 0) await this.handlers?.onRevoked?.(moved, { owned: false });
    }
    this.options.onLease?.(false);
  }

  get held(): boolean {
    return this.inner !== undefined;
  }

  async commit(_offsets: TopicPartitionOffset[]): Promise<void> {}

  seek(target: TopicPartitionOffset): void {
    this.inner?.seek(target);
  }

  assignment(): TopicPartition[] {
    return this.inner?.assignment() ?? [];
  }

  startOf(tp: TopicPartition): number | undefined {
    return this.inner?.startOf(tp);
  }

  /** Gives the lease up (a last checkpoint first, while it is still held) and leaves the group; idempotent. */
  async stop(): Promise<void> {
    await this.lease?.stop();
    await this.lose(true);
    this.lease = undefined;
  }
}
