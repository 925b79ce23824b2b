/**
 * The processor host against a feed that misbehaves as real ones do: kafkajs delivers a
 * partition's records again from the last commit after its member rejoined the group with
 * the same partitions (the task, and its state, stay). Each record reaches the task once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import type { Batch, ConsumerHandlers, GroupConsumer, LogRecord, TopicPartition, TopicPartitionOffset } from '../../../src/log/types.js';
import { ProcessorHost } from '../../../src/stream/host/processor-host.js';
import type { HostedTask } from '../../../src/stream/host/processor.js';
import { ManualClock } from '../../../src/time/clock.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A feed the test drives by hand: it assigns partition 0 of `in`, then delivers what it is given. */
class HandFeed implements GroupConsumer {
  readonly groupId = 'hand';
  handlers!: ConsumerHandlers;
  readonly commits: TopicPartitionOffset[][] = [];
  async run(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    await handlers.onAssigned?.([{ topic: 'in', partition: 0 }]);
  }
  deliver(from: number, to: number): Promise<void> {
    const records: LogRecord[] = [];
    for (let offset = from; offset < to; offset++) records.push({ topic: 'in', partition: 0, offset, timestamp: offset, key: null, value: Buffer.from(JSON.stringify(offset)), headers: {} });
    const batch: Batch = { topic: 'in', partition: 0, records, highWatermark: to };
    return this.handlers.eachBatch(batch);
  }
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    this.commits.push(offsets);
  }
  seek(): void {}
  assignment(): TopicPartition[] {
    return [{ topic: 'in', partition: 0 }];
  }
  async stop(): Promise<void> {
    await this.handlers.onRevoked?.(this.assignment(), { owned: true });
  }
}

describe('processor host', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  beforeEach(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(dir.path, { fsync: 'never' });
    await log.createTopic({ name: 'in', partitions: 1 });
  });
  afterEach(async () => {
    await log.close();
    await dir.remove();
  });

  it('hands each record to its task once, when the feed delivers records again from the last commit', async () => {
    const seen: number[] = [];
    const feed = new HandFeed();
    const task: HostedTask = { process: (value) => void seen.push(value as number), stop: () => {} };
    const host = new ProcessorHost({
      name: 'counting',
      log,
      decode: (bytes) => JSON.parse(bytes.toString()) as unknown,
      feed,
      createTask: () => task,
      commitInterval: 60_000,
      clock: new ManualClock(0),
    });
    await host.start();
    await feed.deliver(0, 5);
    await feed.deliver(5, 8);
    // The member rejoined: the feed starts again at the last commit (none), the task is the same.
    await feed.deliver(0, 10);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(host.positions()).toEqual([{ topic: 'in', partition: 0, offset: 10 }]);
    await host.stop();
    expect(feed.commits.at(-1)).toEqual([{ topic: 'in', partition: 0, offset: 10 }]);
  });
});
