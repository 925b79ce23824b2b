/**
 * fastdata's kafkajs (src/log/kafka/client.ts) groups a send's messages by partition in
 * linear time: the same groups, in the same order, as kafkajs's own quadratic grouping,
 * and kafkajs's producer uses it when fastdata loads kafkajs first (checked in a fresh Node
 * process, whose module cache no other test file has touched).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition } from '../../../src/log/kafka/client.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

describe("fastdata's kafkajs", () => {
  it('groups messages by the partition the partitioner gives, each group in send order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(fc.nat({ max: 1_000 }), { maxLength: 300 }), (partitions, keys) => {
        const messages = keys.map((key, i) => ({ key, i }));
        const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionId: p }));
        const partitioner = ({ message }: { message: { key: number } }) => message.key % Math.max(1, partitions);
        // Ground truth: one pass per partition, in order.
        const expected: Record<number, { key: number; i: number }[]> = {};
        if (partitions > 0) {
          for (let p = 0; p < partitions; p++) {
            const group = messages.filter((m) => m.key % partitions === p);
            if (group.length > 0) expected[p] = group;
          }
        }
        expect(groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner })).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  const inFreshNode = (script: string) => execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' }).trim();

  it("is what kafkajs's producer calls when fastdata loads kafkajs, and says so when something loaded kafkajs before", () => {
    const probe = (first: string) => `
      import { createRequire } from 'node:module';
      ${first}
      const client = await import('./dist/log/kafka/client.js');
      const require = createRequire(process.cwd() + '/');
      // kafkajs is loaded: its producer required the grouping that is now in the cache.
      const loaded = require.cache[require.resolve('kafkajs/src/producer/sendMessages.js')] !== undefined;
      const used = require.cache[require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js')].exports === client.groupMessagesPerPartition;
      console.log(JSON.stringify({ loaded, used, linear: client.groupingIsLinear }));`;
    expect(JSON.parse(inFreshNode(probe('')))).toEqual({ loaded: true, used: true, linear: true });
    expect(JSON.parse(inFreshNode(probe("await import('kafkajs');")))).toEqual({ loaded: true, used: false, linear: false });
  });
});
