/**
 * A topic's records as a snapshot, for `schema infer` and `diff`: read from the oldest
 * record to the end offsets the topic had when reading began, decoded with the registry
 * (Confluent framing) or as JSON. On the embedded log the data dir is opened read-only,
 * so this runs beside `fastdata dev`; with `log.kind: kafka`, a reader of its own.
 */
import { openBackends } from '../../app/backends.js';
import type { LoadedConfig } from '../../config/project-config.js';
import { FastdataError } from '../../errors.js';
import { AvroSerde } from '../../schema/serde.js';
import { MAGIC_BYTE } from '../../schema/wire.js';
import type { SourceRecord } from '../../schema/tools/json-lines.js';
import { toJsonValue } from '../../schema/json-value.js';

export interface TopicSnapshot {
  records: SourceRecord[];
  /** Tombstones and values that are neither Avro the registry knows nor JSON: skipped, counted. */
  skipped: number;
}

async function decode(serde: AvroSerde, value: Buffer): Promise<{ ok: true; value: unknown } | { ok: false }> {
  if (value.length >= 5 && value[0] === MAGIC_BYTE) {
    try {
      return { ok: true, value: toJsonValue(await serde.decode(value)) };
    } catch {
      // Not Avro after all, or a schema the registry lacks: try JSON below.
    }
  }
  try {
    return { ok: true, value: JSON.parse(value.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

export async function readTopicSnapshot(loaded: LoadedConfig, topic: string, limit = Number.POSITIVE_INFINITY): Promise<TopicSnapshot> {
  const { config, root, dataDir } = loaded;
  const backends = await openBackends({ config, root, dataDir, readOnly: true });
  try {
    const description = await backends.log.describeTopic(topic);
    if (!description) {
      const names = (await backends.log.listTopics()).map((t) => t.name).filter((n) => !n.startsWith('__'));
      throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${topic} does not exist in ${backends.description}; the topics are: ${names.join(', ') || '(none yet)'} (a file argument must end in .jsonl)`, {
        context: { topic },
      });
    }
    const serde = new AvroSerde(backends.registry);
    const reader = backends.log.reader({ topic, from: 'earliest', stopAtEnd: true });
    const records: SourceRecord[] = [];
    let skipped = 0;
    try {
      outer: for await (const batch of reader) {
        for (const record of batch.records) {
          if (records.length >= limit) break outer;
          const decoded = record.value === null ? { ok: false as const } : await decode(serde, record.value);
          if (!decoded.ok) {
            skipped++;
            continue;
          }
          records.push({ key: record.key?.toString('utf8') ?? null, value: decoded.value, where: `${topic} partition ${record.partition} offset ${record.offset}` });
        }
      }
    } finally {
      await reader.close();
    }
    return { records, skipped };
  } finally {
    await backends.close();
  }
}
