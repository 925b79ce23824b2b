/**
 * The Log: what stream modules, alerts, the serving layer and sinks see of the message log.
 *
 * Two implementations stand behind it: the embedded, file-backed log (`embedded/`) and
 * Apache Kafka (`kafka/`). Both are held to Kafka's semantics by one conformance suite
 * (test/conformance/log.ts): ordering per partition, monotonically increasing offsets
 * (not always contiguous: compaction leaves gaps), keys placed by murmur2 like Kafka's
 * default partitioner, consumer groups whose committed offsets survive restarts, and
 * compaction of keyed topics.
 *
 * Offsets and timestamps are JavaScript numbers: offsets stay below 2^53 in any real log.
 * A committed offset is, as in Kafka, the offset of the next record to read.
 */
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from './batch-size.js';

export type Headers = Record<string, Buffer>;

/** A record as a producer hands it over. */
export interface ProduceRecord {
  key?: Buffer | string | null;
  /** `null` is a tombstone: on a compacted topic it deletes the key. */
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
  /** Milliseconds since the epoch; defaults to the append time. */
  timestamp?: number;
  /** Overrides the partitioner. */
  partition?: number;
}

/** A record as a reader sees it. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export interface TopicConfig {
  /** `delete` drops old segments by retention; `compact` keeps the latest value per key. */
  cleanupPolicy: CleanupPolicy;
  /** Segments whose newest record is older than this are deleted; -1 keeps forever. */
  retentionMs: number;
  /** A partition larger than this drops its oldest segments; -1 means no limit. */
  retentionBytes: number;
  /** A segment is closed (and may then be deleted or compacted) past this size... */
  segmentBytes: number;
  /** ...or this age. */
  segmentMs: number;
  /** How long a tombstone survives compaction, so readers can see the delete. */
  deleteRetentionMs: number;
  /**
   * Compact a partition once this share of its closed data is new since the last
   * compaction (Kafka's min.cleanable.dirty.ratio): lower compacts sooner, at more I/O.
   */
  minCleanableDirtyRatio: number;
  /**
   * Largest record batch the log accepts for one partition in one produce call (Kafka's
   * max.message.bytes, checked against the whole batch): see batch-size.ts.
   */
  maxMessageBytes: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  config?: Partial<TopicConfig>;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  config: TopicConfig;
}

