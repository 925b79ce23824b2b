/**
 * The Log on Apache Kafka, through kafkajs (this folder is the only code that imports it).
 * It passes the same conformance suite as the embedded log (test/conformance/log.ts).
 *
 * Records are placed by fastdata itself (murmur2, as Kafka's default partitioner), so
 * each produce call knows every record's partition and, from the broker's base offsets,
 * every record's offset. One call sends one batch per partition, which the broker appends
 * atomically. The producer is idempotent (no duplicates from retries, order kept).
 */
import type { Admin, Kafka, KafkaConfig, Producer, SASLOptions } from 'kafkajs';
import kafkajs from './client.js';
import type { ConnectionOptions } from 'node:tls';
import { FastdataError, errorMessage } from '../../errors.js';
import { placeRecords } from '../placement.js';
import type {
  ConsumerOptions,
  GroupConsumer,
  Log,
  LogTransaction,
  PartitionOffsets,
  ProduceRecord,
  Reader,
  ReaderOptions,
  RecordMetadata,
  TopicDescription,
  TopicPartitionOffset,
  TopicSpec,
  TransactionalProducer,
} from '../types.js';
import { groupActive, validateTopicConfig, validateTopicName } from '../validate.js';
import { DEFAULT_TOPIC_CONFIG } from '../types.js';
import { codecForTopic, kafkajsCompression, registerCodecs, type KafkaCompression } from './compression.js';
import { KafkaGroupConsumer } from './consumer.js';
import { fromKafkaError, kafkaErrorType } from './kafka-errors.js';
import { KafkaReader } from './reader.js';
import { toMessage } from './records.js';
import { fromConfigEntries, toConfigEntries } from './topic-config.js';
import { fetchTopicOffsets, isLeaderlessOffsets } from './topic-offsets.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaLogOptions {
  brokers: string[];
  clientId?: string;
  /** TLS: true for the system CAs, or Node's tls options (ca, cert, key, ...). */
  ssl?: boolean | ConnectionOptions;
  sasl?: KafkaSasl;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Replication factor of the topics fastdata creates; default: the broker's. */
  replicationFactor?: number;
  /** Codec of the batches written, per topic (log.compression); default: none. */
  compression?: KafkaCompression;
  onWarning?: (message: string) => void;
  onConsumerCrash?: (groupId: string, error: unknown) => void;
}

/** Kafka's own topics, which `listTopics` leaves out. */
const INTERNAL = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);
/** Kafka's resource type for topics in DescribeConfigs. */
const TOPIC_RESOURCE = 2;
const TOPIC_CACHE_MS = 5_000;

interface CachedTopic {
  description: TopicDescription;
  at: number;
}

export class KafkaLog implements Log {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly options: KafkaLogOptions;
  private readonly topics = new Map<string, CachedTopic>();
  private readonly closeables = new Set<{ stop?(): Promise<void>; close?(): Promise<void> }>();
  private nextUnkeyed = 0;
  private closed = false;

