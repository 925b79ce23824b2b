/**
 * The embedded log: Kafka's model (topics, partitions, offsets, consumer groups, retention,
 * compaction) in one process, file-backed under a data dir, with no server to run.
 *
 *   <dataDir>/.lock                        the writer process's pid (lock.ts)
 *   <dataDir>/topics/<topic>/topic.json    partition count and config
 *   <dataDir>/topics/<topic>/<p>/*.log     segments (segment.ts, batch-codec.ts)
 *
 *   <dataDir>/topics/<topic>/<p>/recovery-point   offset below which all was fsynced (recovery-point.ts)
 *   <dataDir>/topics/<topic>/<p>/holes.json       offset ranges lost to damage (holes.ts)
 *   <dataDir>/topics/<topic>/<p>/*.quarantine     the damaged bytes of each
 *
 * One process writes; any number of others may open the dir read-only (`readOnly: true`)
 * to read topics and committed offsets while it runs. Durability: an acknowledged append
 * is in the page cache, which outlives the process; `fsync: 'interval'` (default) bounds
 * what a power loss can take to `flushIntervalMs`, `'always'` to nothing. Damage to
 * acknowledged records (a flipped bit, a file changed by hand) is never cut silently and
 * never makes an offset be given twice (partition-log.ts); `damage()` reports it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FastdataError } from '../../errors.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { partitionForKey, partitionForStringKey } from '../partitioner.js';
import {
  DEFAULT_TOPIC_CONFIG,
  type ConsumerOptions,
  type GroupConsumer,
  type Log,
  type PartitionOffsets,
  type ProduceRecord,
  type Reader,
  type ReaderOptions,
  type RecordMetadata,
  type TopicConfig,
  type TopicDescription,
  type TopicPartitionOffset,
  type TopicSpec,
} from '../types.js';
import { BATCH_OVERHEAD_BYTES, HEADER_OVERHEAD_BYTES, RECORD_OVERHEAD_BYTES, batchTooLarge } from '../batch-size.js';
import { checkProduceRecord, groupActive, invalidRecord, validateTopicConfig, validateTopicName } from '../validate.js';
import type { AppendRecordInput } from './batch-codec.js';
import { EmbeddedGroupConsumer } from './consumer.js';
import { GroupCoordinator } from './group-coordinator.js';
import { type LogHole, offsetCount } from './holes.js';
import { acquireLogLock } from './lock.js';
import { OFFSETS_TOPIC, OffsetStore } from './offset-store.js';
import { PartitionLog } from './partition-log.js';
import { EmbeddedReader } from './reader.js';

export interface EmbeddedLogOptions {
  /** Open without the writer lock, for reading beside a running writer. */
  readOnly?: boolean;
  fsync?: 'always' | 'interval' | 'never';
  flushIntervalMs?: number;
  /** How often retention and compaction run (Kafka's log.retention.check.interval.ms). */
  maintenanceIntervalMs?: number;
  /** Overrides every topic's minCleanableDirtyRatio (tests compact on every maintenance run with 0). */
  minCleanableDirtyRatio?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
  /** A group member whose handler threw; it has left its group. */
  onConsumerCrash?: (groupId: string, error: unknown) => void;
}

interface TopicState {
  description: TopicDescription;
  partitions: PartitionLog[];
  /** Partition for the next unkeyed produce call (sticky per call, round robin across calls). */
  nextUnkeyed: number;
}

const OFFSETS_TOPIC_CONFIG: Partial<TopicConfig> = { cleanupPolicy: 'compact', segmentBytes: 16 * 1024 * 1024, segmentMs: 3_600_000 };

/** An offset range a partition lost, for `damage()`. */
export interface EmbeddedLogHole extends LogHole {
  topic: string;
  partition: number;
}

/** Passes over lost ranges by readers or by a consumer group, for `damage()`. */
export interface EmbeddedLogSkips {
  topic: string;
  partition: number;
  /** The consumer group, or undefined for readers (tail, dashboards, the access layer). */
  group: string | undefined;
  count: number;
}

