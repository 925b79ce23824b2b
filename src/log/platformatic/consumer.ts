/**
 * A member of a consumer group on Kafka, through @platformatic/kafka, with the Log's contract:
 * batches per partition in offset order, assignment callbacks, commits only for owned
 * partitions, co-partitioned inputs kept together (range assignor).
 *
 * Two clients: `group` joins the group (the library heartbeats on its own timer, so a long
 * restore in onAssigned does not cost the membership) and commits; `fetcher` fetches, on its
 * own connections, so a commit never queues behind a long-polling fetch. Positions are kept
 * here: a seek applies to the next fetch, and a batch fetched before a seek is dropped.
 *
 * Like kafkajs, the library tells of a new assignment after the rebalance (the classic
 * protocol's eager rebalance; the library rejoins as soon as a heartbeat says one began), so
 * `onRevoked` runs once the partitions have moved: a commit made there is refused
 * (FD_GROUP_REBALANCING) and the new owner resumes from the last commit. Only `stop()` calls
 * `onRevoked` while the member still owns its partitions.
 */
import { Consumer, FetchIsolationLevels, type ConsumerGroupJoinPayload } from '@platformatic/kafka';
import { FastdataError, errorMessage } from '../../errors.js';
import type { ConsumerHandlers, ConsumerOptions, GroupConsumer, TopicPartition, TopicPartitionOffset } from '../types.js';
import { checkCommit, validateTopicName } from '../validate.js';
import type { BaseClientOptions } from './client-options.js';
import { fromPlatformaticError } from './errors.js';
import { fetchPartitions, type FetchedPartition, type FetchPosition } from './fetch.js';
import type { PartitionOffsetsSource } from './offsets.js';
import { RANGE_PROTOCOL, rangeAssigner } from './range-assigner.js';

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
/** A failing fetch is tried again after this, then twice as long, up to 5 s. */
const FETCH_RETRY_MS = 100;

export interface PlatformaticConsumerHost {
  base: BaseClientOptions;
  offsets: PartitionOffsetsSource;
  onCrash(groupId: string, error: unknown): void;
  onWarning(message: string): void;
}

