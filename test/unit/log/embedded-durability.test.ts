import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { ManualClock } from '../../../src/time/clock.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const values = (records: { value: Buffer | null }[]) => records.map((r) => r.value?.toString() ?? null);
const segmentsOf = (dir: string, topic: string, partition = 0) =>
  readdirSync(join(dir, 'topics', topic, String(partition)))
    .filter((n) => n.endsWith('.log'))
    .sort()
    .map((n) => join(dir, 'topics', topic, String(partition), n));

describe('embedded log durability', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const warnings: string[] = [];
  const open = (options = {}) => EmbeddedLog.open(dir.path, { fsync: 'never', onWarning: (m) => warnings.push(m), ...options });

  beforeEach(async () => {
    dir = await tempDir();
    warnings.length = 0;
  });
  afterEach(() => dir.remove());

  it('keeps records, offsets and committed offsets across a restart', async () => {
    let log = await open();
    await log.createTopic({ name: 'events', partitions: 2 });
    await log.produce('events', Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    const consumer = log.consumer({ groupId: 'g', topics: ['events'] });
    let seen = 0;
    await consumer.run({
      eachBatch: async (b) => {
        seen += b.records.length;
        await consumer.commit([{ topic: 'events', partition: b.partition, offset: b.records.at(-1)!.offset + 1 }]);
      },
    });
    await eventually(() => seen === 20);
    await log.close();

    log = await open();
    expect(values(await readAll(log, 'events')).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`).sort());
    const committed = await log.committed('g', 'events');
    expect(committed.reduce((n, c) => n + c.offset, 0)).toBe(20);
    const [meta] = await log.produce('events', [{ key: 'k0', value: 'after restart' }]);
    const before = committed.find((c) => c.partition === meta!.partition)!.offset;
    expect(meta!.offset).toBe(before);
    await log.close();
  });

  it('cuts a torn batch at the tail on open and never serves it', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1 });
    await log.produce('t', [{ value: 'one' }, { value: 'two' }]);
    await log.produce('t', [{ value: 'three' }]);
    await log.close();

    // A process killed mid-append leaves a prefix of a batch: take the last batch's first half.
    const [segment] = segmentsOf(dir.path, 't');
    const bytes = readFileSync(segment!);
    const intact = statSync(segment!).size;
    appendFileSync(segment!, bytes.subarray(0, 30));

    log = await open();
    expect(values(await readAll(log, 't'))).toEqual(['one', 'two', 'three']);
    expect(statSync(segment!).size).toBe(intact);
    expect(warnings.join('\n')).toMatch(/torn batch at the tail/);
    const [meta] = await log.produce('t', [{ value: 'four' }]);
    expect(meta!.offset).toBe(3);
    expect(values(await readAll(log, 't'))).toEqual(['one', 'two', 'three', 'four']);
    await log.close();
  });

  it('cuts a batch whose checksum fails at the tail', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1 });
    await log.produce('t', [{ value: 'kept' }]);
    await log.produce('t', [{ value: 'damaged' }]);
    await log.close();
    const [segment] = segmentsOf(dir.path, 't');
    const bytes = readFileSync(segment!);
    bytes[bytes.length - 3]! ^= 0xff; // inside the last batch's value
    writeFileSync(segment!, bytes);

    log = await open();
    expect(values(await readAll(log, 't'))).toEqual(['kept']);
    expect(warnings.join('\n')).toMatch(/checksum mismatch/);
    await log.close();
  });

  it('refuses to serve a damaged batch of a closed segment', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1, config: { segmentBytes: 1024 } });
    for (let i = 0; i < 30; i++) await log.produce('t', [{ value: `record ${i} `.padEnd(100, '.') }]);
    await log.close();
    const [first] = segmentsOf(dir.path, 't');
    const bytes = readFileSync(first!);
    bytes[60]! ^= 0xff;
    writeFileSync(first!, bytes);

    log = await open();
    await expect(readAll(log, 't')).rejects.toSatisfy((e) => isFastdataError(e, 'FD_LOG_CORRUPT'));
    await log.close();
  });

  it('lets a read-only view follow a running writer: new records, new topics, commits', async () => {
    const writer = await open();
    await writer.createTopic({ name: 'live', partitions: 1 });
    await writer.produce('live', [{ value: 'first' }]);
    const viewer = await open({ readOnly: true });
    const reader = viewer.reader({ topic: 'live', from: 'earliest' });
    const seen: string[] = [];
    const consuming = (async () => {
      for await (const batch of reader) seen.push(...values(batch.records).map(String));
    })();
    await eventually(() => seen.length === 1);
    await writer.produce('live', [{ value: 'second' }]);
    await eventually(() => seen.length === 2);
    expect(seen).toEqual(['first', 'second']);

    await writer.createTopic({ name: 'later', partitions: 3 });
    expect((await viewer.describeTopic('later'))?.partitions).toBe(3);
    await expect(viewer.produce('live', [{ value: 'x' }])).rejects.toSatisfy((e) => isFastdataError(e, 'FD_LOG_READ_ONLY'));

    const consumer = writer.consumer({ groupId: 'g', topics: ['live'] });
    await consumer.run({ eachBatch: async (b) => consumer.commit([{ topic: 'live', partition: 0, offset: b.records.at(-1)!.offset + 1 }]) });
    await eventually(async () => (await viewer.committed('g', 'live'))[0]?.offset === 2);

    await reader.close();
    await consuming;
    await viewer.close();
    await writer.close();
  });

  it('allows one writer per data dir and takes over the lock of a dead one', async () => {
    const log = await open();
    await expect(open()).rejects.toSatisfy((e) => isFastdataError(e, 'FD_LOG_LOCKED'));
    await log.close();

    // A lock left by a process that no longer exists.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir.path, '.lock'), child.stdout.toString());
    const again = await open();
    expect(readFileSync(join(dir.path, '.lock'), 'utf8')).toBe(String(process.pid));
    await again.close();
  });

  it('finishes a compaction swap interrupted by a crash', async () => {
    let log = await open();
    await log.createTopic({ name: 'c', partitions: 1, config: { cleanupPolicy: 'compact', segmentBytes: 1024 } });
    for (let i = 0; i < 12; i++) await log.produce('c', [{ key: `k${i}`, value: `v${i}`.padEnd(200, '.') }]);
    await log.close();
    const segments = segmentsOf(dir.path, 'c');
    expect(segments.length).toBeGreaterThan(2);
    // The state a crash leaves after the merged file became `.swap` and before the
    // merged-away segments were removed: a swap covering the first two segments.
    const [a, b] = segments;
    writeFileSync(`${a}.swap`, Buffer.concat([readFileSync(a!), readFileSync(b!)]));
    copyFileSync(a!, `${a}.cleaned`); // and a stale half-written rewrite

    log = await open();
    const records = await readAll(log, 'c');
    expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
    expect(values(records).map((v) => v!.trim().replace(/\.+$/, ''))).toEqual(Array.from({ length: 12 }, (_, i) => `v${i}`));
    expect(readdirSync(join(dir.path, 'topics', 'c', '0')).some((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toBe(false);
    expect(segmentsOf(dir.path, 'c')).not.toContain(b);
    await log.close();
  });

  it('deletes segments older than the retention time', async () => {
    const clock = new ManualClock(1_000_000);
    const log = await open({ clock });
    await log.createTopic({ name: 'r', partitions: 1, config: { retentionMs: 60_000, segmentBytes: 1024 } });
    for (let i = 0; i < 10; i++) await log.produce('r', [{ value: `old ${i}`.padEnd(200, '.') }]);
    clock.advance(120_000);
    // Big enough that each lands in a segment of its own: the active segment is never deleted.
    for (let i = 0; i < 2; i++) await log.produce('r', [{ value: `new ${i}`.padEnd(700, '.') }]);
    log.runMaintenance();
    const left = values(await readAll(log, 'r')).map((v) => v!.replace(/\.+$/, ''));
    expect(left).toEqual(['new 0', 'new 1']);
    expect((await log.offsets('r'))[0]).toEqual({ partition: 0, start: 10, end: 12 });
    await log.close();
  });

  it('validates every record before writing any', async () => {
    const log = await open();
    await log.createTopic({ name: 'v', partitions: 1 });
    const bad = [{ value: 'fine' }, { value: 42 as unknown as string }];
    await expect(log.produce('v', bad)).rejects.toThrow(/record 1 for v: value must be a Buffer/);
    await expect(log.produce('v', [{ value: 'x', timestamp: -5 }])).rejects.toThrow(/timestamp must be milliseconds/);
    await expect(log.produce('v', [{ value: Buffer.alloc(2 * 1024 * 1024) }])).rejects.toThrow(/record batch of \d+ bytes, over the topic's max\.message\.bytes of 1048588/);
    expect(await readAll(log, 'v')).toEqual([]);
    await log.close();
  });

  it('reports a consumer whose batch handler throws and hands its partitions to the rest of the group', async () => {
    const crashes: string[] = [];
    const log = await open({ onConsumerCrash: (group: string, error: unknown) => crashes.push(`${group}: ${(error as Error).message}`) });
    await log.createTopic({ name: 'x', partitions: 2 });
    const healthy = log.consumer({ groupId: 'g', topics: ['x'], maxWaitMs: 50 });
    const got: string[] = [];
    await healthy.run({
      eachBatch: async (b) => {
        got.push(...values(b.records).map(String));
        await healthy.commit([{ topic: 'x', partition: b.partition, offset: b.records.at(-1)!.offset + 1 }]);
      },
    });
    const failing = log.consumer({ groupId: 'g', topics: ['x'], maxWaitMs: 50 });
    await failing.run({
      eachBatch: async () => {
        throw new Error('model bug');
      },
    });
    await eventually(() => healthy.assignment().length === 1 && failing.assignment().length === 1);
    await log.produce('x', [{ value: 'p0', partition: 0 }, { value: 'p1', partition: 1 }]);
    await eventually(() => crashes.length === 1 && healthy.assignment().length === 2);
    await eventually(() => got.length === 2);
    expect(got.sort()).toEqual(['p0', 'p1']);
    expect(crashes[0]).toBe('g: model bug');
    await log.close();
  });
});
