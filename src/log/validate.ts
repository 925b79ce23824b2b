import { FastdataError } from '../errors.js';
import type { CleanupPolicy, TopicConfig } from './types.js';

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
  if (problems.length > 0) {
    throw new FastdataError('FD_TOPIC_INVALID', `topic ${topic} config is not valid:\n  - ${problems.join('\n  - ')}`, { context: { topic } });
  }
  return Object.freeze({ ...config });
}
