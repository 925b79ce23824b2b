import { FastdataError } from '../errors.js';
import type { CleanupPolicy, ProduceRecord, TopicConfig, TopicPartition, TopicPartitionOffset } from './types.js';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const POLICIES: readonly CleanupPolicy[] = ['delete', 'compact', 'compact,delete'];

/** Kafka's rule for topic names, so a name valid here is valid on a broker too. */
export function validateTopicName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new FastdataError(
      'FD_TOPIC_INVALID',
      `topic name ${JSON.stringify(name)} is not valid; use 1 to 249 characters of letters, digits, '.', '_' and '-' (Kafka's rule)`,
      { context: { field: 'topic' } },
    );
  }
}

export function validateTopicConfig(topic: string, config: TopicConfig): TopicConfig {
  const problems: string[] = [];
  if (!POLICIES.includes(config.cleanupPolicy)) problems.push(`cleanupPolicy must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(config.cleanupPolicy)}`);
  const wholeAtLeast = (field: keyof TopicConfig, min: number) => {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) problems.push(`${field} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  };
  wholeAtLeast('retentionMs', -1);
  wholeAtLeast('retentionBytes', -1);
  wholeAtLeast('segmentBytes', 1024);
  wholeAtLeast('segmentMs', 1);
  wholeAtLeast('deleteRetentionMs', 0);
  wholeAtLeast('maxMessageBytes', 1024);
  const ratio = config.minCleanableDirtyRatio;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) problems.push(`minCleanableDirtyRatio must be a number from 0 to 1, got ${JSON.stringify(ratio)}`);
  if (problems.length > 0) {
    throw new FastdataError('FD_TOPIC_INVALID', `topic ${topic} config is not valid:\n  - ${problems.join('\n  - ')}`, { context: { topic } });
  }
  return Object.freeze({ ...config });
}

/** A group change refused because the group has members (both Logs). */
export function groupActive(groupId: string, members: readonly string[]): FastdataError {
  return new FastdataError(
    'FD_GROUP_ACTIVE',
    `consumer group ${groupId} has ${members.length} active member(s); stop the processes that consume in it (fastdata run workers, fastdata dev) and try again`,
    { context: { groupId, members: [...members] } },
  );
}

export function invalidRecord(index: number, topic: string, field: string, message: string): FastdataError {
  return new FastdataError('FD_RECORD_INVALID', `record ${index} for ${topic}: ${message}`, { context: { topic, field } });
}

/** Checks the shape of a record offered to any Log (value, key, timestamp); the same rules for every implementation. */
export function checkProduceRecord(record: ProduceRecord, index: number, topic: string): void {
  if (record === null || typeof record !== 'object') throw invalidRecord(index, topic, 'record', `expected an object with a value, got ${record === null ? 'null' : typeof record}`);
  const { key, value, timestamp } = record;
  if (value !== null && typeof value !== 'string' && !Buffer.isBuffer(value)) throw invalidRecord(index, topic, 'value', 'value must be a Buffer, a string or null (a tombstone)');
  if (key !== undefined && key !== null && typeof key !== 'string' && !Buffer.isBuffer(key)) throw invalidRecord(index, topic, 'key', 'key must be a Buffer, a string or null');
  if (timestamp !== undefined && (!Number.isFinite(timestamp) || timestamp < 0)) {
    throw invalidRecord(index, topic, 'timestamp', `timestamp must be milliseconds since the epoch, got ${timestamp}`);
  }
}

/**
 * A group member's commit, checked the same way by every Log: only partitions it owns
 * (FD_GROUP_REBALANCING otherwise: a rebalance moved them), whole offsets >= 0.
 */
export function checkCommit(groupId: string, assigned: readonly TopicPartition[], offsets: readonly TopicPartitionOffset[]): void {
  for (const o of offsets) {
    if (!assigned.some((tp) => tp.topic === o.topic && tp.partition === o.partition)) {
      throw new FastdataError(
        'FD_GROUP_REBALANCING',
        `cannot commit ${o.topic}[${o.partition}] for group ${groupId}: this member does not own that partition (a rebalance moved it); ` +
          `the new owner resumes from the last committed offset`,
        { context: { topic: o.topic, partition: o.partition, offset: o.offset } },
      );
    }
    if (!Number.isInteger(o.offset) || o.offset < 0) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `commit offset for ${o.topic}[${o.partition}] must be a whole number >= 0, got ${o.offset}`);
    }
  }
}
