/**
 * The Log conformance suite: Kafka's semantics, written against the `Log` interface only.
 * Every implementation (embedded, Kafka) runs this same file; see the *.test.ts files
 * that call `describeLogConformance`.
 *
 * Topic and group names are random so the suite can share a broker with other tests;
 * waits are on conditions, never fixed sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../src/errors.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, splitIntoRequests } from '../../src/log/batch-size.js';
import { partitionForKey } from '../../src/log/partitioner.js';
import type { Batch, ConsumerHandlers, GroupConsumer, Log, LogRecord, TopicPartition } from '../../src/log/types.js';
import { eventually } from '../helpers/eventually.js';
import { uniqueName } from '../helpers/temp-dir.js';

export interface LogUnderTest {
  log: Log;
  /** Runs retention and compaction now, where the implementation allows it (a broker runs them on its own schedule). */
  maintenance?: () => Promise<void>;
  close: () => Promise<void>;
}

export interface ConformanceOptions {
  /** How long compaction and retention may take to show (a broker's cleaner is slow). */
  maintenanceTimeoutMs?: number;
}

/** Reads a topic from the start to its current end, all partitions. */
export async function readAll(log: Log, topic: string): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const reader = log.reader({ topic, from: 'earliest', stopAtEnd: true });
  for await (const batch of reader) records.push(...batch.records);
  await reader.close();
  return records;
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

/** Consumes with a group member, collecting records, until stopped. */
function collectingConsumer(log: Log, groupId: string, topics: string[], extra: Partial<ConsumerHandlers> = {}) {
  const received: LogRecord[] = [];
  const assigned: TopicPartition[][] = [];
  const revoked: TopicPartition[][] = [];
  const consumer: GroupConsumer = log.consumer({ groupId, topics, maxWaitMs: 100 });
  const started = consumer.run({
    onAssigned: async (tps) => {
      assigned.push(tps);
      await extra.onAssigned?.(tps);
    },
    onRevoked: async (tps, info) => {
      revoked.push(tps);
      await extra.onRevoked?.(tps, info);
    },
    eachBatch: async (batch: Batch) => {
      received.push(...batch.records);
      if (extra.eachBatch) await extra.eachBatch(batch);
    },
  });
  return { consumer, received, assigned, revoked, started };
}

