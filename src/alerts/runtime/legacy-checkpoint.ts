/**
 * The alert state as fastdata wrote it before the processor host: ONE record, key
 * `alert-book`, in the state topic (the whole book, input positions per "topic/partition",
 * a watermark per topic, and `published`, the alert topic's end). Two things follow:
 *
 * - the host reads the state topic as its changelog, and takes every key there for the
 *   changelog's JSON (`["<store>","<id>"]`), which `alert-book` is not: it must never see
 *   that record, which compaction keeps for as long as the topic lives;
 * - a data dir that has one and no checkpoint marker yet (the first start after the
 *   upgrade) keeps its alerts: the old checkpoint is read as if it were a changelog.
 *
 * `withLegacyCheckpoint` wraps the log the host gets: a read of the state topic leaves the
 * old record out and, when no marker follows it, yields the old checkpoint turned into
 * changelog records (its book as entries; a marker with its positions, watermarks and
 * `published`, and meta `legacy` so the task writes the whole book at its first
 * checkpoint), placed before whatever was written after it (a first checkpoint that did
 * not complete), which the host then repairs as it does any torn checkpoint.
 */
import { FastdataError } from '../../errors.js';
import type { Batch, Log, LogRecord, Reader } from '../../log/types.js';
import { type CheckpointMarker, changelogRecords } from '../../stream/host/changelog.js';
import type { WatermarkSnapshot } from '../../stream/watermark.js';
import type { AlertBookSnapshot } from '../engine/index.js';
import { snapshotEntries } from './alert-state.js';
import { channelOf } from './alert-time.js';

const LEGACY_KEY = 'alert-book';
/** The marker's key in the changelog (host/changelog.ts keeps its constant to itself). */
const MARKER_KEY = JSON.stringify(['@checkpoint']);

interface LegacyCheckpoint {
  version: 2;
  book: AlertBookSnapshot;
  /** Next offset per "topic/partition". */
  positions: Record<string, number>;
  watermarks: Record<string, number>;
  published: number;
}

/** `log`, except that reading `stateTopic` goes through `withoutLegacy`. */
export function withLegacyCheckpoint(log: Log, stateTopic: string): Log {
  return {
    kind: log.kind,
    ...(log.transactionalProducer ? { transactionalProducer: (id: string) => log.transactionalProducer!(id) } : {}),
    createTopic: (spec) => log.createTopic(spec),
    deleteTopic: (name) => log.deleteTopic(name),
    describeTopic: (name) => log.describeTopic(name),
    listTopics: () => log.listTopics(),
    produce: (topic, records) => log.produce(topic, records),
    offsets: (topic) => log.offsets(topic),
    offsetsForTime: (topic, timestamp) => log.offsetsForTime(topic, timestamp),
    reader: (options) => (options.topic === stateTopic ? withoutLegacy(log.reader(options)) : log.reader(options)),
    consumer: (options) => log.consumer(options),
    committed: (groupId, topic) => log.committed(groupId, topic),
    close: () => log.close(),
  };
}

function withoutLegacy(reader: Reader): Reader {
  return {
    ready: () => reader.ready(),
    close: () => reader.close(),
    [Symbol.asyncIterator]: () => legacyAware(reader),
  };
}

async function* legacyAware(batches: AsyncIterable<Batch>): AsyncGenerator<Batch> {
  let legacy: LogRecord | undefined;
  let marked = false;
  // Read after an old checkpoint while no marker has come: they go after it, if it is used.
  let held: Batch[] = [];
  for await (const batch of batches) {
    const records: LogRecord[] = [];
    for (const record of batch.records) {
      const key = record.key?.toString('utf8');
      if (key === LEGACY_KEY) legacy = record.value === null ? undefined : record;
      else {
        if (key === MARKER_KEY) marked = true;
        records.push(record);
      }
    }
    const kept = { ...batch, records };
    if (legacy !== undefined && !marked) held.push(kept);
    else {
      yield* held;
      held = [];
      yield kept;
    }
  }
  if (legacy !== undefined && !marked) yield legacyBatch(legacy);
  yield* held;
}

/** The old checkpoint as the changelog records of one complete checkpoint (epoch 0). */
function legacyBatch(record: LogRecord): Batch {
  const { topic, partition, offset, timestamp } = record;
  const old = JSON.parse(record.value!.toString('utf8')) as LegacyCheckpoint;
  if (old.version !== 2 || old.book?.version !== 1) {
    throw new FastdataError('FD_INTERNAL', `${topic}: a checkpoint of version ${String(old.version)}, which this fastdata does not read; delete the topic to start the alert state afresh`);
  }
  const positions = Object.entries(old.positions ?? {}).map(([tp, next]) => {
    const slash = tp.lastIndexOf('/');
    return { topic: tp.slice(0, slash), partition: Number(tp.slice(slash + 1)), offset: next };
  });
  const watermarks: Record<string, WatermarkSnapshot> = {};
  for (const [source, watermark] of Object.entries(old.watermarks ?? {})) {
    // Every partition at least as far as the topic's watermark (the least of them), so that
    // a topic that stays silent moves on from there once idle.
    const maxEventTime = Object.fromEntries(positions.filter((p) => p.topic === source).map((p) => [channelOf(source, p.partition), watermark]));
    watermarks[source] = { maxEventTime, watermark };
  }
  const marker: CheckpointMarker = { epoch: 0, positions, watermarks, outputEnds: {}, at: timestamp, meta: { published: old.published ?? 0, legacy: true } };
  const records = changelogRecords(partition, snapshotEntries(old.book), marker).map(
    (r): LogRecord => ({
      topic,
      partition,
      offset,
      timestamp,
      key: Buffer.from(r.key as string),
      value: r.value === null ? null : Buffer.from(r.value as string),
      headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([name, value]) => [name, Buffer.from(value)])),
    }),
  );
  return { topic, partition, records, highWatermark: offset + 1 };
}
