/**
 * Checkpoints at the scale of real use, on the broker's default limits (max.message.bytes
 * 1 MiB) and the embedded log's same limits: 100,000 keys on each of 2 partitions, one-minute
 * tumbling windows, checkpoints every second while windows are still open, each holding
 * tens of thousands of window updates, which go out in several produce requests.
 *
 * `fastdata run --until-end` processes the input with a crash point armed
 * (FASTDATA_TEST_FAILPOINTS=checkpoint.request=3): the worker kills itself with SIGKILL after the
 * third produce request of its changelog records, in the middle of a checkpoint. A second
 * run, unarmed, restores and finishes. The test computes every window itself and checks the
 * output topic: every window present with its figures (at-least-once: nothing lost, no
 * record counted twice; exactly-once, read_committed: every window once).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import { partitionForKey } from '../../src/log/partitioner.js';
import type { Log } from '../../src/log/types.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import type { SchemaRegistry } from '../../src/schema/types.js';
import { valueSubject } from '../../src/schema/types.js';
import { runCli } from '../helpers/cli.js';
import { kafkaBrokers, registryUrl } from '../helpers/servers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PARTITIONS = 2;
const KEYS_PER_PARTITION = 100_000;
/**
 * Each key's readings: PASSES in minute 0, in passes over every key (so a checkpoint taken
 * meanwhile holds windows still open, whose counts a replay must not add to twice), then
 * one in minute 1, which closes the minute-0 windows.
 */
const PASSES = 3;
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

const READING = {
  type: 'record',
  name: 'ScaleReading',
  namespace: 'test.scale',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'value', type: 'long' },
  ],
};
const STATS = {
  type: 'record',
  name: 'ScaleStats',
  namespace: 'test.scale',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'n', type: 'long' },
    { name: 'total', type: 'long' },
  ],
};

interface Stats {
  key: string;
  windowStart: number;
  n: number;
  total: number;
}

const moduleSource = (name: string, input: string, output: string) => `
import { aggregate, count, defineStream, keyBy, sum, tumbling } from 'fastdata';
import { map } from 'rxjs';
export default defineStream({
  name: ${JSON.stringify(name)},
  inputs: { readings: ${JSON.stringify(input)} },
  output: { topic: ${JSON.stringify(output)}, schema: ${JSON.stringify(STATS)}, key: (s) => s.key },
  eventTime: (r) => r.ts,
  // Only records close windows here: the result does not depend on how long a run takes.
  watermark: { idleTimeout: '1h' },
  pipeline: ({ readings }) => readings.pipe(
    keyBy((r) => r.key),
    tumbling('1m', { grace: '0s', emit: 'final' }),
    aggregate({ n: count(), total: sum((r) => r.value) }, { name: 'minute' }),
    map((w) => ({ key: w.key, windowStart: w.windowStart, n: w.n, total: w.total })),
  ),
});
`;

/** 100,000 keys whose murmur2 partition is each partition: the input is keyed by them, as a producer would. */
function keysPerPartition(): string[] {
  const counts = new Array<number>(PARTITIONS).fill(0);
  const keys: string[] = [];
  for (let i = 0; keys.length < PARTITIONS * KEYS_PER_PARTITION; i++) {
    const key = `sensor-${i}`;
    const p = partitionForKey(Buffer.from(key), PARTITIONS);
    if (counts[p]! < KEYS_PER_PARTITION) {
      counts[p]!++;
      keys.push(key);
    }
  }
  return keys;
}

const valueOf = (keyIndex: number, pass: number) => (keyIndex * 7 + pass * 13) % 1_000;

interface Backend {
  name: string;
  /** Opens the log and registry for the test's own reads and writes (closed before each run: the embedded log has one writer). */
  open(dataDir: string): Promise<{ log: Log; registry: SchemaRegistry; close(): Promise<void> }>;
  env: Record<string, string>;
  guarantee: 'at-least-once' | 'exactly-once';
}

