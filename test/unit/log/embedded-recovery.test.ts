/**
 * Recovery of the embedded log after damage, from issue 15's reproduction: one flipped
 * byte in the middle of a segment made recovery cut the file at the last good batch
 * (half the partition, acknowledged and processed), new appends reused those offsets and
 * the consumer group started over from the earliest offset. What must hold instead: a
 * torn tail (a write never finished, past the recovery point) is cut quietly; damage to
 * acknowledged data is quarantined with its offset range reported, everything around it
 * kept, no offset given twice, and a group whose position falls in the lost range is told
 * so and goes on after it.
 */
import { appendFileSync, copyFileSync, existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { encodeBatch, readBatch } from '../../../src/log/embedded/batch-codec.js';
import { EmbeddedLog, type EmbeddedLogOptions } from '../../../src/log/embedded/embedded-log.js';
import type { LogRecord } from '../../../src/log/types.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface BatchAt {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
}

/** The batches of a segment file, as written. */
function batchesOf(file: string): BatchAt[] {
  const bytes = readFileSync(file);
  const out: BatchAt[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const header = readBatch(bytes, pos, true);
    if (typeof header === 'string') throw new Error(`${file}: batch at ${pos} is ${header}`);
    out.push({ position: pos, size: header.size, baseOffset: header.baseOffset, lastOffset: header.lastOffset });
    pos += header.size;
  }
  return out;
}

function flipByte(file: string, position: number): void {
  const bytes = readFileSync(file);
  bytes[position]! ^= 0x5a;
  writeFileSync(file, bytes);
}