export class PlatformaticGroupConsumer implements GroupConsumer {
  readonly groupId: string;
  private readonly options: ConsumerOptions;
  private readonly host: PlatformaticConsumerHost;
  private group: Consumer | undefined;
  private fetcher: Consumer | undefined;
  private handlers: ConsumerHandlers | undefined;
  private assigned: TopicPartition[] = [];
  /** The next offset to fetch, per owned partition. */
  private readonly positions = new Map<string, number>();
  /** Where owned partitions without a committed offset start (for `startOf`). */
  private readonly starts = new Map<string, number>();
  /** Assignment changes are handled one after another, and before any batch of theirs. */
  private changes: Promise<void> = Promise.resolve();
  private running = false;
  private halted = false;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: ConsumerOptions, host: PlatformaticConsumerHost) {
    if (!options.groupId) throw new FastdataError('FD_ARGUMENT_INVALID', 'consumer groupId is empty; give every consumer group a name');
    if (options.topics.length === 0) throw new FastdataError('FD_ARGUMENT_INVALID', `consumer of group ${options.groupId} subscribes to no topic`);
    for (const topic of options.topics) validateTopicName(topic);
    this.groupId = options.groupId;
    this.options = options;
    this.host = host;
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    if (this.running) throw new FastdataError('FD_ARGUMENT_INVALID', `consumer of group ${this.groupId} is already running`);
    this.running = true;
    this.handlers = handlers;
    const common = {
      ...this.host.base,
      groupId: this.groupId,
      autocommit: false,
      // Outputs written in transactions (exactly-once) are read only once committed.
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    };
    const group = new Consumer({
      ...common,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 30_000,
      protocols: [RANGE_PROTOCOL],
      partitionAssigner: rangeAssigner,
    });
    this.group = group;
    this.fetcher = new Consumer(common);
    group.on('consumer:group:join', (payload: ConsumerGroupJoinPayload) => {
      const next = (payload.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
      this.changes = this.changes.then(() => this.reassign(next)).catch((error) => this.crash(error));
    });
    group.on('consumer:heartbeat:error', ({ error }) => this.host.onWarning(`consumer group ${this.groupId}: heartbeat failed: ${errorMessage(error)}`));
    try {
      for (const topic of this.options.topics) group.topics.track(topic);
      await group.joinGroup({});
    } catch (error) {
      this.running = false;
      await Promise.allSettled([group.close(true), this.fetcher.close()]);
      throw fromPlatformaticError(error, `cannot join consumer group ${this.groupId}`, { topic: this.options.topics.join(',') });
    }
    this.loop = this.consume();
  }

  private async reassign(next: TopicPartition[]): Promise<void> {
    if (this.halted) return;
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const previousKeys = new Set(this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.assigned.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    const added = next.filter((tp) => !previousKeys.has(tpKey(tp.topic, tp.partition)));
    // They have moved already: commits for them are refused from now on.
    this.assigned = this.assigned.filter((tp) => nextKeys.has(tpKey(tp.topic, tp.partition)));
    for (const tp of revoked) {
      this.positions.delete(tpKey(tp.topic, tp.partition));
      this.starts.delete(tpKey(tp.topic, tp.partition));
    }
    if (revoked.length > 0) await this.handlers?.onRevoked?.(revoked, { owned: false });
    if (added.length > 0) await this.placeAdded(added);
    this.assigned = next;
    if (added.length > 0) await this.handlers?.onAssigned?.(added);
  }

  /** Where newly assigned partitions start: their committed offset, else the start the consumer asked for, fixed now. */
  private async placeAdded(added: TopicPartition[]): Promise<void> {
    const { offsets } = this.host;
    const latest = this.options.start === 'latest';
    for (const topic of new Set(added.map((tp) => tp.topic))) {
      const partitions = added.filter((tp) => tp.topic === topic).map((tp) => tp.partition);
      const committed = new Map((await offsets.committed(this.groupId, topic)).map((c) => [c.partition, c.offset]));
      const bounds = new Map((await offsets.offsets(topic)).map((o) => [o.partition, o]));
      for (const partition of partitions) {
        const key = tpKey(topic, partition);
        const at = committed.get(partition);
        if (at !== undefined) {
          this.positions.set(key, at);
          continue;
        }
        const start = latest ? (bounds.get(partition)?.end ?? 0) : (bounds.get(partition)?.start ?? 0);
        this.positions.set(key, start);
        this.starts.set(key, start);
      }
    }
  }

  /**
   * Fetches the owned partitions and hands their batches over, one partition after the
   * other, until stopped. The next fetch goes out while a response is handed over, from
   * where that response leaves each partition; a partition sought elsewhere meanwhile has its
   * part of it dropped (its position no longer matches) and is fetched again.
   */
  private async consume(): Promise<void> {
    let failures = 0;
    let ahead: Promise<FetchedPartition[]> | undefined;
    const fetch = (positions: FetchPosition[]) => fetchPartitions(this.fetcher!, positions, { maxWaitMs: this.options.maxWaitMs ?? 500 });
    while (!this.halted) {
      await this.changes;
      if (this.halted) break;
      const positions = this.assigned.flatMap((tp) => {
        const offset = this.positions.get(tpKey(tp.topic, tp.partition));
        return offset === undefined ? [] : [{ ...tp, offset }];
      });
      if (positions.length === 0) {
        ahead = undefined;
        await sleep(50);
        continue;
      }
      let fetched: FetchedPartition[];
      try {
        fetched = await (ahead ?? fetch(positions));
        failures = 0;
      } catch (error) {
        ahead = undefined;
        if (this.halted) break;
        failures++;
        if (failures === 5) this.host.onWarning(`consumer group ${this.groupId}: fetching keeps failing, retrying: ${errorMessage(error)}`);
        await sleep(Math.min(5_000, FETCH_RETRY_MS * 2 ** Math.min(failures, 6)));
        continue;
      }
      const next = new Map(positions.map((p) => [tpKey(p.topic, p.partition), p]));
      for (const r of fetched) {
        const key = tpKey(r.topic, r.partition);
        if (this.positions.get(key) === r.from) next.set(key, { topic: r.topic, partition: r.partition, offset: r.outOfRange ? r.logStartOffset : r.nextOffset });
      }
      ahead = fetch([...next.values()]);
      ahead.catch(() => undefined); // surfaced when awaited
      for (const result of fetched) {
        if (this.halted) break;
        const key = tpKey(result.topic, result.partition);
        // Moved away or sought elsewhere while the fetch was out: this batch is not wanted.
        if (this.positions.get(key) !== result.from || !this.owns(result.topic, result.partition)) continue;
        if (result.outOfRange) {
          // Retention deleted the position: start again where the log starts now, as auto.offset.reset=earliest.
          this.positions.set(key, result.logStartOffset);
          continue;
        }
        const max = this.options.maxBatchRecords;
        const chunks = max && result.records.length > max ? chunk(result.records, max) : [result.records];
        let expected = result.from;
        for (let i = 0; i < chunks.length && !this.halted; i++) {
          const records = chunks[i]!;
          const nextOffset = i === chunks.length - 1 ? result.nextOffset : records[records.length - 1]!.offset + 1;
          // Nothing new at all (an empty answer): no batch.
          if (records.length === 0 && nextOffset <= result.from) break;
          try {
            await this.handlers!.eachBatch({ topic: result.topic, partition: result.partition, records, highWatermark: result.highWatermark, nextOffset });
          } catch {
            // The handler's owner reports its failure and stops this member: no further batch.
            this.halted = true;
            break;
          }
          // Advanced only if nothing sought elsewhere meanwhile.
          if (this.positions.get(key) !== expected) break;
          this.positions.set(key, nextOffset);
          expected = nextOffset;
        }
      }
    }
  }

  private owns(topic: string, partition: number): boolean {
    return this.assigned.some((tp) => tp.topic === topic && tp.partition === partition);
  }

  private crash(error: unknown): void {
    if (this.halted) return;
    this.halted = true;
    this.host.onCrash(this.groupId, error);
  }

  /**
   * Commits through the group's coordinator. Should the group be rebalancing, the library
   * rejoins and commits again with the new generation, which the broker accepts even for a
   * partition that moved in between: at worst an offset this member had fully processed,
   * so records are read twice, never skipped (exactly-once commits go through transactions).
   */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    checkCommit(this.groupId, this.assigned, offsets);
    if (offsets.length === 0) return;
    try {
      await this.group!.commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) });
    } catch (error) {
      throw fromPlatformaticError(error, `cannot commit offsets of group ${this.groupId}`);
    }
  }

  seek(target: TopicPartitionOffset): void {
    if (!this.owns(target.topic, target.partition)) {
      throw new FastdataError('FD_PARTITION_INVALID', `cannot seek ${target.topic}[${target.partition}]: not assigned to this member of ${this.groupId}`);
    }
    this.positions.set(tpKey(target.topic, target.partition), target.offset);
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  startOf(tp: TopicPartition): number | undefined {
    return this.starts.get(tpKey(tp.topic, tp.partition));
  }

  /** Gives the partitions up (onRevoked, while still their owner, so its commits count) and leaves the group. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.running) return;
      this.halted = true;
      await this.loop;
      await this.changes;
      const owned = this.assigned;
      try {
        if (owned.length > 0) await this.handlers?.onRevoked?.(owned, { owned: true });
      } finally {
        this.assigned = [];
        await Promise.allSettled([this.group?.close(true), this.fetcher?.close()]);
        this.running = false;
      }
    })();
    return this.stopping;
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
