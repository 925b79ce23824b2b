/**
 * The Log on Apache Kafka through @platformatic/kafka (log.driver: platformatic), beside the
 * kafkajs driver (src/log/kafka/), which stays the reference. This folder is the only code
 * that imports the library. It passes the same conformance suite (test/conformance/log.ts).
 *
 * As in the kafkajs driver, records are placed by fastdata itself (murmur2, as Kafka's
 * default partitioner), so each produce call knows every record's partition and, from the
 * broker's base offsets, every record's offset; one call sends one batch per partition,
 * which the broker appends atomically; the producer is idempotent.
 */
import { Admin, ConfigResourceTypes, Producer } from '@platformatic/kafka';
import { FastdataError, errorMessage } from '../../errors.js';
import { fromConfigEntries, toConfigEntries } from '../kafka/topic-config.js';
import { placeRecords } from '../placement.js';
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
  type TopicDescription,
  type TopicPartitionOffset,
  type TopicSpec,
  type TransactionalProducer,
} from '../types.js';
import { groupActive, validateTopicConfig, validateTopicName } from '../validate.js';
import { baseClientOptions, type BaseClientOptions, type PlatformaticLogOptions } from './client-options.js';
import { checkCompression, codecOf } from './compression.js';
import { PlatformaticGroupConsumer } from './consumer.js';
import { fromPlatformaticError, hasKafkaError, kafkaErrorType } from './errors.js';
import { committedOffsets, offsetsForTime, topicOffsets } from './offsets.js';
import { PlatformaticReader } from './reader.js';
import { toMessage } from './records.js';
import { openTransactionalProducer } from './transactions.js';

export type { PlatformaticLogOptions } from './client-options.js';

/** Kafka's own topics, which `listTopics` leaves out. */
const INTERNAL = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);
const TOPIC_CACHE_MS = 5_000;

interface CachedTopic {
  description: TopicDescription;
  at: number;
}

export class PlatformaticLog implements Log {
  readonly kind = 'kafka' as const;
  readonly driver = 'platformatic' as const;
  private readonly options: PlatformaticLogOptions;
  private readonly base: BaseClientOptions;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly warn: (message: string) => void;
  private readonly topics = new Map<string, CachedTopic>();
  private readonly closeables = new Set<{ stop?(): Promise<void>; close?(): Promise<void> }>();
  private nextUnkeyed = 0;
  private closed = false;