  private constructor(options: KafkaLogOptions) {
    this.options = options;
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'FastdataKafkaWarning'));
    const config: KafkaConfig = {
      clientId: options.clientId ?? 'fastdata',
      brokers: options.brokers,
      ssl: options.ssl,
      sasl: options.sasl as SASLOptions | undefined,
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      // kafkajs's errors go to the operator's warnings, not straight to the console. Not the
      // error answers of the protocol ("Response Metadata(...): This server does not host this
      // topic-partition", several on every start while new topics' metadata spreads): kafkajs
      // logs each and throws it to its caller, which retries it (kafkajs itself) or reports
      // it (this class, as a FastdataError), so the log line says nothing the caller does not.
      // Nor "Failed to send messages": a retriable produce error kafkajs retries (a transaction
      // begun while the coordinator still completes the last one), thrown once retries run out.
      logLevel: logLevel.ERROR,
      logCreator:
        () =>
        ({ level, log }) => {
          if (level > logLevel.ERROR || log.message.startsWith('Response ') || log.message.startsWith('Failed to send messages')) return;
          warn(`kafka: ${log.message}${log.error ? `: ${String(log.error)}` : ''}`);
        },
    };
    this.kafka = new KafkaClient(config);
    this.admin = this.kafka.admin();
    // Partitions are chosen here (murmur2, as Kafka's default partitioner); kafkajs's own partitioner is never asked.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  }

  /** Connects to the brokers; FD_LOG_IO (retriable) says what is wrong when it cannot. */
  static async connect(options: KafkaLogOptions): Promise<KafkaLog> {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new FastdataError('FD_CONFIG_INVALID', 'log.brokers is empty; list the Kafka bootstrap brokers, e.g. ["127.0.0.1:9092"]', { context: { field: 'log.brokers' } });
    }
    // Before connecting: a codec this machine lacks is a config error now, not a failure at the first send.
    registerCodecs(options.compression);
    const log = new KafkaLog(options);
    try {
      await log.admin.connect();
      await log.producer.connect();
    } catch (error) {
      await log.close();
      throw fromKafkaError(error, `cannot connect to Kafka at ${options.brokers.join(', ')}`);
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
          // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker answers
          // for a moment after the create; waitForLeaders retries it.
          waitForLeaders: false,
          topics: [
            {
              topic: spec.name,
              numPartitions: spec.partitions,
              replicationFactor: this.options.replicationFactor ?? -1,
              configEntries: toConfigEntries(spec.config ?? {}),
            },
          ],
        });
        this.topics.delete(spec.name);
        await this.waitForLeaders(spec.name, spec.partitions);
        return true;
      } catch (error) {
        if (kafkaErrorType(error) !== 'TOPIC_ALREADY_EXISTS') throw fromKafkaError(error, `cannot create topic ${spec.name}`, { topic: spec.name });
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

  /** Until every partition of a new topic has a leader (metadata reaches the brokers a moment after the create). */
  private async waitForLeaders(name: string, partitions: number): Promise<void> {
    const deadline = Date.now() + (this.options.requestTimeoutMs ?? 30_000);
    for (let wait = 20; ; wait = Math.min(500, wait * 2)) {
      try {
        const metadata = await this.admin.fetchTopicMetadata({ topics: [name] });
        const led = metadata.topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
        // A leader in the metadata may not serve the partition yet: ask it for the offsets too.
        if (led >= partitions && (await fetchTopicOffsets(this.admin, name)).length >= partitions) return;
      } catch (error) {
        if (!(error as { retriable?: boolean })?.retriable && kafkaErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION' && !isLeaderlessOffsets(error)) throw error;
      }
      if (Date.now() > deadline) {
        throw new FastdataError('FD_LOG_IO', `topic ${name} was created but its partitions have no leader after ${this.options.requestTimeoutMs ?? 30_000} ms; check the brokers' health`, {
          context: { topic: name },
        });
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
      throw fromKafkaError(error, `cannot delete topic ${name}`, { topic: name });
    } finally {
      this.topics.delete(name);
    }
  }

  async describeTopic(name: string, fresh = false): Promise<TopicDescription | undefined> {
    this.assertOpen();
    const cached = this.topics.get(name);
    if (!fresh && cached && Date.now() - cached.at < TOPIC_CACHE_MS) return cached.description;
    let partitions: number;
    try {
      const metadata = await this.admin.fetchTopicMetadata({ topics: [name] });
      partitions = metadata.topics[0]?.partitions.length ?? 0;
    } catch (error) {
      if (kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION') {
        this.topics.delete(name);
        return undefined;
      }
      throw fromKafkaError(error, `cannot describe topic ${name}`, { topic: name });
    }
    if (partitions === 0) return undefined;
    const described = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name }] });
    const description: TopicDescription = { name, partitions, config: fromConfigEntries(described.resources[0]?.configEntries ?? []) };
    this.topics.set(name, { description, at: Date.now() });
    return description;
  }

  async listTopics(): Promise<TopicDescription[]> {
    this.assertOpen();
    const names = (await this.admin.listTopics()).filter((n) => !INTERNAL.has(n)).sort();
    const described = await Promise.all(names.map((n) => this.describeTopic(n, true)));
    return described.filter((d): d is TopicDescription => d !== undefined);
  }

  /** kafkajs's compression type for the batches written to `topic`. */
  private compressionOf(topic: string): number {
    return kafkajsCompression(codecForTopic(this.options.compression, topic));
  }

  /** Partitions for the records of one produce call, checked as the broker would (placement.ts). */
  private place(topic: string, records: ProduceRecord[]): Promise<{ partitions: number[]; count: number }> {
    return placeRecords(topic, records, (fresh) => this.describeTopic(topic, fresh), this.nextUnkeyed++);
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<RecordMetadata[]> {
    this.assertOpen();
    if (records.length === 0) return [];
    const { partitions } = await this.place(topic, records);
    const now = Date.now();
    let sent;
    try {
      sent = await this.producer.send({ topic, acks: -1, compression: this.compressionOf(topic), messages: records.map((r, i) => toMessage(r, partitions[i]!, now)) });
    } catch (error) {
      this.topics.delete(topic);
      throw fromKafkaError(error, `cannot produce to ${topic}`, { topic });
    }
    const base = new Map(sent.map((m) => [m.partition, Number(m.baseOffset ?? m.offset)]));
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
      const offsets = await fetchTopicOffsets(this.admin, topic);
      return offsets.map((o) => ({ partition: o.partition, start: Number(o.low), end: Number(o.high) })).sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw fromKafkaError(error, `cannot read the offsets of ${topic}`, { topic });
    }
  }

  async offsetsForTime(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    if (!Number.isFinite(timestamp)) throw new FastdataError('FD_ARGUMENT_INVALID', `timestamp must be milliseconds since the epoch, got ${timestamp}`);
    try {
      const [byTime, ends] = await Promise.all([this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp), fetchTopicOffsets(this.admin, topic)]);
      const high = new Map(ends.map((o) => [o.partition, Number(o.high)]));
      return byTime
        .map((o) => ({ topic, partition: o.partition, offset: Number(o.offset) < 0 ? high.get(o.partition)! : Number(o.offset) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw fromKafkaError(error, `cannot look up offsets of ${topic} by time`, { topic });
    }
  }

  reader(options: ReaderOptions): Reader {
    this.assertOpen();
    validateTopicName(options.topic);
    const reader = new KafkaReader(this.kafka, this.admin, options);
    this.closeables.add(reader);
    return reader;
  }

  consumer(options: ConsumerOptions): GroupConsumer {
    this.assertOpen();
    const consumer = new KafkaGroupConsumer(this.kafka, options, {
      admin: this.admin,
      onCrash: (groupId, error) => {
        if (this.options.onConsumerCrash) this.options.onConsumerCrash(groupId, error);
        else (this.options.onWarning ?? console.warn)(`consumer of group ${groupId} stopped: ${errorMessage(error)}`);
      },
    });
    this.closeables.add(consumer);
    return consumer;
  }

  async committed(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    try {
      const [result] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
      return (result?.partitions ?? [])
        .filter((p) => Number(p.offset) >= 0)
        .map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw fromKafkaError(error, `cannot read the committed offsets of group ${groupId}`, { topic });
    }
  }

  async groupMembers(groupId: string): Promise<string[]> {
    this.assertOpen();
    try {
      const { groups } = await this.admin.describeGroups([groupId]);
      return (groups[0]?.members ?? []).map((m) => m.memberId);
    } catch (error) {
      throw fromKafkaError(error, `cannot describe consumer group ${groupId}`);
    }
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.assertOpen();
    const members = await this.groupMembers(groupId);
    if (members.length > 0) throw groupActive(groupId, members);
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (error) {
      const type = kafkaErrorType(error) ?? kafkaErrorType((error as { groups?: { error?: unknown }[] }).groups?.[0]?.error);
      // Never committed anything, or gone already: nothing to forget.
      if (type === 'GROUP_ID_NOT_FOUND') return;
      if (type === 'NON_EMPTY_GROUP') throw groupActive(groupId, await this.groupMembers(groupId).catch(() => []));
      throw fromKafkaError(error, `cannot delete consumer group ${groupId}`);
    }
  }

  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    this.assertOpen();
    const producer = this.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    try {
      await producer.connect();
      // kafkajs registers the transactional id (InitProducerId, which fences an older producer
      // with the same id and aborts its open transaction) only at its first transaction, not at
      // connect: an empty transaction does it now, so what is read next (a task's changelog, by
      // its new owner) no longer waits for the old owner's transaction to time out.
      await (await producer.transaction()).abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw fromKafkaError(error, `cannot open the transactional producer ${transactionalId}`);
    }
    const log = this;
    const handle: TransactionalProducer = {
      async begin(): Promise<LogTransaction> {
        const tx = await producer.transaction();
        return {
          async produce(topic, records) {
            if (records.length === 0) return;
            const { partitions } = await log.place(topic, records);
            const now = Date.now();
            await tx.send({ topic, acks: -1, compression: log.compressionOf(topic), messages: records.map((r, i) => toMessage(r, partitions[i]!, now)) });
          },
          async commitOffsets(groupId, offsets) {
            const byTopic = new Map<string, { partition: number; offset: string }[]>();
            for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }]);
            await tx.sendOffsets({ consumerGroupId: groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
          },
          async commit() {
            try {
              await tx.commit();
            } catch (error) {
              throw fromKafkaError(error, `cannot commit transaction of ${transactionalId}`);
            }
          },
          async abort() {
            await tx.abort();
          },
        };
      },
      async close() {
        log.closeables.delete(handle);
        await producer.disconnect();
      },
    };
    this.closeables.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.closeables].map((c) => (c.stop ?? c.close)?.call(c).catch(() => undefined)));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}