export interface PartitionOffsets {
  partition: number;
  /** The first offset still in the log (moves forward with retention). */
  start: number;
  /** The offset the next appended record will get (Kafka's high watermark). */
  end: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** Where a reader or a group member with no committed offset starts. */
export type StartPosition = 'earliest' | 'latest' | { timestamp: number };

export interface Batch {
  topic: string;
  partition: number;
  records: LogRecord[];
  /** The partition's end offset when the batch was fetched, for lag. */
  highWatermark: number;
  /**
   * Where the next fetch of this partition starts, when it is past the last record: the
   * records a transactional writer leaves behind (commit markers, aborted records) take
   * offsets and are never delivered. A batch may then have no record at all. Default: the
   * last record's offset + 1.
   */
  nextOffset?: number;
}

/**
 * Reads chosen partitions from chosen positions, outside any consumer group
 * (`tail`, the REST range queries, state restore from a changelog).
 */
export interface ReaderOptions {
  topic: string;
  /** Partitions to read; all of them when absent. */
  partitions?: number[];
  /** Per-partition start offsets, or one position for every partition. Default: earliest. */
  from?: StartPosition | Record<number, number>;
  /** Stop once each partition reaches the end offset it had when the reader opened. */
  stopAtEnd?: boolean;
  maxRecords?: number;
}

export interface Reader extends AsyncIterable<Batch> {
  /**
   * Resolves once the start positions are fixed ('latest' and times resolved). Records
   * appended after that are read; for 'latest', records appended before may not be.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a partition with no committed offset starts. Default: earliest. */
  start?: Exclude<StartPosition, { timestamp: number }>;
  /** Upper bound of records handed to one `eachBatch` call. */
  maxBatchRecords?: number;
  /** How long a fetch waits for new records before `eachBatch` gets an idle tick. */
  maxWaitMs?: number;
}

export interface ConsumerHandlers {
  /**
   * Called before any batch of newly assigned partitions; for restoring their state.
   * Co-partitioned inputs are assigned together: partition p of every subscribed topic
   * goes to the same member when the topics have the same partition count.
   */
  onAssigned?(partitions: TopicPartition[]): Promise<void>;
  /** Called when partitions leave this member; `info.owned` says whether it may still commit them. */
  onRevoked?(partitions: TopicPartition[], info: RevokeInfo): Promise<void>;
  /** One partition's records, in offset order. The next batch of that partition waits for this one. */
  eachBatch(batch: Batch): Promise<void>;
}

export interface RevokeInfo {
  /**
   * true: the member still owns the partitions while onRevoked runs, so it can flush and
   * commit them (a member that stops; the embedded log on every rebalance). false: they
   * have moved already (Kafka through kafkajs, which reports a rebalance after it): their
   * commits are refused, so their uncommitted work is dropped and the new owner redoes it.
   */
  owned: boolean;
}

export interface GroupConsumer {
  readonly groupId: string;
  /** Joins the group and consumes until `stop()`. Resolves once consumption has begun. */
  run(handlers: ConsumerHandlers): Promise<void>;
  /** Commits offsets (the next offset to read) for partitions this member owns. */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Moves this member's position in a partition it owns. */
  seek(target: TopicPartitionOffset): void;
  assignment(): TopicPartition[];
  /** Where an assigned partition with no committed offset starts, where the member knows it already. */
  startOf?(tp: TopicPartition): number | undefined;
  /** Leaves the group after the batch in flight; idempotent. */
  stop(): Promise<void>;
}

/**
 * Writes to several topics and a consumer group's offsets, visible all together or not at
 * all (Kafka transactions: what exactly-once processing is built on).
 */
export interface LogTransaction {
  produce(topic: string, records: ProduceRecord[]): Promise<void>;
  /** The group's offsets (next offset to read) become committed with the transaction. */
  commitOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A producer with a stable transactional id. Opening one with an id fences any older
 * producer with the same id (a worker thought dead that still writes).
 */
export interface TransactionalProducer {
  begin(): Promise<LogTransaction>;
  close(): Promise<void>;
}

export interface Log {
  readonly kind: 'embedded' | 'kafka';
  /** Transactions, where the log has them (Kafka); undefined otherwise. */
  transactionalProducer?(transactionalId: string): Promise<TransactionalProducer>;
  /** Creates a topic; resolves `false` when it already exists with that partition count. */
  createTopic(spec: TopicSpec): Promise<boolean>;
  deleteTopic(name: string): Promise<void>;
  describeTopic(name: string): Promise<TopicDescription | undefined>;
  listTopics(): Promise<TopicDescription[]>;
  /**
   * Appends records; resolves once they are durable in the log, with their offsets, in
   * input order. The records of one call that land in one partition are appended
   * atomically, all or none: one record batch, which must stay within the topic's
   * `maxMessageBytes` (FD_MESSAGE_TOO_LARGE otherwise, in both Logs; see batch-size.ts).
   */
  produce(topic: string, records: ProduceRecord[]): Promise<RecordMetadata[]>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /** The first offset whose timestamp is at or after `timestamp`, per partition (end when none). */
  offsetsForTime(topic: string, timestamp: number): Promise<TopicPartitionOffset[]>;
  reader(options: ReaderOptions): Reader;
  consumer(options: ConsumerOptions): GroupConsumer;
  /** Committed offsets of a group for a topic; partitions without a commit are absent. */
  committed(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
  /** The members a consumer group has now (none: nobody consumes in it). */
  groupMembers(groupId: string): Promise<string[]>;
  /**
   * Forgets a group and everything it committed, as Kafka's DeleteGroups does: its next
   * member starts where its `start` says. Refused with FD_GROUP_ACTIVE while it has members.
   */
  deleteGroup(groupId: string): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_TOPIC_CONFIG: TopicConfig = Object.freeze({
  cleanupPolicy: 'delete',
  retentionMs: 7 * 24 * 3_600_000,
  retentionBytes: -1,
  segmentBytes: 64 * 1024 * 1024,
  segmentMs: 7 * 24 * 3_600_000,
  deleteRetentionMs: 24 * 3_600_000,
  minCleanableDirtyRatio: 0.5,
  maxMessageBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
});