/**
 * What the embedded log lost to damage, for metrics and the status page: every hole
 * (offset range quarantined or missing, durable across restarts), the offsets they hold,
 * how often readers and consumer groups passed over one since open, and the torn tails
 * cut on open.
 */
export interface EmbeddedLogDamage {
  holes: EmbeddedLogHole[];
  /** Sum of the holes' offsets (an upper bound of the records lost: compaction may have left some of those offsets empty). */
  lostOffsets: number;
  skips: EmbeddedLogSkips[];
  /** Torn tails cut on open (writes never finished; see the open warnings). */
  tornTails: number;
}

export class EmbeddedLog implements Log {
  readonly kind = 'embedded' as const;
  readonly dir: string;
  private readonly options: Required<Omit<EmbeddedLogOptions, 'onConsumerCrash' | 'minCleanableDirtyRatio'>> & Pick<EmbeddedLogOptions, 'onConsumerCrash' | 'minCleanableDirtyRatio'>;
  private readonly topics = new Map<string, TopicState>();
  private offsetStore!: OffsetStore;
  private readonly coordinator: GroupCoordinator;
  private readonly consumers = new Set<EmbeddedGroupConsumer>();
  private readonly readers = new Set<EmbeddedReader>();
  private releaseLock: (() => Promise<void>) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  /** Opened read-only: another process holds the data dir. */
  get readOnly(): boolean {
    return this.options.readOnly;
  }

  private constructor(dir: string, options: EmbeddedLogOptions) {
    this.dir = dir;
    this.options = {
      readOnly: options.readOnly ?? false,
      fsync: options.fsync ?? 'interval',
      flushIntervalMs: options.flushIntervalMs ?? 1_000,
      maintenanceIntervalMs: options.maintenanceIntervalMs ?? 30_000,
      minCleanableDirtyRatio: options.minCleanableDirtyRatio,
      clock: options.clock ?? systemClock,
      onWarning: options.onWarning ?? ((message) => process.emitWarning(message, 'FastdataLogWarning')),
      onConsumerCrash: options.onConsumerCrash,
    };
    this.coordinator = new GroupCoordinator(() => new Map([...this.topics].map(([name, t]) => [name, t.partitions.length])));
  }

  static async open(dir: string, options: EmbeddedLogOptions = {}): Promise<EmbeddedLog> {
    const log = new EmbeddedLog(dir, options);
    if (!log.options.readOnly) {
      await mkdir(log.topicsDir, { recursive: true });
      log.releaseLock = await acquireLogLock(join(dir, '.lock'), dir);
    }
    try {
      log.load();
    } catch (error) {
      await log.releaseLock?.();
      throw error;
    }
    return log;
  }

  private get topicsDir(): string {
    return join(this.dir, 'topics');
  }

  private load(): void {
    const { readOnly } = this.options;
    if (readOnly && !existsSync(this.topicsDir)) {
      throw new FastdataError('FD_TOPIC_NOT_FOUND', `no embedded log at ${this.dir}; start 'fastdata dev' first, or point --data-dir at the project's data dir`);
    }
    this.loadTopics();
    if (!this.topics.has(OFFSETS_TOPIC)) {
      if (readOnly) throw new FastdataError('FD_LOG_CORRUPT', `${this.dir} has no ${OFFSETS_TOPIC} topic; is it a fastdata data dir?`);
      this.createTopicSync({ name: OFFSETS_TOPIC, partitions: 1, config: OFFSETS_TOPIC_CONFIG });
    }
    this.offsetStore = new OffsetStore(this.topics.get(OFFSETS_TOPIC)!.partitions[0]!);
    this.offsetStore.catchUp();
    this.startTimers();
  }

