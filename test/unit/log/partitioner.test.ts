import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, partitionForStringKey } from '../../../src/log/partitioner.js';

describe('murmur2 partitioner', () => {
  it('hashes exactly as Kafka’s Java Utils.murmur2', () => {
    // Vectors computed with org.apache.kafka.common.utils.Utils.murmur2 (as quoted by Akka's Murmur2Spec).
    const vectors: [string, number][] = [
      ['1', -1993445489],
      ['12', 126087238],
      ['123', -267702483],
      ['1234', -1614185708],
      ['12345', -1188365604],
    ];
    for (const [input, hash] of vectors) expect(murmur2(Buffer.from(input))).toBe(hash);
  });

  it('picks the same partition as kafkajs’s Java-compatible default partitioner', () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 4, 12, 50]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      for (let i = 0; i < 500; i++) {
        const key = randomBytes(1 + (i % 40));
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(partitionForKey(key, partitions)).toBe(expected);
      }
    }
  });
});

describe('partitionForStringKey', () => {
  it('places a string key as its UTF-8 bytes would be placed: ASCII, not, empty and long', () => {
    const keys = ['sensor-001', '', 'ä-sensor', '温度计', 'x'.repeat(300), `${'y'.repeat(300)}é`];
    for (const key of keys) for (const n of [1, 2, 4, 7, 64]) expect(partitionForStringKey(key, n), `${key.slice(0, 12)} / ${n}`).toBe(partitionForKey(Buffer.from(key), n));
  });
});
