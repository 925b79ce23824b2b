/**
 * log.compression on the real broker: records written with lz4 to one topic, zstd to another
 * and none to a third, through plain produce (at-least-once) and a transaction (exactly-once),
 * read back equal; and, from outside fastdata, the broker's own segment files say each batch's
 * codec (the attributes of Kafka's record batch format, parsed here) and show the compressed
 * topics far smaller. The broker validates every compressed batch it accepts by decompressing
 * it (lz4-java, zstd-jni), so an accepted produce is also Kafka's own decoder reading the frames.
 * The last test goes through the config and openBackends, as `fastdata run` does.
 */
import kafkajs from 'kafkajs';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackends } from '../../src/app/backends.js';
import { loadProjectConfig } from '../../src/config/project-config.js';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import type { LogRecord, ProduceRecord } from '../../src/log/types.js';
import { kafkaBrokers, registryUrl } from '../helpers/servers.js';
import { tempDir } from '../helpers/temp-dir.js';

const RUN = `cmp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const TOPICS = { lz4: `${RUN}.lz4`, zstd: `${RUN}.zstd`, none: `${RUN}.none` } as const;
/** Kafka's codec ids in a batch's attributes (bits 0-2). */
const CODEC_ID = { none: 0, gzip: 1, lz4: 3, zstd: 4 } as const;

/** Readings as a module writes them: many records, few distinct bytes. */
function records(from: number, count: number): ProduceRecord[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    const sensor = `sensor-${String(i % 50).padStart(3, '0')}`;
    return { key: sensor, value: Buffer.from(JSON.stringify({ sensorId: sensor, site: `site-${i % 5}`, ts: 1_700_000_000_000 + i * 1000, temperature: 20 + (i % 13) * 0.5, humidity: 40 + (i % 7) })) };
  });
}

/** The broker's log dir, asked of the broker itself (DescribeConfigs of its `log.dirs`). */
async function brokerLogDir(brokers: string[]): Promise<string> {
  const kafka = new kafkajs.Kafka({ clientId: 'compression-test-admin', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers: nodes } = await admin.describeCluster();
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.BROKER, name: String(nodes[0]!.nodeId), configNames: ['log.dirs', 'log.dir'] }] });
    const entries = described.resources[0]!.configEntries;
    const dirs = entries.find((e) => e.configName === 'log.dirs')?.configValue ?? entries.find((e) => e.configName === 'log.dir')!.configValue;
    return dirs.split(',')[0]!;
  } finally {
    await admin.disconnect();
  }
}

interface SegmentBatch {
  codec: number;
  bytes: number;
  control: boolean;
}

/**
 * The record batches of a partition's segment files, read as Kafka's record batch format v2
 * lays them out: baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8,
 * crc uint32, attributes int16 (codec in bits 0-2, control batch in bit 5), ...
 */
function segmentBatches(partitionDir: string): SegmentBatch[] {
  const out: SegmentBatch[] = [];
  for (const file of readdirSync(partitionDir).filter((f) => f.endsWith('.log')).sort()) {
    const data = readFileSync(join(partitionDir, file));
    for (let at = 0; at + 23 <= data.length; ) {
      const size = 12 + data.readInt32BE(at + 8);
      expect(data[at + 16], `magic of the batch at byte ${at} of ${file}`).toBe(2);
      const attributes = data.readInt16BE(at + 21);
      out.push({ codec: attributes & 0x07, bytes: size, control: (attributes & 0x20) !== 0 });
      at += size;
    }
  }
  return out;
}

async function readAll(log: KafkaLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const reader = log.reader({ topic, stopAtEnd: true });
  for await (const batch of reader) out.push(...batch.records);
  await reader.close();
  return out;
}

describe.skipIf(!kafkaBrokers)('log.compression on Kafka (real broker from scripts/infra)', () => {
  let log: KafkaLog;
  let logDir: string;
  const sent = records(0, 4000);

  beforeAll(async () => {
    log = await KafkaLog.connect({
      brokers: kafkaBrokers!,
      clientId: 'compression-test',
      onWarning: () => {},
      compression: { default: 'none', topics: { [TOPICS.lz4]: 'lz4', [TOPICS.zstd]: 'zstd' } },
    });
    logDir = await brokerLogDir(kafkaBrokers!);
    for (const topic of Object.values(TOPICS)) await log.createTopic({ name: topic, partitions: 1 });
  }, 60_000);

  afterAll(async () => {
    for (const topic of Object.values(TOPICS)) await log?.deleteTopic(topic).catch(() => undefined);
    await log?.close();
  });

  it('writes each topic with its codec, at-least-once and in transactions, and reads the records back equal', async () => {
    const producer = await log.transactionalProducer(`${RUN}-tx`);
    try {
      for (const topic of Object.values(TOPICS)) {
        // Half in plain produce calls (at-least-once), half in one transaction (exactly-once).
        for (let i = 0; i < 2000; i += 500) await log.produce(topic, sent.slice(i, i + 500));
        const tx = await producer.begin();
        for (let i = 2000; i < 4000; i += 500) await tx.produce(topic, sent.slice(i, i + 500));
        await tx.commit();
      }
    } finally {
      await producer.close();
    }
    for (const topic of Object.values(TOPICS)) {
      const read = await readAll(log, topic);
      expect(read.map((r) => [String(r.key), r.value!.toString()]), topic).toEqual(sent.map((r) => [r.key, (r.value as Buffer).toString()]));
    }
  }, 60_000);

  it('the broker keeps the batches compressed: its segment files name the codec, and the compressed topics are far smaller', () => {
    expect(existsSync(logDir), `the broker's log dir ${logDir} (the integration tests' broker runs on this machine)`).toBe(true);
    const onDisk = Object.fromEntries(
      Object.entries(TOPICS).map(([codec, topic]) => {
        const batches = segmentBatches(join(logDir, `${topic}-0`)).filter((b) => !b.control);
        return [codec, { codecs: [...new Set(batches.map((b) => b.codec))], batches: batches.length, bytes: batches.reduce((n, b) => n + b.bytes, 0) }];
      }),
    ) as Record<keyof typeof TOPICS, { codecs: number[]; batches: number; bytes: number }>;
    // 8 produce calls per topic: 4 plain, 4 in the transaction, one batch each (one partition).
    for (const codec of ['lz4', 'zstd', 'none'] as const) {
      expect(onDisk[codec].codecs, `${codec}: codecs of ${TOPICS[codec]}'s batches on disk`).toEqual([CODEC_ID[codec]]);
      expect(onDisk[codec].batches).toBe(8);
    }
    expect(onDisk.lz4.bytes).toBeLessThan(onDisk.none.bytes / 3);
    expect(onDisk.zstd.bytes).toBeLessThan(onDisk.none.bytes / 5);
  });

  it('takes log.compression from the project config, as a fastdata process opens its log', async () => {
    const dir = await tempDir();
    const topic = `${RUN}.from-config`;
    try {
      await writeFile(
        join(dir.path, 'fastdata.config.yaml'),
        `log:\n  kind: kafka\n  brokers: ${JSON.stringify(kafkaBrokers)}\n  clientId: compression-config-test\n  compression:\n    default: lz4\n    topics:\n      '${topic}': zstd\nregistry:\n  url: ${JSON.stringify(registryUrl ?? 'http://127.0.0.1:8081/apis/ccompat/v7')}\n`,
      );
      const { config, dataDir } = await loadProjectConfig({ dir: dir.path, env: {} });
      const backends = await openBackends({ config, root: dir.path, dataDir, onWarning: () => {} });
      try {
        await backends.log.createTopic({ name: topic, partitions: 1 });
        await backends.log.produce(topic, records(0, 200));
        const batches = segmentBatches(join(logDir, `${topic}-0`));
        expect(batches.map((b) => b.codec)).toEqual([CODEC_ID.zstd]);
        await backends.log.deleteTopic(topic);
      } finally {
        await backends.close();
      }
    } finally {
      await dir.remove();
    }
  }, 30_000);
});