  private loadTopics(): void {
    for (const name of readdirSync(this.topicsDir)) {
      if (this.topics.has(name)) continue;
      const metaPath = join(this.topicsDir, name, 'topic.json');
      if (!existsSync(metaPath)) continue; // a topic being created or deleted right now
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { partitions: number; config: TopicConfig };
      this.topics.set(name, this.openTopic(name, meta.partitions, { ...DEFAULT_TOPIC_CONFIG, ...meta.config }));
    }
  }

  private openTopic(name: string, partitions: number, config: TopicConfig): TopicState {
    const logs = Array.from({ length: partitions }, (_, p) =>
      PartitionLog.open(join(this.topicsDir, name, String(p)), name, p, config, {
        readOnly: this.options.readOnly,
        fsync: this.options.fsync,
        flushIntervalMs: this.options.flushIntervalMs,
        now: () => this.options.clock.now(),
        onWarning: this.options.onWarning,
      }),
    );
    return { description: { name, partitions, config }, partitions: logs, nextUnkeyed: 0 };
  }

  private startTimers(): void {
    const every = (ms: number, fn: () => void) => {
      const timer = setInterval(() => {
        try {
          fn();
        } catch (error) {
          this.options.onWarning(`embedded log maintenance failed: ${(error as Error).message}`);
        }
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    if (this.options.readOnly) {
      // Another process writes: look for its appends while someone waits for records. The
      // partitions to refresh are chosen before any is refreshed: a refresh wakes its
      // listeners, and a reader woken stops listening on all of its partitions at once, so
      // checking `hasListeners` as the loop goes refreshed only a reader's first partition
      // (tail followed partition 0 alone, issue 17).
      every(100, () => {
        const waitedOn: PartitionLog[] = [];
        for (const t of this.topics.values()) for (const p of t.partitions) if (p.hasListeners) waitedOn.push(p);
        for (const p of waitedOn) p.refresh();
      });
      return;
    }
    if (this.options.fsync === 'interval') every(this.options.flushIntervalMs, () => this.flush());
    every(this.options.maintenanceIntervalMs, () => this.runMaintenance());
  }

  /** Applies retention and compaction now (they also run every `maintenanceIntervalMs`). */
  runMaintenance(): void {
    if (this.closed || this.options.readOnly) return;
    const now = this.options.clock.now();
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        p.applyRetention(now);
        p.compact(now, this.options.minCleanableDirtyRatio ?? t.description.config.minCleanableDirtyRatio);
      }
    }
  }

  flush(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.flush();
  }

  private assertOpen(): void {
    if (this.closed) throw new FastdataError('FD_LOG_CLOSED', `the embedded log at ${this.dir} is closed`);
  }

  private assertWritable(what: string): void {
    this.assertOpen();
    if (this.options.readOnly) {
      throw new FastdataError('FD_LOG_READ_ONLY', `cannot ${what}: the embedded log at ${this.dir} is open read-only (another process owns it)`);
    }
  }

  private topic(name: string): TopicState {
    let t = this.topics.get(name);
    if (!t && this.options.readOnly) {
      this.loadTopics();
      t = this.topics.get(name);
    }
    if (!t) {
      throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${name} does not exist; 'fastdata topics' lists the topics there are`, { context: { topic: name } });
    }
    return t;
  }

  async createTopic(spec: TopicSpec): Promise<boolean> {
    this.assertWritable(`create topic ${spec.name}`);
    const existing = this.topics.get(spec.name);
    if (existing) {
      if (existing.partitions.length !== spec.partitions) {
        throw new FastdataError(
          'FD_TOPIC_EXISTS',
          `topic ${spec.name} exists with ${existing.partitions.length} partitions, not ${spec.partitions}; ` +
            `use the existing count, or delete the topic first (keys would move to other partitions)`,
          { context: { topic: spec.name } },
        );
      }
      return false;
    }
    this.createTopicSync(spec);
    await this.coordinator.topicsChanged(spec.name);
    return true;
  }

  private createTopicSync(spec: TopicSpec): void {
    validateTopicName(spec.name);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > 10_000) {
      throw new FastdataError('FD_TOPIC_INVALID', `topic ${spec.name}: partitions must be a whole number from 1 to 10000, got ${spec.partitions}`, {
        context: { topic: spec.name, field: 'partitions' },
      });
    }
    const config = validateTopicConfig(spec.name, { ...DEFAULT_TOPIC_CONFIG, ...spec.config });
    const topicDir = join(this.topicsDir, spec.name);
    rmSync(topicDir, { recursive: true, force: true }); // leftovers of an interrupted create or delete
    mkdirSync(topicDir, { recursive: true });
    const state = this.openTopic(spec.name, spec.partitions, config);
    // topic.json last, atomically: its presence is what makes the topic exist on the next open.
    const metaPath = join(topicDir, 'topic.json');
    writeFileSync(`${metaPath}.tmp`, JSON.stringify({ partitions: spec.partitions, config }, null, 2));
    renameSync(`${metaPath}.tmp`, metaPath);
    this.topics.set(spec.name, state);
  }

  async deleteTopic(name: string): Promise<void> {
    this.assertWritable(`delete topic ${name}`);
    if (name === OFFSETS_TOPIC) throw new FastdataError('FD_TOPIC_INVALID', `${OFFSETS_TOPIC} is internal and cannot be deleted`);
    const t = this.topic(name);
    this.topics.delete(name);
    await this.coordinator.topicsChanged(name);
    for (const p of t.partitions) p.close();
    const topicDir = join(this.topicsDir, name);
    rmSync(join(topicDir, 'topic.json'), { force: true });
    rmSync(topicDir, { recursive: true, force: true });
    this.offsetStore.forgetTopic(name, this.options.clock.now());
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    this.assertOpen();
    if (this.options.readOnly) this.loadTopics();
    return this.topics.get(name)?.description;
  }

  async listTopics(): Promise<TopicDescription[]> {
    this.assertOpen();
    if (this.options.readOnly) this.loadTopics();
    return [...this.topics.values()].map((t) => t.description).sort((a, b) => a.name.localeCompare(b.name));
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<RecordMetadata[]> {
    this.assertWritable(`produce to ${topic}`);
    const t = this.topic(topic);
    const partitionCount = t.partitions.length;
    const compacted = t.description.config.cleanupPolicy.includes('compact');
    const now = this.options.clock.now();
    const unkeyedPartition = t.nextUnkeyed;
    t.nextUnkeyed = (t.nextUnkeyed + 1) % partitionCount;

    const byPartition: AppendRecordInput[][] = Array.from({ length: partitionCount }, () => []);
    // Each partition's records as one Kafka record batch, checked against max.message.bytes as the broker checks it.
    const batchBytes = new Array<number>(partitionCount).fill(BATCH_OVERHEAD_BYTES);
    // Where each record went, as two number arrays rather than an object per record.
    const partitionOf = new Array<number>(records.length);
    const indexIn = new Array<number>(records.length);
    const headerCache: HeaderCache = { source: undefined, encoded: NO_HEADERS };
    for (let i = 0; i < records.length; i++) {
      const input = normalizeRecord(records[i]!, i, topic, now, headerCache);
      if (compacted && input.key === null) {
        throw new FastdataError('FD_RECORD_INVALID', `record ${i} for ${topic} has no key; ${topic} is compacted, so every record needs a key`, {
          context: { topic, field: 'key' },
        });
      }
      const explicit = records[i]!.partition;
      let partition: number;
      if (explicit !== undefined) {
        if (!Number.isInteger(explicit) || explicit < 0 || explicit >= partitionCount) {
          throw new FastdataError('FD_PARTITION_INVALID', `record ${i}: ${topic} has partitions 0..${partitionCount - 1}; partition ${explicit} does not exist`, {
            context: { topic, partition: explicit },
          });
        }
        partition = explicit;
      } else {
        const key = input.key;
        partition = key === null ? unkeyedPartition : typeof key === 'string' ? partitionForStringKey(key, partitionCount) : partitionForKey(key, partitionCount);
      }
      const group = byPartition[partition]!;
      batchBytes[partition]! += input.batchBytes;
      partitionOf[i] = partition;
      indexIn[i] = group.length;
      group.push(input);
    }
    const maxBytes = t.description.config.maxMessageBytes;
    for (let p = 0; p < partitionCount; p++) if (batchBytes[p]! > maxBytes) throw batchTooLarge(topic, p, batchBytes[p]!, byPartition[p]!.length, maxBytes);
    // All records validated before any is written: a bad record fails the call and writes nothing.
    const baseOffsets = byPartition.map((group, p) => (group.length > 0 ? t.partitions[p]!.append(group, now) : -1));
    const metadata = new Array<RecordMetadata>(records.length);
    for (let i = 0; i < records.length; i++) {
      const partition = partitionOf[i]!;
      const index = indexIn[i]!;
      metadata[i] = { topic, partition, offset: baseOffsets[partition]! + index, timestamp: byPartition[partition]![index]!.timestamp };
    }
    return metadata;
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    this.assertOpen();
    return this.topic(topic).partitions.map((p) => {
      if (this.options.readOnly) p.refresh();
      return { partition: p.partition, start: p.startOffset, end: p.nextOffset };
    });
  }

  async offsetsForTime(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    if (!Number.isFinite(timestamp)) throw new FastdataError('FD_ARGUMENT_INVALID', `timestamp must be milliseconds since the epoch, got ${timestamp}`);
    return this.topic(topic).partitions.map((p) => ({ topic, partition: p.partition, offset: p.offsetForTime(timestamp) }));
  }

  reader(options: ReaderOptions): Reader {
    this.assertOpen();
    const reader = new EmbeddedReader(
      {
        partitionLogs: (name) => {
          const t = this.topic(name);
          if (this.options.readOnly) for (const p of t.partitions) p.refresh();
          return t.partitions;
        },
      },
      options,
    );
    this.readers.add(reader);
    return reader;
  }

  consumer(options: ConsumerOptions): GroupConsumer {
    this.assertWritable(`join consumer group ${options.groupId}`);
    for (const topic of options.topics) validateTopicName(topic);
    const consumer = new EmbeddedGroupConsumer(
      {
        partition: (topic, partition) => this.topics.get(topic)?.partitions[partition],
        offsetStore: this.offsetStore,
        coordinator: this.coordinator,
        now: () => this.options.clock.now(),
        onWarning: (message) => this.options.onWarning(message),
        onCrash: (groupId, error) => {
          if (this.options.onConsumerCrash) this.options.onConsumerCrash(groupId, error);
          else this.options.onWarning(`consumer of group ${groupId} stopped: its batch handler failed: ${(error as Error)?.message ?? error}`);
        },
      },
      options,
    );
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * What the log lost to damage (see EmbeddedLogDamage): for `/metrics`, e.g.
   * `fastdata_log_lost_offsets{topic,partition}` from `holes` and
   * `fastdata_log_hole_skips_total{topic,partition,group}` from `skips`.
   */
  damage(): EmbeddedLogDamage {
    const holes: EmbeddedLogHole[] = [];
    const skips: EmbeddedLogSkips[] = [];
    let tornTails = 0;
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        for (const h of p.holes) holes.push({ topic: p.topic, partition: p.partition, ...h });
        for (const [group, count] of p.skips) skips.push({ topic: p.topic, partition: p.partition, group: group === '' ? undefined : group, count });
        tornTails += p.tornTails;
      }
    }
    return { holes, lostOffsets: holes.reduce((n, h) => n + offsetCount(h), 0), skips, tornTails };
  }

  async committed(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    if (this.options.readOnly) {
      this.topics.get(OFFSETS_TOPIC)!.partitions[0]!.refresh();
      this.offsetStore.catchUp();
    }
    return this.offsetStore.committed(groupId, topic);
  }

  /** Members of a group: only this process can have any (it holds the data dir's lock). */
  async groupMembers(groupId: string): Promise<string[]> {
    this.assertOpen();
    return this.coordinator.members(groupId);
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.assertWritable(`delete consumer group ${groupId}`);
    const members = this.coordinator.members(groupId);
    if (members.length > 0) throw groupActive(groupId, members);
    this.offsetStore.forgetGroup(groupId, this.options.clock.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.readers].map((r) => r.close()));
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
    this.topics.clear();
    await this.releaseLock?.();
  }
}

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/**
 * A key as the batch codec takes it: an ASCII string stays a string (its UTF-8 bytes are
 * its character codes, which the codec writes directly), anything else becomes bytes.
 * Keys are mostly short ASCII ids, and a Buffer.from per record costs ~110 ns and garbage.
 */
function keyForBatch(key: Buffer | string): Buffer | string {
  if (typeof key !== 'string') return key;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 127) return Buffer.from(key);
  return key;
}


interface EncodedHeaders {
  pairs: (readonly [Buffer, Buffer])[] | null;
  /** What the headers add to a record in a Kafka record batch (names, values and their lengths). */
  batchBytes: number;
}

const NO_HEADERS: EncodedHeaders = { pairs: null, batchBytes: 0 };


/**
 * The last headers object encoded in a produce call. Producers commonly give many records
 * the same headers object (the stream runner does: task and epoch); within one call it
 * cannot change between two records, so it is encoded once.
 */
interface HeaderCache {
  source: ProduceRecord['headers'];
  encoded: EncodedHeaders;
}

function encodeHeaders(headers: NonNullable<ProduceRecord['headers']>, index: number, topic: string): EncodedHeaders {
  if (headers === null || typeof headers !== 'object') throw invalidRecord(index, topic, 'headers', 'headers must be an object of names to Buffers or strings');
  const pairs: (readonly [Buffer, Buffer])[] = [];
  let batchBytes = 0;
  for (const [name, headerValue] of Object.entries(headers)) {
    if (typeof headerValue !== 'string' && !Buffer.isBuffer(headerValue)) throw invalidRecord(index, topic, `headers.${name}`, `header ${name} must be a Buffer or a string`);
    const pair = [Buffer.from(name), toBuffer(headerValue)] as const;
    batchBytes += HEADER_OVERHEAD_BYTES + pair[0].length + pair[1].length;
    pairs.push(pair);
  }
  return pairs.length === 0 ? NO_HEADERS : { pairs, batchBytes };
}

/**
 * Checks a record and puts it in the form the batch codec takes, with its size in a Kafka
 * record batch (as recordBatchBytes counts it, from the bytes at hand). Runs for every record produced.
 */
function normalizeRecord(record: ProduceRecord, index: number, topic: string, now: number, headerCache: HeaderCache): AppendRecordInput & { batchBytes: number } {
  checkProduceRecord(record, index, topic);
  const { key, value, headers, timestamp } = record;
  let encoded = NO_HEADERS;
  if (headers !== undefined) {
    if (headers !== headerCache.source) {
      headerCache.encoded = encodeHeaders(headers, index, topic);
      headerCache.source = headers;
    }
    encoded = headerCache.encoded;
  }
  const keyBytes = key === undefined || key === null ? null : keyForBatch(key);
  const valueBuf = value === null ? null : toBuffer(value);
  const batchBytes = RECORD_OVERHEAD_BYTES + encoded.batchBytes + (keyBytes?.length ?? 0) + (valueBuf?.length ?? 0);
  return { key: keyBytes, value: valueBuf, headers: encoded.pairs, timestamp: timestamp ?? now, batchBytes };
}