function describeScale(backend: Backend): void {
  describe(`checkpoints of 100,000 keys per partition: ${backend.name}`, () => {
    let project: string;
    const run = randomUUID().slice(0, 8);
    // A module, topics and groups of this run's own: the Kafka runs share a broker.
    const module = `scale-stats-${run}`;
    const input = `scale.readings.${run}`;
    const output = `scale.stats.${run}`;
    const keys = keysPerPartition();

    beforeAll(async () => {
      await mkdir(join(repo, '.cache', 'test-projects'), { recursive: true });
      project = await mkdtemp(join(repo, '.cache', 'test-projects', 'checkpoint-scale-'));
      await mkdir(join(project, 'streams'));
      await writeFile(join(project, 'streams', 'scale-stats.ts'), moduleSource(module, input, output));
    });
    afterAll(async () => {
      if (project) await rm(project, { recursive: true, force: true });
    });

    it('loses nothing and counts nothing twice across a SIGKILL between the requests of one checkpoint', { timeout: 600_000 }, async () => {
      // The input, in time order: every key's readings of minute 0, pass by pass, then of minute 1.
      {
        const { log, registry, close } = await backend.open(join(project, '.fastdata'));
        await log.createTopic({ name: input, partitions: PARTITIONS });
        const encoder = await new AvroSerde(registry).encoderFor(valueSubject(input), READING);
        for (let pass = 0; pass <= PASSES; pass++) {
          for (let from = 0; from < keys.length; from += 5_000) {
            const chunk = keys.slice(from, from + 5_000).map((key, i) => {
              const ts = pass < PASSES ? T0 + pass * 15_000 + ((from + i) % 10_000) : T0 + 60_000 + ((from + i) % 10_000);
              return { key, timestamp: ts, value: encoder.encode({ key, ts, value: valueOf(from + i, pass) }) };
            });
            await log.produce(input, chunk);
          }
        }
        await close();
      }

      const args = ['run', '--dir', project, '--data-dir', join(project, '.fastdata'), '--no-alerts', '--until-end'];
      const env = {
        ...backend.env,
        FASTDATA_PROCESSING__GUARANTEE: backend.guarantee,
        // A checkpoint every second: tens of thousands of window updates each, several produce requests.
        [`FASTDATA_MODULES__${module.toUpperCase().replaceAll('-', '_')}__COMMIT_INTERVAL`]: '1s',
      };
      const killed = await runCli(args, { cwd: project, env: { ...env, FASTDATA_TEST_FAILPOINTS: 'checkpoint.request=3' }, timeoutMs: 300_000 });
      expect(killed.code, `the first run should die by its crash point\n${killed.stderr}`).toBeNull();
      const finished = await runCli(args, { cwd: project, env, timeoutMs: 300_000 });
      expect(finished.code, finished.stderr).toBe(0);
      expect(finished.stderr).toMatch(/processed its inputs to their end/);
      // The client's retried protocol answers (new topics' metadata spreading) are not the operator's business.
      for (const output of [killed.stderr, finished.stderr]) expect(output).not.toMatch(/does not host this topic-partition|Response Metadata/);
      // At-least-once: the kill fell inside a checkpoint, whose torn state changes were found and put back as the
      // last complete checkpoint left them. Exactly-once: it was an open transaction, aborted when the new owner fenced it.
      if (backend.guarantee === 'at-least-once') expect(finished.stderr).toMatch(/a checkpoint that did not complete changed \d+ state entries/);

      // Ground truth: every key's minute-0 window, closed by its minute-1 reading.
      const expected = new Map<string, Stats>();
      keys.forEach((key, i) => {
        let total = 0;
        for (let pass = 0; pass < PASSES; pass++) total += valueOf(i, pass);
        expected.set(`${key}@${T0}`, { key, windowStart: T0, n: PASSES, total });
      });

      const { log, registry, close } = await backend.open(join(project, '.fastdata'));
      try {
        const serde = new AvroSerde(registry);
        const seen = new Map<string, Stats>();
        let duplicates = 0;
        let wrong = 0;
        const examples: string[] = [];
        // read_committed on Kafka: what consumers of an exactly-once output see.
        const reader = log.reader({ topic: output, from: 'earliest', stopAtEnd: true });
        for await (const batch of reader) {
          for (const record of batch.records) {
            const value = (await serde.decode(record.value!)) as Stats;
            const id = `${value.key}@${value.windowStart}`;
            if (seen.has(id)) duplicates++;
            seen.set(id, value);
            const truth = expected.get(id);
            if (!truth || truth.n !== value.n || truth.total !== value.total) {
              wrong++;
              if (examples.length < 5) examples.push(`${id}: n ${value.n} (expected ${truth?.n}), total ${value.total} (expected ${truth?.total}), offset ${record.partition}@${record.offset}`);
            }
          }
        }
        await reader.close();
        const missing = [...expected.keys()].filter((id) => !seen.has(id));
        expect({ missing: missing.length, wrong, windows: seen.size }, `${examples.join('\n')}\n--- first run ---\n${killed.stderr}\n--- second run ---\n${finished.stderr}`).toEqual({ missing: 0, wrong: 0, windows: expected.size });
        if (backend.guarantee === 'exactly-once') expect(duplicates).toBe(0);
      } finally {
        await close();
      }
    });
  });
}

describeScale({
  name: 'embedded log',
  guarantee: 'at-least-once',
  env: {},
  open: async (dataDir) => {
    const log = await EmbeddedLog.open(join(dataDir, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dataDir, 'registry'));
    return {
      log,
      registry,
      async close() {
        await log.close();
        await registry.close();
      },
    };
  },
});

describe.skipIf(!kafkaBrokers || !registryUrl)('on Kafka', () => {
  for (const guarantee of ['at-least-once', 'exactly-once'] as const) {
    describeScale({
      name: `Kafka, ${guarantee}`,
      guarantee,
      env: { FASTDATA_LOG__KIND: 'kafka', FASTDATA_LOG__BROKERS: kafkaBrokers?.join(',') ?? '', FASTDATA_REGISTRY__URL: registryUrl ?? '' },
      open: async () => {
        const log = await KafkaLog.connect({ brokers: kafkaBrokers!, clientId: 'checkpoint-scale-test', onWarning: () => {} });
        const registry = new RemoteSchemaRegistry({ url: registryUrl! });
        return {
          log,
          registry,
          async close() {
            await log.close();
            await registry.close();
          },
        };
      },
    });
  }
});
