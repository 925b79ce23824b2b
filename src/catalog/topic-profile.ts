/**
 * The profile of a topic: how much is in it, how fast it grows, when it last got a
 * record, and what its recent records look like (per-field null rate, min/max, distinct
 * count, and the share that failed to decode: the data quality of a source).
 *
 * Bounded by design: counts come from offsets, the rate from `offsetsForTime` over the
 * last minute, and only the newest `limit` records (split over the partitions) are read
 * and decoded, so profiling a topic of billions costs the same as one of thousands.
 */
import { FastdataError, errorMessage } from '../errors.js';
import type { Log } from '../log/types.js';
import { DEFAULT_DISTINCT_CAP, FieldStats } from './field-stats.js';
import type { TopicProfile } from './types.js';

export const DEFAULT_SAMPLE_LIMIT = 1_000;
const RATE_WINDOW_MS = 60_000;
const FAILURE_EXAMPLES = 3;

export interface ProfileOptions {
  /** Records read at most (the newest). Default 1000. */
  limit?: number;
  distinctCap?: number;
  /** Wall clock, for the rate window; tests fix it. */
  now?: number;
}

/** Decodes a record's value; throws when it cannot (the serde's `decode`). */
export type Decode = (value: Buffer) => Promise<unknown>;

export async function profileTopic(log: Log, decode: Decode, topic: string, options: ProfileOptions = {}): Promise<TopicProfile> {
  const limit = options.limit ?? DEFAULT_SAMPLE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new FastdataError('FD_ARGUMENT_INVALID', `limit: a whole number >= 1, got ${JSON.stringify(limit)}`, { context: { field: 'limit' } });
  const distinctCap = options.distinctCap ?? DEFAULT_DISTINCT_CAP;
  const now = options.now ?? Date.now();
  const described = await log.describeTopic(topic);
  if (!described) {
    const topics = (await log.listTopics()).map((t) => t.name).filter((n) => !n.startsWith('__')).sort();
    throw new FastdataError('FD_TOPIC_NOT_FOUND', `no topic ${JSON.stringify(topic)} in the log; the topics are ${topics.join(', ') || '(none yet)'}`, { context: { topic, field: 'topic' } });
  }
  const offsets = await log.offsets(topic);
  const records = offsets.reduce((n, o) => n + (o.end - o.start), 0);

  const since = await log.offsetsForTime(topic, now - RATE_WINDOW_MS);
  const lastMinute = offsets.reduce((n, o) => n + o.end - Math.max(o.start, since.find((s) => s.partition === o.partition)?.offset ?? o.end), 0);

  const perPartition = Math.max(1, Math.ceil(limit / offsets.length));
  const from: Record<number, number> = {};
  for (const o of offsets) from[o.partition] = Math.max(o.start, o.end - perPartition);

  const stats = new FieldStats(distinctCap);
  const sample = { records: 0, tombstones: 0, decodeFailures: 0, failureExamples: [] as string[], fromTime: null as number | null, toTime: null as number | null };
  if (records > 0) {
    const reader = log.reader({ topic, from, stopAtEnd: true, maxRecords: limit });
    try {
      for await (const batch of reader) {
        for (const record of batch.records) {
          sample.records++;
          sample.fromTime = sample.fromTime === null ? record.timestamp : Math.min(sample.fromTime, record.timestamp);
          sample.toTime = sample.toTime === null ? record.timestamp : Math.max(sample.toTime, record.timestamp);
          if (record.value === null) {
            sample.tombstones++;
            continue;
          }
          let value: unknown;
          try {
            value = await decode(record.value);
          } catch (error) {
            sample.decodeFailures++;
            if (sample.failureExamples.length < FAILURE_EXAMPLES) sample.failureExamples.push(`partition ${record.partition} offset ${record.offset}: ${errorMessage(error)}`);
            continue;
          }
          stats.add(value);
        }
      }
    } finally {
      await reader.close();
    }
  }
  const decodable = sample.records - sample.tombstones;
  return {
    topic,
    partitions: described.partitions,
    records,
    lastRecordTime: sample.toTime,
    ratePerSecond: lastMinute / (RATE_WINDOW_MS / 1000),
    sample: { ...sample, limit, decodeFailureShare: decodable === 0 ? 0 : sample.decodeFailures / decodable, distinctCap },
    fields: stats.profiles(),
    computedAt: now,
  };
}