export function describeLogConformance(name: string, open: () => Promise<LogUnderTest>, options: ConformanceOptions = {}): void {
  const maintenanceTimeoutMs = options.maintenanceTimeoutMs ?? 20_000;

  describe(`Log conformance: ${name}`, () => {
    let subject: LogUnderTest;
    let log: Log;

    beforeAll(async () => {
      subject = await open();
      log = subject.log;
    });
    afterAll(async () => {
      await subject?.close();
    });

    // No time retention unless a test asks for it: the suite writes records with timestamps
    // from long ago, which a broker's retention (by record timestamp) would delete mid-test.
    const newTopic = async (partitions: number, config = {}) => {
      const topic = uniqueName('conf');
      await log.createTopic({ name: topic, partitions, config: { retentionMs: -1, ...config } });
      return topic;
    };

    describe('topics', () => {
      it('creates a topic once, describes and lists it', async () => {
        const topic = uniqueName('conf');
        expect(await log.createTopic({ name: topic, partitions: 3 })).toBe(true);
        expect(await log.createTopic({ name: topic, partitions: 3 })).toBe(false);
        const description = await log.describeTopic(topic);
        expect(description?.partitions).toBe(3);
        expect(description?.config.cleanupPolicy).toBe('delete');
        expect((await log.listTopics()).map((t) => t.name)).toContain(topic);
        expect(await log.offsets(topic)).toEqual([0, 1, 2].map((partition) => ({ partition, start: 0, end: 0 })));
      });

      it('refuses to re-create a topic with another partition count', async () => {
        const topic = await newTopic(2);
        await expect(log.createTopic({ name: topic, partitions: 4 })).rejects.toSatisfy((e) => isFastdataError(e, 'FD_TOPIC_EXISTS'));
      });

      it('refuses invalid topic names and partition counts', async () => {
        await expect(log.createTopic({ name: 'bad name!', partitions: 1 })).rejects.toSatisfy((e) => isFastdataError(e, 'FD_TOPIC_INVALID'));
        await expect(log.createTopic({ name: uniqueName('conf'), partitions: 0 })).rejects.toSatisfy((e) => isFastdataError(e, 'FD_TOPIC_INVALID'));
      });

      it('describes a compacted topic with its policy', async () => {
        const topic = await newTopic(1, { cleanupPolicy: 'compact' });
        expect((await log.describeTopic(topic))?.config.cleanupPolicy).toBe('compact');
      });

      it('deletes a topic', async () => {
        const topic = await newTopic(1);
        await log.deleteTopic(topic);
        await eventually(async () => (await log.describeTopic(topic)) === undefined || undefined);
        await expect(log.produce(topic, [{ value: 'x' }])).rejects.toSatisfy((e) => isFastdataError(e, 'FD_TOPIC_NOT_FOUND'));
      });

      it('answers an unknown topic with FD_TOPIC_NOT_FOUND', async () => {
        const topic = uniqueName('missing');
        expect(await log.describeTopic(topic)).toBeUndefined();
        await expect(log.produce(topic, [{ value: 'x' }])).rejects.toSatisfy((e) => isFastdataError(e, 'FD_TOPIC_NOT_FOUND'));
      });
    });

    describe('record batch size (max.message.bytes)', () => {
      const LIMIT = 16_384;
      const records = (n: number, tag: string) =>
        Array.from({ length: n }, (_, i) => ({ key: `${tag}-${i % 7}`, value: Buffer.alloc(200, i % 251), headers: { 'fastdata.epoch': String(i) } }));

      it('creates a topic with its max.message.bytes and describes it', async () => {
        const topic = await newTopic(1, { maxMessageBytes: LIMIT });
        expect((await log.describeTopic(topic))?.config.maxMessageBytes).toBe(LIMIT);
        const defaults = await newTopic(1);
        expect((await log.describeTopic(defaults))?.config.maxMessageBytes).toBe(KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
      });

      it('refuses a whole batch over the limit with FD_MESSAGE_TOO_LARGE and writes none of it, though each record is small', async () => {
        const topic = await newTopic(2, { maxMessageBytes: LIMIT });
        // 200 records of ~270 bytes over 2 partitions: at least 100 on one of them, ~27 KiB, over 16 KiB.
        const error = await log.produce(topic, records(200, 'a')).catch((e: unknown) => e);
        expect(isFastdataError(error, 'FD_MESSAGE_TOO_LARGE'), String(error)).toBe(true);
        expect((error as Error).message).toMatch(/max\.message\.bytes of 16384/);
        expect((await log.offsets(topic)).reduce((n, o) => n + o.end, 0)).toBe(0);
      });

      it('accepts every request splitIntoRequests cuts at the limit, in order, and refuses one record over it', async () => {
        const topic = await newTopic(1, { maxMessageBytes: LIMIT });
        const all = records(500, 'b');
        const requests = splitIntoRequests(topic, all, LIMIT);
        expect(requests.length).toBeGreaterThan(5);
        for (const request of requests) await log.produce(topic, request);
        const read = await readAll(log, topic);
        expect(read.map((r) => r.headers['fastdata.epoch']?.toString())).toEqual(all.map((r) => r.headers['fastdata.epoch']));
        expect(() => splitIntoRequests(topic, [{ key: 'k', value: Buffer.alloc(LIMIT) }], LIMIT)).toThrow(/record 0 .* over the topic's max\.message\.bytes of 16384/);
      });
    });

    describe('produce and read', () => {
      it('returns offsets in input order, increasing per partition', async () => {
        const topic = await newTopic(1);
        const first = await log.produce(topic, [{ value: 'a' }, { value: 'b' }]);
        const second = await log.produce(topic, [{ value: 'c' }]);
        expect([...first, ...second].map((m) => m.offset)).toEqual([0, 1, 2]);
        expect((await log.offsets(topic))[0]).toEqual({ partition: 0, start: 0, end: 3 });
      });

      it('places a key on the partition Kafka’s murmur2 partitioner picks, always the same one', async () => {
        const topic = await newTopic(6);
        const keys = Array.from({ length: 60 }, (_, i) => `sensor-${i}`);
        const meta = await log.produce(topic, keys.map((key) => ({ key, value: 'v' })));
        meta.forEach((m, i) => expect(m.partition).toBe(partitionForKey(Buffer.from(keys[i]!), 6)));
        const again = await log.produce(topic, keys.map((key) => ({ key, value: 'v2' })));
        again.forEach((m, i) => expect(m.partition).toBe(meta[i]!.partition));
      });

      it('keys a record by the UTF-8 bytes of a string key, whether ASCII, not, empty or long', async () => {
        const topic = await newTopic(6);
        const keys = ['sensor-7', 'capteur-été', '温度', '', 'x'.repeat(300), 'a\u0000b'];
        const meta = await log.produce(topic, keys.map((key) => ({ key, value: 'v' })));
        meta.forEach((m, i) => expect(m.partition).toBe(partitionForKey(Buffer.from(keys[i]!), 6)));
        const records = await readAll(log, topic);
        expect(records.map((r) => r.key!.toString('hex')).sort()).toEqual(keys.map((k) => Buffer.from(k).toString('hex')).sort());
        expect(records.find((r) => r.key!.length === 0)).toBeDefined();
      });

      it('honours an explicit partition and refuses one that does not exist', async () => {
        const topic = await newTopic(3);
        const [meta] = await log.produce(topic, [{ key: 'k', value: 'v', partition: 2 }]);
        expect(meta!.partition).toBe(2);
        await expect(log.produce(topic, [{ value: 'v', partition: 3 }])).rejects.toSatisfy((e) => isFastdataError(e, 'FD_PARTITION_INVALID'));
      });

      it('keeps key, value, headers and timestamp, in order per partition', async () => {
        const topic = await newTopic(2);
        const input = Array.from({ length: 200 }, (_, i) => ({
          key: `k${i % 7}`,
          value: `v${i}`,
          headers: { seq: String(i), bin: Buffer.from([0, 1, 255]) },
          timestamp: 1_700_000_000_000 + i,
        }));
        await log.produce(topic, input);
        const records = await readAll(log, topic);
        expect(records).toHaveLength(200);
        for (const p of [0, 1]) {
          const seqs = records.filter((r) => r.partition === p).map((r) => Number(text(r.headers.seq!)));
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
          expect(offsets).toEqual(offsets.map((_, i) => i));
        }
        const r = records.find((x) => text(x.value) === 'v42')!;
        expect(text(r.key)).toBe('k0');
        expect(r.timestamp).toBe(1_700_000_000_042);
        expect([...r.headers.bin!]).toEqual([0, 1, 255]);
      });

      it('gives each record its own headers when records share a headers object or have none', async () => {
        const topic = await newTopic(1);
        const shared = { origin: 'a' };
        await log.produce(topic, [
          { value: '1', headers: shared },
          { value: '2', headers: shared },
          { value: '3', headers: { origin: 'b', extra: 'x' } },
          { value: '4' },
          { value: '5', headers: shared },
        ]);
        const records = await readAll(log, topic);
        expect(records.map((r) => Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, text(v)])))).toEqual([
          { origin: 'a' },
          { origin: 'a' },
          { origin: 'b', extra: 'x' },
          {},
          { origin: 'a' },
        ]);
      });

      it('keeps empty values apart from null keys and values', async () => {
        const topic = await newTopic(1);
        await log.produce(topic, [{ value: '' }, { key: '', value: 'x' }, { key: null, value: 'y' }]);
        const records = await readAll(log, topic);
        expect(records.map((r) => [text(r.key), text(r.value)])).toEqual([
          [null, ''],
          ['', 'x'],
          [null, 'y'],
        ]);
      });

      it('reads from given offsets, from the latest, and from a time', async () => {
        const topic = await newTopic(1);
        await log.produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: 1_000_000 + i * 1000 })));
        const fromOffset: string[] = [];
        const reader = log.reader({ topic, from: { 0: 7 }, stopAtEnd: true });
        for await (const batch of reader) fromOffset.push(...batch.records.map((r) => text(r.value)!));
        expect(fromOffset).toEqual(['v7', 'v8', 'v9']);

        expect(await log.offsetsForTime(topic, 1_004_500)).toEqual([{ topic, partition: 0, offset: 5 }]);
        expect(await log.offsetsForTime(topic, 2_000_000)).toEqual([{ topic, partition: 0, offset: 10 }]);
        const timed: string[] = [];
        const timedReader = log.reader({ topic, from: { timestamp: 1_008_000 }, stopAtEnd: true });
        for await (const batch of timedReader) timed.push(...batch.records.map((r) => text(r.value)!));
        expect(timed).toEqual(['v8', 'v9']);

        const latest = log.reader({ topic, from: 'latest' });
        await latest.ready();
        const iterator = latest[Symbol.asyncIterator]();
        const next = iterator.next();
        await log.produce(topic, [{ value: 'after' }]);
        const { value } = await next;
        expect(value.records.map((r: LogRecord) => text(r.value))).toEqual(['after']);
        await latest.close();
      });

      it('wakes a waiting reader as soon as records arrive', async () => {
        const topic = await newTopic(1);
        const reader = log.reader({ topic, from: 'earliest' });
        const iterator = reader[Symbol.asyncIterator]();
        const pending = iterator.next();
        await log.produce(topic, [{ value: 'late arrival' }]);
        const { value } = await pending;
        expect(text(value.records[0].value)).toBe('late arrival');
        await reader.close();
      });
    });

    describe('consumer groups', () => {
      it('delivers every record once to a lone member and keeps committed offsets', async () => {
        const topic = await newTopic(3);
        const groupId = uniqueName('group');
        await log.produce(topic, Array.from({ length: 90 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
        const c = collectingConsumer(log, groupId, [topic], {
          eachBatch: async (batch) => {
            await c.consumer.commit([{ topic, partition: batch.partition, offset: batch.records[batch.records.length - 1]!.offset + 1 }]);
          },
        });
        await c.started;
        await eventually(() => c.received.length === 90);
        expect(c.assigned[0]!.map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
        await eventually(async () => (await log.committed(groupId, topic)).reduce((n, o) => n + o.offset, 0) === 90);
        await c.consumer.stop();

        // A new member of the same group resumes after the committed offsets.
        await log.produce(topic, [{ key: 'k-new', value: 'new' }]);
        const next = collectingConsumer(log, groupId, [topic]);
        await next.started;
        await eventually(() => next.received.length === 1);
        expect(text(next.received[0]!.value)).toBe('new');
        await next.consumer.stop();
        expect(new Set(c.received.map((r) => text(r.value))).size).toBe(90);
      });

      it('brings a member to the end of a transactional partition, past its commit and abort markers', async (context) => {
        if (!log.transactionalProducer) return context.skip(); // the embedded log has no transactions
        const topic = await newTopic(1);
        const producer = await log.transactionalProducer(uniqueName('tx'));
        try {
          const committed = await producer.begin();
          await committed.produce(topic, [{ key: 'a', value: 'kept-1' }, { key: 'b', value: 'kept-2' }]);
          await committed.commit();
          const aborted = await producer.begin();
          await aborted.produce(topic, [{ key: 'c', value: 'dropped' }]);
          await aborted.abort();
        } finally {
          await producer.close();
        }
        // kept-1, kept-2, a commit marker, the aborted record, an abort marker. The broker
        // writes a transaction's markers after the call that ends it answers: wait for them.
        const end = 5;
        await eventually(async () => (await log.offsets(topic))[0]!.end === end);
        let reached = 0;
        const c = collectingConsumer(log, uniqueName('group'), [topic], {
          eachBatch: async (batch) => {
            const last = batch.records.length > 0 ? batch.records[batch.records.length - 1]!.offset + 1 : 0;
            reached = Math.max(reached, batch.nextOffset ?? last);
          },
        });
        await c.started;
        await eventually(() => reached === end);
        expect(c.received.map((r) => text(r.value))).toEqual(['kept-1', 'kept-2']);
        await c.consumer.stop();
      });

      it('fences the older producer when a transactional id is opened again, whose transaction then fails', async (context) => {
        if (!log.transactionalProducer) return context.skip(); // the embedded log has no transactions
        const topic = await newTopic(1);
        const id = uniqueName('tx');
        // The id used before, as a task's always is once the task moves to another worker.
        const older = await log.transactionalProducer(id);
        const first = await older.begin();
        await first.produce(topic, [{ value: 'first' }]);
        await first.commit();
        const zombie = await older.begin();
        await zombie.produce(topic, [{ value: 'zombie' }]);
        const newer = await log.transactionalProducer(id);
        try {
          // Said as such, not as a broker to check.
          await expect(zombie.commit()).rejects.toThrow(/fenced: another one has opened its transactional id/);
          const second = await newer.begin();
          await second.produce(topic, [{ value: 'second' }]);
          await second.commit();
        } finally {
          await older.close().catch(() => undefined);
          await newer.close();
        }
        expect((await readAll(log, topic)).map((r) => text(r.value))).toEqual(['first', 'second']);
      });

      it('starts a new group at the earliest or the latest offset, as asked', async () => {
        const topic = await newTopic(1);
        await log.produce(topic, [{ value: 'old' }]);
        const earliest = collectingConsumer(log, uniqueName('group'), [topic]);
        await earliest.started;
        await eventually(() => earliest.received.length === 1);

        const latestGroup = uniqueName('group');
        const received: string[] = [];
        const latest = log.consumer({ groupId: latestGroup, topics: [topic], start: 'latest', maxWaitMs: 100 });
        await latest.run({ eachBatch: async (b) => void received.push(...b.records.map((r) => text(r.value)!)) });
        await eventually(() => latest.assignment().length === 1);
        await log.produce(topic, [{ value: 'new' }]);
        await eventually(() => received.length === 1);
        expect(received).toEqual(['new']);
        await Promise.all([earliest.consumer.stop(), latest.stop()]);
      });

      it('splits co-partitioned topics between members, partition p of each to the same member, and rebalances when one leaves', async () => {
        const a = await newTopic(4);
        const b = await newTopic(4);
        const groupId = uniqueName('group');
        const first = collectingConsumer(log, groupId, [a, b]);
        await first.started;
        const second = collectingConsumer(log, groupId, [a, b]);
        await second.started;
        await eventually(() => first.consumer.assignment().length === 4 && second.consumer.assignment().length === 4);
        for (const member of [first, second]) {
          const tps = member.consumer.assignment();
          const ofA = tps.filter((tp) => tp.topic === a).map((tp) => tp.partition).sort();
          const ofB = tps.filter((tp) => tp.topic === b).map((tp) => tp.partition).sort();
          expect(ofA).toEqual(ofB);
        }
        expect(first.revoked.length).toBeGreaterThan(0); // the first member gave partitions up

        await log.produce(a, Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })));
        await eventually(() => first.received.length + second.received.length === 40);

        await second.consumer.stop();
        await eventually(() => first.consumer.assignment().length === 8);
        await log.produce(b, Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `b${i}` })));
        await eventually(() => first.received.filter((r) => r.topic === b).length === 40);
        await first.consumer.stop();
      });

      it('keeps what a member commits in onRevoked, its last chance before the partitions move', async () => {
        const topic = await newTopic(1);
        const groupId = uniqueName('group');
        await log.produce(topic, [{ value: 'a' }, { value: 'b' }]);
        let seen = 0;
        const first: GroupConsumer = log.consumer({ groupId, topics: [topic], maxWaitMs: 100 });
        await first.run({
          eachBatch: async (b) => void (seen += b.records.length),
          onRevoked: async (tps, info) => {
            expect(info.owned).toBe(true);
            await first.commit(tps.map((tp) => ({ ...tp, offset: 2 })));
          },
        });
        await eventually(() => seen === 2);
        await first.stop();
        expect(await log.committed(groupId, topic)).toEqual([{ topic, partition: 0, offset: 2 }]);
      });

      it('says in onRevoked whether the member still owns what a rebalance takes, and honours that for its commits', async () => {
        const topic = await newTopic(2);
        const groupId = uniqueName('group');
        await log.produce(topic, [{ value: 'x', partition: 0 }, { value: 'y', partition: 1 }]);
        const outcomes: { owned: boolean; committed: boolean }[] = [];
        const first = collectingConsumer(log, groupId, [topic], {
          onRevoked: async (tps, info) => {
            const committed = await first.consumer.commit(tps.map((tp) => ({ ...tp, offset: 1 }))).then(
              () => true,
              (error) => (isFastdataError(error, 'FD_GROUP_REBALANCING') ? false : Promise.reject(error)),
            );
            outcomes.push({ owned: info.owned, committed });
          },
        });
        await first.started;
        await eventually(() => first.received.length === 2);
        const second = collectingConsumer(log, groupId, [topic]);
        await second.started;
        await eventually(() => outcomes.length === 1 && second.consumer.assignment().length === 1);
        // Owned: the commit counts. Not owned (moved already): it is refused, never lost silently.
        expect(outcomes[0]!.committed).toBe(outcomes[0]!.owned);
        await Promise.all([first.consumer.stop(), second.consumer.stop()]);
      });

      it('refuses a commit for a partition the member does not own', async () => {
        const topic = await newTopic(1);
        const other = await newTopic(1);
        const c = collectingConsumer(log, uniqueName('group'), [topic]);
        await c.started;
        await eventually(() => c.consumer.assignment().length === 1);
        await expect(c.consumer.commit([{ topic: other, partition: 0, offset: 1 }])).rejects.toSatisfy((e) => isFastdataError(e, 'FD_GROUP_REBALANCING'));
        await c.consumer.stop();
      });

      it('tells a group’s members, and deletes a group with its commits only while it has none', async () => {
        const topic = await newTopic(1);
        await log.produce(topic, [{ value: 'a' }, { value: 'b' }]);
        const groupId = uniqueName('conf-delete');
        const c = collectingConsumer(log, groupId, [topic], {
          eachBatch: async (batch) => {
            await c.consumer.commit([{ topic, partition: 0, offset: batch.records[batch.records.length - 1]!.offset + 1 }]);
          },
        });
        await c.started;
        await eventually(async () => ((await log.committed(groupId, topic))[0]?.offset === 2) || undefined);
        expect(await log.groupMembers(groupId)).toHaveLength(1);
        await expect(log.deleteGroup(groupId)).rejects.toSatisfy((e) => isFastdataError(e, 'FD_GROUP_ACTIVE'));
        expect(await log.committed(groupId, topic)).toEqual([{ topic, partition: 0, offset: 2 }]);
        await c.consumer.stop();
        await eventually(async () => (await log.groupMembers(groupId)).length === 0 || undefined);
        await log.deleteGroup(groupId);
        expect(await log.committed(groupId, topic)).toEqual([]);
        // A group that never existed (or is gone already): nothing to do.
        await log.deleteGroup(uniqueName('conf-never'));
      });

      it('redelivers uncommitted records to the next member', async () => {
        const topic = await newTopic(1);
        const groupId = uniqueName('group');
        await log.produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })));
        const c = collectingConsumer(log, groupId, [topic], {
          eachBatch: async (batch) => {
            const fifth = batch.records.find((r) => text(r.value) === 'v4');
            if (fifth) await c.consumer.commit([{ topic, partition: 0, offset: fifth.offset + 1 }]);
          },
        });
        await c.started;
        await eventually(() => c.received.length === 10);
        await c.consumer.stop();
        const again = collectingConsumer(log, groupId, [topic]);
        await again.started;
        await eventually(() => again.received.length === 5);
        expect(again.received.map((r) => text(r.value))).toEqual(['v5', 'v6', 'v7', 'v8', 'v9']);
        await again.consumer.stop();
      });
    });

    describe('compaction and retention', () => {
      it('refuses a record without a key on a compacted topic', async () => {
        const topic = await newTopic(1, { cleanupPolicy: 'compact' });
        await expect(log.produce(topic, [{ value: 'no key' }])).rejects.toSatisfy((e) => isFastdataError(e, 'FD_RECORD_INVALID'));
      });

      it('keeps the latest value of every key of a compacted topic, and the offsets of what it keeps', { timeout: maintenanceTimeoutMs + 30_000 }, async () => {
        const topic = await newTopic(1, { cleanupPolicy: 'compact', segmentMs: 100, deleteRetentionMs: 0, minCleanableDirtyRatio: 0.01 });
        const keys = ['a', 'b', 'c', 'd'];
        let round = 0;
        const writeRound = async () => {
          round++;
          await log.produce(topic, keys.map((key) => ({ key, value: `${key}${round}` })));
          await new Promise((r) => setTimeout(r, 120)); // past segmentMs, so the next append rolls
        };
        for (let i = 0; i < 5; i++) await writeRound();
        await log.produce(topic, [{ key: 'd', value: null }]); // a tombstone deletes d
        await new Promise((r) => setTimeout(r, 120));
        await log.produce(topic, [{ key: 'z', value: 'filler' }]); // closes the segment holding the tombstone
        const endBefore = (await log.offsets(topic))[0]!.end;
        expect(endBefore).toBe(22);
        const before = await readAll(log, topic); // a broker's cleaner may have run already
        const latestOffset = new Map(before.map((r) => [text(r.key), r.offset]));

        await eventually(
          async () => {
            await subject.maintenance?.();
            const after = await readAll(log, topic);
            const keysLeft = after.map((r) => text(r.key));
            expect(new Set(keysLeft).size).toBe(keysLeft.length);
            return true;
          },
          { timeoutMs: maintenanceTimeoutMs, intervalMs: 250 },
        );
        const after = await readAll(log, topic);
        const live = after.filter((r) => r.value !== null);
        expect(Object.fromEntries(live.map((r) => [text(r.key), text(r.value)]))).toEqual({ a: 'a5', b: 'b5', c: 'c5', z: 'filler' });
        // A deleted key is gone, or still there as its tombstone only: Kafka drops a tombstone
        // on a later cleaning pass (after delete.retention.ms), which needs new dirty data.
        expect(after.filter((r) => r.value === null).every((r) => text(r.key) === 'd')).toBe(true);
        for (const r of after) expect(r.offset).toBe(latestOffset.get(text(r.key)));
        // The end offset never moves back.
        expect((await log.offsets(topic))[0]!.end).toBe(endBefore);
      });

      it('drops the oldest segments past the retention size, and readers start at the new log start', { timeout: maintenanceTimeoutMs + 30_000 }, async () => {
        const topic = await newTopic(1, { retentionBytes: 1, segmentMs: 100 });
        for (let i = 0; i < 4; i++) {
          await log.produce(topic, [{ value: `v${i}` }]);
          await new Promise((r) => setTimeout(r, 120));
        }
        await log.produce(topic, [{ value: 'last' }]);
        await eventually(
          async () => {
            await subject.maintenance?.();
            return (await log.offsets(topic))[0]!.start === 4;
          },
          { timeoutMs: maintenanceTimeoutMs, intervalMs: 250 },
        );
        expect((await readAll(log, topic)).map((r) => text(r.value))).toEqual(['last']);
      });
    });
  });
}
