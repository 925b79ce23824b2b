/**
 * `fastdata tail <topic>`: prints a topic's records as JSON lines, decoded with the
 * registry (Confluent framing), following new records until Ctrl-C or `--limit`. With
 * `-b` or `--since` it prints the history first, every partition's merged by record time
 * (src/log/time-ordered-history.ts), then follows from where the history ended.
 * On the embedded log it opens the data dir read-only, so it runs beside `fastdata dev`;
 * with `log.kind: kafka` it reads the cluster (a reader of its own, no commits).
 */
import { openBackends } from '../../app/backends.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { FastdataError } from '../../errors.js';
import { TimeOrderedHistory } from '../../log/time-ordered-history.js';
import type { LogRecord, StartPosition } from '../../log/types.js';
import { AvroSerde } from '../../schema/serde.js';
import { MAGIC_BYTE } from '../../schema/wire.js';
import { writeLine } from '../output.js';
import { toJsonValue } from '../../schema/json-value.js';

export interface TailOptions {
  dir: string;
  dataDir?: string;
  fromBeginning: boolean;
  since?: number;
  key?: string;
  partition?: number;
  limit?: number;
  headers: boolean;
}

async function decodeValue(serde: AvroSerde, value: Buffer | null): Promise<{ value: unknown; encoding: string }> {
  if (value === null) return { value: null, encoding: 'tombstone' };
  if (value.length >= 5 && value[0] === MAGIC_BYTE) {
    try {
      return { value: await serde.decode(value), encoding: 'avro' };
    } catch {
      // Not Avro after all (or a schema the registry lacks): show the bytes below.
    }
  }
  const text = value.toString('utf8');
  if (!text.includes('\uFFFD')) {
    try {
      return { value: JSON.parse(text) as unknown, encoding: 'json' };
    } catch {
      return { value: text, encoding: 'text' };
    }
  }
  return { value: value.toString('base64'), encoding: 'base64' };
}

export async function tail(topic: string, options: TailOptions): Promise<void> {
  const { config, root, dataDir } = await loadProjectConfig({ dir: options.dir, overrides: options.dataDir ? { dataDir: options.dataDir } : {} });
  // The embedded log read-only (beside a running dev), or Kafka and the registry of the config.
  const backends = await openBackends({ config, root, dataDir, readOnly: true });
  const { log } = backends;
  const serde = new AvroSerde(backends.registry);
  try {
    const description = await log.describeTopic(topic);
    if (!description) {
      const names = (await log.listTopics()).map((t) => t.name).filter((n) => !n.startsWith('__'));
      throw new FastdataError('FD_TOPIC_NOT_FOUND', `topic ${topic} does not exist; the topics are: ${names.join(', ') || '(none yet)'}`, { context: { topic } });
    }
    if (options.partition !== undefined && options.partition >= description.partitions) {
      throw new FastdataError('FD_PARTITION_INVALID', `--partition ${options.partition}: ${topic} has partitions 0..${description.partitions - 1}`, { context: { topic } });
    }
    const partitions = options.partition === undefined ? Array.from({ length: description.partitions }, (_, p) => p) : [options.partition];
    let printed = 0;
    /** Prints a record unless filtered out; true once --limit is reached. */
    const print = async (record: LogRecord): Promise<boolean> => {
      if (options.key !== undefined && record.key?.toString('utf8') !== options.key) return false;
      await writeLine(await render(serde, record, options.headers));
      return options.limit !== undefined && ++printed >= options.limit;
    };
    // What Ctrl-C stops: the history being merged, then the live reader.
    let stopping = false;
    let current: { close(): Promise<void> } | undefined;
    const done = new Promise<void>((resolve) => {
      process.once('SIGINT', () => {
        stopping = true;
        void (current?.close() ?? Promise.resolve()).then(resolve);
      });
    });
    const consume = async () => {
      // The history (-b, --since): every partition's, merged by record time; then live records as they come.
      let follow: StartPosition | Record<number, number> = 'latest';
      if (options.since !== undefined || options.fromBeginning) {
        const history = await TimeOrderedHistory.open(log, { topic, partitions, from: options.since !== undefined ? { timestamp: options.since } : 'earliest' });
        current = history;
        if (stopping) return;
        for await (const record of history) if (await print(record)) return;
        follow = history.ends;
      }
      if (stopping) return;
      const reader = log.reader({ topic, from: follow, partitions });
      current = reader;
      for await (const batch of reader) {
        for (const record of batch.records) {
          if (await print(record)) {
            await reader.close();
            return;
          }
        }
      }
    };
    const consuming = consume();
    // After Ctrl-C the reading stops at its next step (what it reads was closed); its end, not an error, is awaited.
    await Promise.race([consuming, done.then(() => consuming.catch(() => undefined))]);
  } finally {
    await backends.close();
  }
}

async function render(serde: AvroSerde, record: LogRecord, withHeaders: boolean): Promise<string> {
  const { value } = await decodeValue(serde, record.value);
  const line: Record<string, unknown> = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key?.toString('utf8') ?? null,
    value: toJsonValue(value),
  };
  if (withHeaders || record.topic.endsWith('.dlq')) {
    line.headers = Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, v.toString('utf8')]));
  }
  return JSON.stringify(line);
}