  private constructor(options: PlatformaticLogOptions) {
    this.options = options;
    this.base = baseClientOptions(options);
    this.warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'FastdataKafkaWarning'));
    this.admin = new Admin(this.base);
    // Partitions are chosen here (murmur2); the library's partitioner is never asked.
    this.producer = new Producer({ ...this.base, idempotent: true, acks: -1, autocreateTopics: false });
  }

  /** Connects to the brokers; FD_LOG_IO (retriable) says what is wrong when it cannot. */
  static async connect(options: PlatformaticLogOptions): Promise<PlatformaticLog> {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new FastdataError('FD_CONFIG_INVALID', 'log.brokers is empty; list the Kafka bootstrap brokers, e.g. ["127.0.0.1:9092"]', { context: { field: 'log.brokers' } });
    }
    checkCompression(options.compression);
    const log = new PlatformaticLog(options);
    try {
      // The clients connect lazily: ask for the cluster now, so a wrong address fails here.
      await log.admin.metadata({ topics: [] });
      await log.producer.initIdempotentProducer({});
    } catch (error) {
      await log.close();
      throw fromPlatformaticError(error, `cannot connect to Kafka at ${options.brokers.join(', ')}`);
    }
    return log;
  }

  private assertOpen(): void {
    if (this.closed) throw new FastdataError('FD_LOG_CLOSED', 'the Kafka log is closed');
  }

  async createTopic(spec: TopicSpec): Promise<boolean> {
    this.assertOpen();
    validateTopicName(spec.name);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > 10_000) {
      throw new FastdataError('FD_TOPIC_INVALID', `topic ${spec.name}: partitions must be a whole number from 1 to 10000, got ${spec.partitions}`, {
        context: { topic: spec.name, field: 'partitions' },
      });
    }
    validateTopicConfig(spec.name, { ...DEFAULT_TOPIC_CONFIG, ...spec.config });
    const existing = await this.describeTopic(spec.name, true);
    if (!existing) {
      try {
        await this.admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: this.options.replicationFactor ?? -1,
          configs: toConfigEntries(spec.config ?? {}),
        });
        this.topics.delete(spec.name);
        await this.waitForLeaders(spec.name, spec.partitions);
        return true;
      } catch (error) {
        if (kafkaErrorType(error) !== 'TOPIC_ALREADY_EXISTS') throw fromPlatformaticError(error, `cannot create topic ${spec.name}`, { topic: spec.name });
      }
    }
    const described = existing ?? (await this.describeTopic(spec.name, true));
    if (described && described.partitions !== spec.partitions) {
      throw new FastdataError(
        'FD_TOPIC_EXISTS',
        `topic ${spec.name} exists with ${described.partitions} partitions, not ${spec.partitions}; use the existing count, or delete the topic first (keys would move to other partitions)`,
        { context: { topic: spec.name } },
      );
    }
    return false;
  }

  /** Until every partition of a new topic has a leader that answers for its offsets. */
  private async waitForLeaders(name: string, partitions: number): Promise<void> {
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (let wait = 20; ; wait = Math.min(500, wait * 2)) {
      try {
        const metadata = await this.admin.metadata({ topics: [name], forceUpdate: true });
        const led = metadata.topics.get(name)?.partitions.filter((p) => p && p.leader >= 0).length ?? 0;
        if (led >= partitions && (await topicOffsets(this.admin, name)).length >= partitions) return;
      } catch {
        // Not there yet: metadata reaches the brokers a moment after the create.
      }
      if (Date.now() > deadline) {
        throw new FastdataError('FD_LOG_IO', `topic ${name} was created but its partitions have no leader after ${timeoutMs} ms; check the brokers' health`, { context: { topic: name } });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    if (!(await this.describeTopic(name, true))) {
      throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${name} does not exist`, { context: { topic: name } });
    }
    try {
      await this.admin.deleteTopics({ topics: [name] });
    } catch (error) {
      throw fromPlatformaticError(error, `cannot delete topic ${name}`, { topic: name });
    } finally {
      this.topics.delete(name);
      this.admin.clearMetadata();
      this.producer.clearMetadata();
    }
  }

  async describeTopic(name: string, fresh = false): Promise<TopicDescription | undefined> {
    this.assertOpen();
    const cached = this.topics.get(name);
    if (!fresh && cached && Date.now() - cached.at < TOPIC_CACHE_MS) return cached.description;
    let partitions: number;
    try {
      // Asking the metadata of a topic that does not exist is retried by the library for
      // seconds before it fails; the list of topics says it at once.
      if (!(await this.admin.listTopics({ includeInternals: false })).includes(name)) {
        this.topics.delete(name);
        return undefined;
      }
      const metadata = await this.admin.metadata({ topics: [name], forceUpdate: true });
      partitions = metadata.topics.get(name)?.partitionsCount ?? 0;
    } catch (error) {
      if (unknownTopic(error)) {
        this.topics.delete(name);
        return undefined;
      }
      throw fromPlatformaticError(error, `cannot describe topic ${name}`, { topic: name });
    }
    if (partitions === 0) return undefined;
    const [described] = await this.admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name }], includeSynonyms: false });
    const entries = (described?.configs ?? []).map((c) => ({ configName: c.name, configValue: c.value ?? null }));
    const description: TopicDescription = { name, partitions, config: fromConfigEntries(entries) };
    this.topics.set(name, { description, at: Date.now() });
    return description;
  }

  async listTopics(): Promise<TopicDescription[]> {
    this.assertOpen();
    const names = (await this.admin.listTopics({ includeInternals: false })).filter((n) => !INTERNAL.has(n)).sort();
    const described = await Promise.all(names.map((n) => this.describeTopic(n, true)));
    return described.filter((d): d is TopicDescription => d !== undefined);
  }

  /** Partitions for the records of one produce call, checked as the broker would (placement.ts). */
  private place(topic: string, records: ProduceRecord[]): Promise<{ partitions: number[]; count: number }> {
    return placeRecords(topic, records, (fresh) => this.describeTopic(topic, fresh), this.nextUnkeyed++);
  }

  private compressionOf(topic: string) {
    return codecOf(this.options.compression, topic);
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<RecordMetadata[]> {
    this.assertOpen();
    if (records.length === 0) return [];
    const { partitions } = await this.place(topic, records);
    const now = Date.now();
    let sent;
    try {
      sent = await this.producer.send({ messages: records.map((r, i) => toMessage(topic, r, partitions[i]!, now)), compression: this.compressionOf(topic) });
    } catch (error) {
      this.topics.delete(topic);
      throw fromPlatformaticError(error, `cannot produce to ${topic}`, { topic });
    }
    const base = new Map((sent.offsets ?? []).filter((o) => o.topic === topic).map((o) => [o.partition, Number(o.offset)]));
    const seen = new Map<number, number>();
    return records.map((r, i) => {
      const partition = partitions[i]!;
      const index = seen.get(partition) ?? 0;
      seen.set(partition, index + 1);
      return { topic, partition, offset: base.get(partition)! + index, timestamp: r.timestamp ?? now };
    });
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    this.assertOpen();
    try {
      return await topicOffsets(this.admin, topic);
    } catch (error) {
      throw fromPlatformaticError(error, `cannot read the offsets of ${topic}`, { topic });
    }
  }

  async offsetsForTime(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    if (!Number.isFinite(timestamp)) throw new FastdataError('FD_ARGUMENT_INVALID', `timestamp must be milliseconds since the epoch, got ${timestamp}`);
    try {
      return await offsetsForTime(this.admin, topic, timestamp);
    } catch (error) {
      throw fromPlatformaticError(error, `cannot look up offsets of ${topic} by time`, { topic });
    }
  }

  reader(options: ReaderOptions): Reader {
    this.assertOpen();
    validateTopicName(options.topic);
    const reader = new PlatformaticReader(this.admin, this.base, options);
    this.closeables.add(reader);
    return reader;
  }

  consumer(options: ConsumerOptions): GroupConsumer {
    this.assertOpen();
    const consumer = new PlatformaticGroupConsumer(options, {
      base: this.base,
      offsets: { offsets: (topic) => this.offsets(topic), committed: (groupId, topic) => this.committed(groupId, topic) },
      onWarning: this.warn,
      onCrash: (groupId, error) => {
        if (this.options.onConsumerCrash) this.options.onConsumerCrash(groupId, error);
        else this.warn(`consumer of group ${groupId} stopped: ${errorMessage(error)}`);
      },
    });
    this.closeables.add(consumer);
    return consumer;
  }

  async committed(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    try {
      return await committedOffsets(this.admin, groupId, topic);
    } catch (error) {
      throw fromPlatformaticError(error, `cannot read the committed offsets of group ${groupId}`, { topic });
    }
  }

  async groupMembers(groupId: string): Promise<string[]> {
    this.assertOpen();
    try {
      const groups = await this.admin.describeGroups({ groups: [groupId] });
      return [...(groups.get(groupId)?.members.keys() ?? [])];
    } catch (error) {
      if (hasKafkaError(error, 'GROUP_ID_NOT_FOUND')) return [];
      throw fromPlatformaticError(error, `cannot describe consumer group ${groupId}`);
    }
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.assertOpen();
    const members = await this.groupMembers(groupId);
    if (members.length > 0) throw groupActive(groupId, members);
    try {
      await this.admin.deleteGroups({ groups: [groupId] });
    } catch (error) {
      // Never committed anything, or gone already: nothing to forget.
      if (hasKafkaError(error, 'GROUP_ID_NOT_FOUND')) return;
      if (hasKafkaError(error, 'NON_EMPTY_GROUP')) throw groupActive(groupId, await this.groupMembers(groupId).catch(() => []));
      throw fromPlatformaticError(error, `cannot delete consumer group ${groupId}`);
    }
  }

  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    this.assertOpen();
    const producer = await openTransactionalProducer(transactionalId, {
      base: this.base,
      admin: this.admin,
      place: (topic, records) => this.place(topic, records),
      compressionOf: (topic) => this.compressionOf(topic),
      onClose: (handle) => this.closeables.delete(handle),
    });
    this.closeables.add(producer);
    return producer;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.closeables].map((c) => (c.stop ?? c.close)?.call(c).catch(() => undefined)));
    await Promise.allSettled([this.producer.close(true), this.admin.close()]);
  }
}

function unknownTopic(error: unknown): boolean {
  return hasKafkaError(error, 'UNKNOWN_TOPIC_OR_PARTITION') || /Unknown topic/.test(errorMessage(error));
}
