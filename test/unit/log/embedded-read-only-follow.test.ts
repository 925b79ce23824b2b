/**
 * A read-only view following a writer on every partition, as `fastdata tail` follows
 * `fastdata dev` (issue 17: once live, tail printed partition 0 only, 6 of 20 sensors per
 * window). The writer and the view are two EmbeddedLog instances on one data dir, as the
 * two processes are; the writer's produce results are the ground truth, counted per
 * partition, and the view must read every record of every partition, in offset order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import type { Reader } from '../../../src/log/types.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const PARTITIONS = 4;

interface Seen {
  offsets: number[][];
  done: Promise<void>;
}

/** Collects what a reader delivers, per partition. */
function follow(reader: Reader): Seen {
  const offsets = Array.from({ length: PARTITIONS }, () => [] as number[]);
  const done = (async () => {
    for await (const batch of reader) offsets[batch.partition]!.push(...batch.records.map((r) => r.offset));
  })();
  return { offsets, done };
}

describe('a read-only view follows a writer on every partition', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let writer: EmbeddedLog;
  let viewer: EmbeddedLog;

  beforeEach(async () => {
    dir = await tempDir();
    writer = await EmbeddedLog.open(dir.path, { fsync: 'never' });
    await writer.createTopic({ name: 'stats', partitions: PARTITIONS });
    viewer = await EmbeddedLog.open(dir.path, { readOnly: true });
  });
  afterEach(async () => {
    await viewer.close();
    await writer.close();
    await dir.remove();
  });

  /** Writes `rounds` rounds of one record per partition, each after the view has caught up with the last. */
  async function writeRounds(seen: Seen, rounds: number, from: number[]): Promise<number[][]> {
    const written = from.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      const metadata = await writer.produce(
        'stats',
        Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, key: `k${p}`, value: `round ${round}` })),
      );
      for (const m of metadata) written[m.partition]!.push(m.offset);
      // The view is live (waiting for records) when the next round comes: what tail does.
      const expected = written.map((offsets, p) => [...Array.from({ length: from[p]! }, (_, i) => i), ...offsets]);
      await eventually(() => {
        expect(seen.offsets).toEqual(expected);
        return true;
      }, { timeoutMs: 5_000 });
    }
    return written;
  }

  it('reads every partition once live, from the latest offsets', async () => {
    const reader = viewer.reader({ topic: 'stats', from: 'latest' });
    const seen = follow(reader);
    // Offsets start at 0 on every partition, and nothing precedes the view's start.
    const written = await writeRounds(seen, 5, [0, 0, 0, 0]);
    expect(written.map((w) => w.length)).toEqual([5, 5, 5, 5]);
    await reader.close();
    await seen.done;
  });

  it('reads the history and then every partition live, from the earliest offsets', async () => {
    const history = await writer.produce('stats', Array.from({ length: 40 }, (_, i) => ({ key: `sensor-${i % 20}`, value: `h${i}` })));
    const before = Array.from({ length: PARTITIONS }, (_, p) => history.filter((m) => m.partition === p).length);
    expect(before.filter((n) => n > 0).length).toBeGreaterThan(1); // the keys spread over partitions
    const reader = viewer.reader({ topic: 'stats', from: 'earliest' });
    const seen = follow(reader);
    await writeRounds(seen, 5, before);
    await reader.close();
    await seen.done;
  });

  it('reads a partition live that is not the first one, when followed alone', async () => {
    const reader = viewer.reader({ topic: 'stats', from: 'latest', partitions: [2] });
    const offsets: number[] = [];
    const done = (async () => {
      for await (const batch of reader) offsets.push(...batch.records.map((r) => r.offset));
    })();
    for (let round = 0; round < 3; round++) {
      await writer.produce('stats', [{ partition: 2, key: 'k', value: `v${round}` }]);
      await eventually(() => offsets.length === round + 1, { timeoutMs: 5_000 });
    }
    expect(offsets).toEqual([0, 1, 2]);
    await reader.close();
    await done;
  });
});
