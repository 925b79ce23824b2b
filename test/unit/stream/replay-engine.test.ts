/**
 * The replay engine's bounds, which let it run inside a process whose modules keep running
 * (POST /api/replay): it reports its progress as it goes, and an abort stops it between
 * records with FD_REPLAY_ABORTED, its readers and task closed.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, tumbling } from 'fastdata';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { partitionForStringKey } from '../../../src/log/partitioner.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { type ReplayProgress, replay } from '../../../src/stream/replay/replay.js';
import { tempDir } from '../../helpers/temp-dir.js';

const readingSchema = { type: 'record', name: 'Reading', fields: [{ name: 'id', type: 'string' }, { name: 'ts', type: 'long' }] };
const countSchema = { type: 'record', name: 'Count', fields: [{ name: 'key', type: 'string' }, { name: 'windowStart', type: 'long' }, { name: 'windowEnd', type: 'long' }, { name: 'n', type: 'long' }] };
const T0 = 1_700_000_000_000;
const module = defineStream<{ readings: { id: string; ts: number } }, unknown>({
  name: 'counts',
  inputs: { readings: 'readings' },
  output: { topic: 'counts', schema: countSchema, key: (c: any) => c.key },
  eventTime: (r) => r.ts,
  watermark: { lateness: 0 },
  pipeline: ({ readings }) => readings.pipe(keyBy((r) => r.id, { partitioned: 'input' }), tumbling('10s', { grace: 0, emit: 'final' }), aggregate({ n: count() })),
});

describe('replay engine', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let serde: AvroSerde;
  const RECORDS = 5_000;

  beforeEach(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'));
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    serde = new AvroSerde(registry);
    await log.createTopic({ name: 'readings', partitions: 2 });
    const encoder = await serde.encoderFor('readings-value', readingSchema);
    const ids = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < RECORDS; i += 500) {
      const batch = Array.from({ length: 500 }, (_, j) => {
        const id = ids[(i + j) % ids.length]!;
        const ts = T0 + (i + j) * 100;
        return { key: Buffer.from(id), value: encoder.encode({ id, ts }), timestamp: ts, partition: partitionForStringKey(id, 2) };
      });
      await log.produce('readings', batch);
    }
  });
  afterEach(async () => {
    await log.close();
    await registry.close();
    await dir.remove();
  });

  // The schemas are inline: root resolves nothing here.
  const options = { root: '.', module, defaultPartitions: 2, from: 0 };

  it('reports progress as it goes, ending with every record read', async () => {
    const seen: ReplayProgress[] = [];
    const result = await replay({ ...options, log, serde, output: 'counts.replay', onProgress: (p) => seen.push(p) });
    expect(result.read).toEqual({ readings: RECORDS });
    // At least once per 1,000 records and once per partition, never going back.
    expect(seen.length).toBeGreaterThanOrEqual(RECORDS / 1_000);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.read).toBeGreaterThanOrEqual(seen[i - 1]!.read);
    expect(seen.at(-1)).toEqual({ partition: 1, partitions: 2, read: RECORDS, outputs: result.outputs });
  });

  it('stops between records once aborted, with FD_REPLAY_ABORTED, having read no further', async () => {
    const abort = new AbortController();
    const seen: ReplayProgress[] = [];
    const run = replay({
      ...options,
      log,
      serde,
      output: 'counts.aborted',
      signal: abort.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.read >= 1_000) abort.abort(new Error('the client went away'));
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'FD_REPLAY_ABORTED', message: expect.stringMatching(/stopped \(the client went away\)/) });
    expect(seen.at(-1)!.read).toBe(1_000);
  });
});
