/**
 * fastdata's topic settings as Kafka topic configs, and back. Only these settings are
 * written; anything else stays at the broker's defaults.
 */
import { DEFAULT_TOPIC_CONFIG, type CleanupPolicy, type TopicConfig } from '../types.js';

const KEYS: Record<keyof TopicConfig, string> = {
  cleanupPolicy: 'cleanup.policy',
  retentionMs: 'retention.ms',
  retentionBytes: 'retention.bytes',
  segmentBytes: 'segment.bytes',
  segmentMs: 'segment.ms',
  deleteRetentionMs: 'delete.retention.ms',
  minCleanableDirtyRatio: 'min.cleanable.dirty.ratio',
  maxMessageBytes: 'max.message.bytes',
};

export function toConfigEntries(config: Partial<TopicConfig>): { name: string; value: string }[] {
  return (Object.keys(KEYS) as (keyof TopicConfig)[])
    .filter((key) => config[key] !== undefined)
    .map((key) => ({ name: KEYS[key], value: String(config[key]) }));
}

/** A described topic's configs as fastdata's settings; a missing or odd value falls back to the default. */
export function fromConfigEntries(entries: readonly { configName: string; configValue: string | null }[]): TopicConfig {
  const byName = new Map(entries.map((e) => [e.configName, e.configValue]));
  const number = (key: keyof TopicConfig) => {
    const value = Number(byName.get(KEYS[key]));
    return Number.isFinite(value) ? value : (DEFAULT_TOPIC_CONFIG[key] as number);
  };
  const policy = (byName.get(KEYS.cleanupPolicy) ?? 'delete').split(',').map((p) => p.trim()).sort().join(',');
  return {
    cleanupPolicy: (['delete', 'compact', 'compact,delete'].includes(policy) ? policy : 'delete') as CleanupPolicy,
    retentionMs: number('retentionMs'),
    retentionBytes: number('retentionBytes'),
    segmentBytes: number('segmentBytes'),
    segmentMs: number('segmentMs'),
    deleteRetentionMs: number('deleteRetentionMs'),
    minCleanableDirtyRatio: number('minCleanableDirtyRatio'),
    maxMessageBytes: number('maxMessageBytes'),
  };
}