const text = (records: LogRecord[]) => records.map((r) => `${r.offset}:${r.value?.toString()}`);
const expected = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${from + i}:r${from + i}`);

describe('embedded log recovery', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const warnings: string[] = [];
  const open = (options: EmbeddedLogOptions = {}) => EmbeddedLog.open(dir.path, { fsync: 'always', onWarning: (m) => warnings.push(m), ...options });
  const partitionDir = (topic: string) => join(dir.path, 'topics', topic, '0');
  const segmentsOf = (topic: string) =>
    readdirSync(partitionDir(topic))
      .filter((n) => /^\d{20}\.log$/.test(n))
      .sort()
      .map((n) => join(partitionDir(topic), n));

  /** Writes `count` records r0..r<count-1>, `perBatch` to a produce call (one batch each). */
  async function fill(log: EmbeddedLog, topic: string, count: number, perBatch: number, pad = 0): Promise<void> {
    for (let i = 0; i < count; i += perBatch) {
      const n = Math.min(perBatch, count - i);
      await log.produce(
        topic,
        Array.from({ length: n }, (_, j) => ({ value: `r${i + j}`, headers: pad ? { pad: '.'.repeat(pad) } : undefined })),
      );
    }
  }

  /** Consumes as group `groupId` until `until` holds, committing after every batch; returns what it got. */
  async function consume(log: EmbeddedLog, groupId: string, topic: string, until: (got: LogRecord[]) => boolean) {
    const got: LogRecord[] = [];
    const consumer = log.consumer({ groupId, topics: [topic], maxWaitMs: 50 });
    await consumer.run({
      eachBatch: async (b) => {
        got.push(...b.records);
        const next = b.nextOffset ?? (b.records.length ? b.records.at(-1)!.offset + 1 : undefined);
        if (next !== undefined) await consumer.commit([{ topic, partition: 0, offset: next }]);
      },
    });
    await eventually(() => until(got));
    await consumer.stop();
    return got;
  }

  beforeEach(async () => {
    dir = await tempDir();
    warnings.length = 0;
  });
  afterEach(() => dir.remove());

  it('quarantines a batch damaged in the middle of a segment, keeps every record around it and never gives its offsets again', async () => {
    let log = await open();
    await log.createTopic({ name: 'readings', partitions: 1 });
    await fill(log, 'readings', 3000, 10);
    await log.close();

    const [segment] = segmentsOf('readings');
    const batches = batchesOf(segment!);
    const middle = Math.floor(statSync(segment!).size / 2);
    const hit = batches.find((b) => b.position <= middle && middle < b.position + b.size)!;
    flipByte(segment!, middle);

    log = await open();
    // Every record before and after the damaged batch, with its offset.
    const records = await readAll(log, 'readings');
    expect(text(records)).toEqual([...expected(0, hit.baseOffset), ...expected(hit.lastOffset + 1, 3000)]);
    // The damaged range reported: by the open warning, by damage(), in holes.json, its bytes in the quarantine file.
    const report = warnings.find((w) => w.startsWith('FD_LOG_CORRUPT readings[0]: offsets'))!;
    expect(report).toContain(`offsets ${hit.baseOffset}..${hit.lastOffset} (10 offsets) were acknowledged and are lost`);
    expect(warnings.join('\n')).not.toMatch(/never acknowledged|torn/);
    const damage = log.damage();
    expect(damage.holes).toMatchObject([{ topic: 'readings', partition: 0, from: hit.baseOffset, to: hit.lastOffset, reason: 'corrupt' }]);
    expect(damage.lostOffsets).toBe(10);
    const quarantine = join(partitionDir('readings'), damage.holes[0]!.quarantine!);
    expect(report).toContain(quarantine);
    const original = readFileSync(segment!); // (rewritten without the damaged batch)
    expect(original.length).toBe(batches.reduce((n, b) => n + b.size, 0) - hit.size);
    expect(statSync(quarantine).size).toBe(hit.size);
    expect(JSON.parse(readFileSync(join(partitionDir('readings'), 'holes.json'), 'utf8')).holes).toHaveLength(1);
    // The end did not move back: the next append gets the old end, not a lost offset.
    expect((await log.offsets('readings'))[0]).toEqual({ partition: 0, start: 0, end: 3000 });
    const [meta] = await log.produce('readings', [{ value: 'r3000' }]);
    expect(meta!.offset).toBe(3000);
    await log.close();

    // And after another restart: nothing new to report, the hole still known, nothing reused.
    warnings.length = 0;
    log = await open();
    expect(warnings).toEqual([]);
    expect(log.damage().holes).toHaveLength(1);
    expect(text(await readAll(log, 'readings'))).toEqual([...expected(0, hit.baseOffset), ...expected(hit.lastOffset + 1, 3001)]);
    const [again] = await log.produce('readings', [{ value: 'r3001' }]);
    expect(again!.offset).toBe(3001);
    await log.close();
  });

  it('takes a group committed before the lost range over it with a report, and one committed inside it to just after it, never to the earliest offset', async () => {
    let log = await open();
    await log.createTopic({ name: 'readings', partitions: 1 });
    await fill(log, 'readings', 1000, 20);
    await log.close();
    const [segment] = segmentsOf('readings');
    const hit = batchesOf(segment!)[30]!; // offsets 600..619
    log = await open();
    const log0 = log;
    const commit = async (groupId: string, offset: number) => {
      const c = log0.consumer({ groupId, topics: ['readings'] });
      await c.run({ eachBatch: async () => {} });
      await eventually(() => c.assignment().length === 1);
      await c.commit([{ topic: 'readings', partition: 0, offset }]);
      await c.stop();
    };
    await commit('before', 500);
    await commit('inside', hit.baseOffset + 7);
    await log.close();
    flipByte(segment!, hit.position + hit.size - 3);

    log = await open();
    warnings.length = 0;
    const before = await consume(log, 'before', 'readings', (got) => got.at(-1)?.offset === 999);
    expect(before[0]!.offset).toBe(500);
    expect(text(before)).toEqual([...expected(500, 600), ...expected(620, 1000)]);
    expect(warnings.join('\n')).toContain(`consumer group before reading from offset`);
    expect(warnings.join('\n')).toContain('passes over the lost range 600..619 (20 offsets');

    warnings.length = 0;
    const inside = await consume(log, 'inside', 'readings', (got) => got.at(-1)?.offset === 999);
    expect(inside[0]!.offset).toBe(620);
    expect(text(inside)).toEqual(expected(620, 1000));
    expect(warnings.join('\n')).toMatch(/FD_LOG_CORRUPT readings\[0\]: consumer group inside is positioned at offset 607, inside the lost range 600\.\.619 .*it goes on at offset 620/);
    expect(await log.committed('inside', 'readings')).toEqual([{ topic: 'readings', partition: 0, offset: 1000 }]);
    expect(log.damage().skips).toEqual(
      expect.arrayContaining([
        { topic: 'readings', partition: 0, group: 'before', count: 1 },
        { topic: 'readings', partition: 0, group: 'inside', count: 1 },
      ]),
    );
    await log.close();
  });

  it('hands a group that reads into a lost range at the end of the partition an empty batch that moves it past the range', async () => {
    let log = await open();
    await log.createTopic({ name: 'readings', partitions: 1 });
    await fill(log, 'readings', 100, 10);
    await log.close();
    const [segment] = segmentsOf('readings');
    const last = batchesOf(segment!).at(-1)!; // offsets 90..99, nothing after them
    flipByte(segment!, last.position + last.size - 2);

    log = await open();
    expect(log.damage().holes).toMatchObject([{ from: 90, to: 99 }]);
    const batches: { offsets: number[]; nextOffset: number | undefined }[] = [];
    const consumer = log.consumer({ groupId: 'g', topics: ['readings'], maxWaitMs: 50 });
    await consumer.run({
      eachBatch: async (b) => {
        batches.push({ offsets: b.records.map((r) => r.offset), nextOffset: b.nextOffset });
        await consumer.commit([{ topic: 'readings', partition: 0, offset: b.nextOffset ?? b.records.at(-1)!.offset + 1 }]);
      },
    });
    await eventually(() => batches.at(-1)?.nextOffset === 100);
    await consumer.stop();
    expect(batches.flatMap((b) => b.offsets)).toEqual(Array.from({ length: 90 }, (_, i) => i));
    expect(batches.at(-1)).toEqual({ offsets: [], nextOffset: 100 });
    expect(await log.committed('g', 'readings')).toEqual([{ topic: 'readings', partition: 0, offset: 100 }]);
    expect(warnings.join('\n')).toMatch(/consumer group g is positioned at offset 90, inside the lost range 90\.\.99 .*it goes on at offset 100/);
    expect((await log.produce('readings', [{ value: 'r100' }]))[0]!.offset).toBe(100);
    await log.close();
  });

  it('checks every segment in full when the recovery point cannot be read', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1, config: { segmentBytes: 1024 } });
    await fill(log, 't', 100, 5);
    await log.close();
    writeFileSync(join(partitionDir('t'), 'recovery-point'), Buffer.alloc(128, 7));
    const [first] = segmentsOf('t');
    const hit = batchesOf(first!)[1]!;
    flipByte(first!, hit.position + hit.size - 2); // a value: only a checksum finds it

    log = await open();
    expect(warnings.join('\n')).toMatch(/t\[0\]: .*recovery-point has no readable recovery point .*every segment is checked in full/);
    expect(log.damage().holes).toMatchObject([{ from: hit.baseOffset, to: hit.lastOffset }]);
    expect(await readAll(log, 't')).toHaveLength(95);
    expect((await log.produce('t', [{ value: 'r100' }]))[0]!.offset).toBe(100);
    await log.close();
  });

  it('still cuts a torn tail, a write past the last fsync, quietly and without a hole', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1 });
    await fill(log, 't', 50, 5);
    await log.close();
    const [segment] = segmentsOf('t');
    const intact = statSync(segment!).size;
    // What a crash in the middle of the next append leaves: a prefix of its batch, never fsynced, never acknowledged.
    const next = encodeBatch([{ timestamp: Date.now(), key: null, value: Buffer.from('r50'), headers: null }], 50);
    appendFileSync(segment!, next.subarray(0, next.length - 4));

    log = await open();
    expect(statSync(segment!).size).toBe(intact);
    expect(warnings.join('\n')).toMatch(/torn batch at the tail, past the recovery point \(offset 50\).*never acknowledged/);
    expect(warnings.join('\n')).not.toContain('FD_LOG_CORRUPT');
    expect(log.damage()).toMatchObject({ holes: [], lostOffsets: 0, tornTails: 1 });
    expect(text(await readAll(log, 't'))).toEqual(expected(0, 50));
    const [meta] = await log.produce('t', [{ value: 'r50' }]);
    expect(meta!.offset).toBe(50);
    await log.close();
  });

  it('tells appends lost past the recovery point (fsync never, power loss) from fsynced ones cut at the tail', async () => {
    let log = await open({ fsync: 'never' });
    await log.createTopic({ name: 't', partitions: 1 });
    await fill(log, 't', 20, 10);
    log.flush(); // the last fsync: offsets below 20 are durable
    const recoveryPoint = join(partitionDir('t'), 'recovery-point');
    const durable = readFileSync(recoveryPoint);
    await fill(log, 't', 20, 10); // r0..r19 again, at offsets 20..39
    await log.close();
    const [segment] = segmentsOf('t');
    const batches = batchesOf(segment!);

    // A power loss: the recovery point as of the last fsync, and the last batch half written.
    writeFileSync(recoveryPoint, durable);
    truncateSync(segment!, batches[3]!.position + 20);
    log = await open({ fsync: 'never' });
    expect(warnings.join('\n')).toMatch(/torn batch at the tail, past the recovery point \(offset 20\).*with fsync 'never'.*power loss/);
    expect(warnings.join('\n')).not.toContain('FD_LOG_CORRUPT');
    expect(log.damage().holes).toEqual([]);
    // The intact batch past the recovery point is kept; the next append follows it.
    expect((await log.offsets('t'))[0]!.end).toBe(30);
    await log.close();
  });

  it('reports a batch cut at the tail below the recovery point as lost acknowledged data, not a torn write', async () => {
    let log = await open({ fsync: 'never' });
    await log.createTopic({ name: 't', partitions: 1 });
    await fill(log, 't', 40, 10);
    await log.close(); // fsynced at close: offsets below 40 are durable
    const [segment] = segmentsOf('t');
    truncateSync(segment!, batchesOf(segment!)[3]!.position + 20);

    log = await open({ fsync: 'never' });
    expect(warnings.join('\n')).toContain('FD_LOG_CORRUPT t[0]: offsets 30..39 (10 offsets) were acknowledged and are lost');
    expect(warnings.join('\n')).not.toMatch(/torn/);
    expect(log.damage().holes).toMatchObject([{ from: 30, to: 39, reason: 'corrupt' }]);
    expect(text(await readAll(log, 't'))).toEqual(expected(0, 30));
    const [meta] = await log.produce('t', [{ value: 'r40' }]);
    expect(meta!.offset).toBe(40);
    await log.close();
  });

  it('reports offsets below the recovery point that no segment holds any more, and goes on after them', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1 });
    await fill(log, 't', 40, 10);
    await log.close();
    const [segment] = segmentsOf('t');
    truncateSync(segment!, batchesOf(segment!)[2]!.position); // two whole batches cut outside fastdata

    log = await open();
    expect(warnings.join('\n')).toMatch(/FD_LOG_CORRUPT t\[0\]: offsets 20\.\.39 \(20 offsets\) were acknowledged and are lost .*no segment holds them any more/);
    expect(log.damage().holes).toMatchObject([{ from: 20, to: 39, reason: 'missing' }]);
    const [meta] = await log.produce('t', [{ value: 'r40' }]);
    expect(meta!.offset).toBe(40);
    expect(text(await readAll(log, 't'))).toEqual([...expected(0, 20), '40:r40']);
    await log.close();
  });

  it('recovers several segments: damage in a header, in a closed segment found by a read, at the end of a closed segment and in the active one', async () => {
    let log = await open();
    await log.createTopic({ name: 's', partitions: 1, config: { segmentBytes: 4096 } });
    await fill(log, 's', 2000, 10, 20);
    await log.close();
    const segments = segmentsOf('s');
    expect(segments.length).toBeGreaterThan(6);
    const lost: [number, number][] = [];
    // A length field (framing: found on open, though the segment is below the recovery point).
    const header = batchesOf(segments[1]!)[5]!;
    flipByte(segments[1]!, header.position + 1);
    lost.push([header.baseOffset, header.lastOffset]);
    // A value in a closed segment below the recovery point: found when first read.
    const value = batchesOf(segments[3]!)[4]!;
    flipByte(segments[3]!, value.position + value.size - 10);
    lost.push([value.baseOffset, value.lastOffset]);
    // The base offset of the last batch of a closed segment: nothing intact after it in its file, yet fsynced when the segment rolled.
    const lastOfClosed = batchesOf(segments[4]!).at(-1)!;
    flipByte(segments[4]!, lastOfClosed.position + 12);
    lost.push([lastOfClosed.baseOffset, lastOfClosed.lastOffset]);
    // The active segment, in the middle.
    const active = segments.at(-1)!;
    const activeBatches = batchesOf(active);
    const inActive = activeBatches[Math.floor(activeBatches.length / 2)]!;
    flipByte(active, inActive.position + 50);
    lost.push([inActive.baseOffset, inActive.lastOffset]);

    log = await open();
    const onOpen = log.damage().holes.map((h) => [h.from, h.to]);
    expect(onOpen).toEqual([lost[0], lost[2], lost[3]]);
    // A consumer group reads through all of it: the damage it finds is quarantined, nothing stops it.
    const got = await consume(log, 'g', 's', (records) => records.at(-1)?.offset === 1999);
    const keep = (o: number) => !lost.some(([from, to]) => from <= o && o <= to);
    expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 2000 }, (_, i) => i).filter(keep));
    expect(got.every((r) => r.value?.toString() === `r${r.offset}`)).toBe(true);
    expect(log.damage().holes.map((h) => [h.from, h.to])).toEqual(lost);
    expect(log.damage().lostOffsets).toBe(40);
    expect(warnings.join('\n')).toContain(`offsets ${lost[1]![0]}..${lost[1]![1]} (10 offsets) were acknowledged and are lost (found by a read)`);
    const [meta] = await log.produce('s', [{ value: 'r2000' }]);
    expect(meta!.offset).toBe(2000);
    await log.close();

    log = await open();
    expect(text(await readAll(log, 's'))).toEqual(Array.from({ length: 2001 }, (_, i) => i).filter(keep).map((o) => `${o}:r${o}`));
    await log.close();
  });

  it('fails the read that finds damage with FD_LOG_CORRUPT naming the range, then reads past it', async () => {
    const log = await open();
    await log.createTopic({ name: 's', partitions: 1, config: { segmentBytes: 2048 } });
    await fill(log, 's', 300, 10, 20);
    const [first] = segmentsOf('s');
    const hit = batchesOf(first!)[2]!;
    flipByte(first!, hit.position + hit.size - 5); // while the log is open

    const error = await readAll(log, 's').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFastdataError(error, 'FD_LOG_CORRUPT')).toBe(true);
    expect((error as { context: Record<string, unknown> }).context).toMatchObject({ topic: 's', partition: 0, from: hit.baseOffset, to: hit.lastOffset, quarantined: true });
    expect(existsSync((error as { context: { file: string } }).context.file)).toBe(true);
    const records = await readAll(log, 's');
    expect(records).toHaveLength(290);
    expect(records.find((r) => r.offset === hit.baseOffset)).toBeUndefined();
    await log.close();
  });

  it('finds the same hole once when a crash came between recording it and rewriting the segment', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1 });
    await fill(log, 't', 100, 10);
    await log.close();
    const [segment] = segmentsOf('t');
    const hit = batchesOf(segment!)[4]!;
    flipByte(segment!, hit.position + 60);
    const damaged = join(dir.path, 'damaged.log');
    copyFileSync(segment!, damaged);

    log = await open();
    await log.close();
    copyFileSync(damaged, segment!); // as if the rewrite had not happened
    warnings.length = 0;
    log = await open();
    expect(log.damage().holes).toMatchObject([{ from: 40, to: 49 }]);
    expect(text(await readAll(log, 't'))).toEqual([...expected(0, 40), ...expected(50, 100)]);
    expect((await log.produce('t', [{ value: 'r100' }]))[0]!.offset).toBe(100);
    await log.close();
  });

  it('quarantines a damaged batch the cleaner finds in a compacted topic, and compacts the rest on its next run', async () => {
    let log = await open({ minCleanableDirtyRatio: 0 });
    await log.createTopic({ name: 'c', partitions: 1, config: { cleanupPolicy: 'compact', segmentBytes: 1024 } });
    for (let i = 0; i < 60; i++) await log.produce('c', [{ key: `k${i % 10}`, value: `v${i}`.padEnd(60, '.') }]);
    await log.close();
    const [first] = segmentsOf('c');
    const hit = batchesOf(first!)[2]!;
    flipByte(first!, hit.position + hit.size - 3);

    log = await open({ minCleanableDirtyRatio: 0 });
    expect(log.damage().holes).toEqual([]); // below the recovery point: found when read
    log.runMaintenance();
    expect(log.damage().holes).toMatchObject([{ from: hit.baseOffset, to: hit.lastOffset }]);
    expect(warnings.join('\n')).toContain(`offsets ${hit.baseOffset}..${hit.lastOffset} (1 offset) were acknowledged and are lost (found by a read)`);
    log.runMaintenance();
    const latest = new Map((await readAll(log, 'c')).map((r) => [r.key!.toString(), r.value!.toString().replace(/\.+$/, '')]));
    expect([...latest.values()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${50 + i}`).sort());
    await log.close();
  });

  it('shows the holes to a read-only view beside the writer', async () => {
    let log = await open();
    await log.createTopic({ name: 't', partitions: 1 });
    await fill(log, 't', 100, 10);
    await log.close();
    const [segment] = segmentsOf('t');
    flipByte(segment!, batchesOf(segment!)[5]!.position + 50);
    log = await open();
    const view = await EmbeddedLog.open(dir.path, { readOnly: true, onWarning: (m) => warnings.push(m) });
    expect(view.damage().holes).toMatchObject([{ topic: 't', from: 50, to: 59 }]);
    expect((await view.offsets('t'))[0]!.end).toBe(100);
    expect(text(await readAll(view, 't'))).toEqual([...expected(0, 50), ...expected(60, 100)]);
    await view.close();
    await log.close();
  });
});
