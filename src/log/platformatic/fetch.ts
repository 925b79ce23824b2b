/**
 * One Fetch round for chosen partitions at chosen offsets, straight from their leaders: what
 * the group member and the reader are built on. The library's own message stream is not
 * used: it hands out single messages, and the Log needs per-partition batches, each with
 * where the next fetch starts (past transaction markers and aborted records, which take
 * offsets and are never delivered), seeks that apply at once, and read_committed filtering
 * that holds when a response ends before an abort marker (see records.ts).
 */
import { type Consumer, FetchIsolationLevels } from '@platformatic/kafka';
import type { LogRecord } from '../types.js';
import { hasKafkaError, kafkaErrorTypes } from './errors.js';
import { decodeBatches } from './records.js';

export interface FetchPosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  /** The offset asked for. */
  from: number;
  records: LogRecord[];
  /** Where the next fetch starts; `from` when nothing came. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** The position is no longer in the log (retention deleted it): start again at logStartOffset. */
  outOfRange: boolean;
}

export interface FetchOptions {
  maxWaitMs: number;
  /** Bytes per partition per round (a batch larger than this still comes whole). */
  partitionMaxBytes?: number;
  readCommitted?: boolean;
}

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

/** The partitions' records from their positions; partitions whose leader is unknown are left out (the next round asks again). */
export async function fetchPartitions(client: Consumer, positions: readonly FetchPosition[], options: FetchOptions): Promise<FetchedPartition[]> {
  if (positions.length === 0) return [];
  const topics = [...new Set(positions.map((p) => p.topic))];
  const metadata = await client.metadata({ topics });
  const byLeader = new Map<number, Map<string, FetchPosition[]>>();
  const topicOfId = new Map<string, string>();
  for (const position of positions) {
    const topic = metadata.topics.get(position.topic);
    const leader = topic?.partitions[position.partition]?.leader;
    if (topic === undefined || leader === undefined || leader < 0) continue;
    topicOfId.set(topic.id, position.topic);
    const forLeader = byLeader.get(leader) ?? new Map<string, FetchPosition[]>();
    byLeader.set(leader, forLeader);
    forLeader.set(topic.id, [...(forLeader.get(topic.id) ?? []), position]);
  }
  const from = new Map(positions.map((p) => [`${p.topic}\u0000${p.partition}`, p.offset]));
  const partitionMaxBytes = options.partitionMaxBytes ?? 1_048_576;
  const rounds = [...byLeader].map(async ([node, byTopic]) => {
    let response: FetchResponse;
    try {
      response = await client.fetch({
        node,
        maxWaitTime: options.maxWaitMs,
        minBytes: 1,
        maxBytes: partitionMaxBytes * Math.max(1, positions.length),
        isolationLevel: options.readCommitted === false ? FetchIsolationLevels.READ_UNCOMMITTED : FetchIsolationLevels.READ_COMMITTED,
        topics: [...byTopic].map(([topicId, wanted]) => ({
          topicId,
          partitions: wanted.map((p) => ({ partition: p.partition, fetchOffset: BigInt(p.offset), partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })),
        })),
      });
    } catch (error) {
      // A partition's error fails the whole response; the others' records are in it still.
      const partial = responseOf(error);
      if (!partial) throw error;
      if (!kafkaErrorTypes(error).every((t) => t === 'OFFSET_OUT_OF_RANGE')) client.clearMetadata();
      response = partial;
    }
    const fetched: FetchedPartition[] = [];
    for (const topicResponse of response.responses) {
      const topic = topicOfId.get(topicResponse.topicId);
      if (topic === undefined) continue;
      for (const p of topicResponse.partitions) {
        const start = from.get(`${topic}\u0000${p.partitionIndex}`);
        if (start === undefined) continue;
        const outOfRange = p.errorCode === 1; // OFFSET_OUT_OF_RANGE
        if (p.errorCode !== 0 && !outOfRange) continue; // leader moved, topic being deleted...: asked again next round
        const decoded = decodeBatches(topic, p.partitionIndex, p.records ?? [], start, options.readCommitted === false ? undefined : p.abortedTransactions);
        fetched.push({
          topic,
          partition: p.partitionIndex,
          from: start,
          records: decoded.records,
          nextOffset: Math.max(start, decoded.nextOffset ?? start),
          highWatermark: Number(p.highWatermark),
          logStartOffset: Number(p.logStartOffset),
          outOfRange,
        });
      }
    }
    return fetched;
  });
  return (await Promise.all(rounds)).flat();
}

function responseOf(error: unknown, depth = 0): FetchResponse | undefined {
  const e = error as { response?: FetchResponse; errors?: unknown[] } | undefined;
  if (!e || depth > 4) return undefined;
  if (e.response && Array.isArray(e.response.responses)) return e.response;
  for (const inner of e.errors ?? []) {
    const found = responseOf(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export { hasKafkaError };
