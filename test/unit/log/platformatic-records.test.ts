/**
 * How the platformatic driver turns fetched record batches into the Log's records
 * (src/log/platformatic/records.ts): control batches never delivered but counted in the next
 * offset, and read_committed's filtering of aborted transactions, including when a response
 * ends before the abort marker (the library's own filter keeps those records).
 */
import type { KafkaRecord, RecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { decodeBatches } from '../../../src/log/platformatic/records.js';

const TRANSACTIONAL = 1 << 4;
const CONTROL = 1 << 5;

function record(offsetDelta: number, value: string | null, headers: [string, string][] = []): KafkaRecord {
  return {
    length: 0,
    attributes: 0,
    timestampDelta: BigInt(offsetDelta * 10),
    offsetDelta,
    key: Buffer.from(`k${offsetDelta}`),
    value: value === null ? null : Buffer.from(value),
    headers: headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)]),
  };
}

function batch(firstOffset: number, values: (string | null)[], options: { producerId?: number; attributes?: number } = {}): RecordsBatch {
  return {
    firstOffset: BigInt(firstOffset),
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes: options.attributes ?? 0,
    lastOffsetDelta: values.length - 1,
    firstTimestamp: 1_000n,
    maxTimestamp: 1_000n,
    producerId: BigInt(options.producerId ?? -1),
    producerEpoch: 0,
    firstSequence: 0,
    records: values.map((v, i) => record(i, v)),
  };
}

/** A transaction marker: one control record whose key is (version 0, type 0 abort | 1 commit). */
function marker(offset: number, producerId: number, type: 0 | 1): RecordsBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  const b = batch(offset, ['marker'], { producerId, attributes: TRANSACTIONAL | CONTROL });
  b.records[0]!.key = key;
  return b;
}

const values = (records: { value: Buffer | null }[]) => records.map((r) => r.value?.toString() ?? null);

describe('platformatic driver: record batches as Log records', () => {
  it('gives offsets, timestamps, keys and headers per record, from the offset asked for on', () => {
    const first = batch(10, ['a', 'b', 'c']);
    first.records[1]!.headers = [[Buffer.from('h'), Buffer.from('1')]];
    const decoded = decodeBatches('t', 3, [first], 11);
    expect(decoded.records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.partition, r.topic])).toEqual([
      [11, 1_010, 'k1', 3, 't'],
      [12, 1_020, 'k2', 3, 't'],
    ]);
    expect(decoded.records[0]!.headers.h?.toString()).toBe('1');
    expect(decoded.nextOffset).toBe(13);
  });

  it('delivers no transaction marker, yet counts it in the next offset', () => {
    const decoded = decodeBatches('t', 0, [batch(0, ['a', 'b'], { producerId: 7, attributes: TRANSACTIONAL }), marker(2, 7, 1)], 0);
    expect(values(decoded.records)).toEqual(['a', 'b']);
    expect(decoded.nextOffset).toBe(3);
  });

  it('drops an aborted transaction up to its abort marker and keeps what another producer committed between', () => {
    const batches = [
      batch(0, ['x1', 'x2'], { producerId: 7, attributes: TRANSACTIONAL }),
      batch(2, ['y1'], { producerId: 8, attributes: TRANSACTIONAL }),
      marker(3, 7, 0),
      marker(4, 8, 1),
      batch(5, ['x3'], { producerId: 7, attributes: TRANSACTIONAL }),
    ];
    const decoded = decodeBatches('t', 0, batches, 0, [{ producerId: 7n, firstOffset: 0n }]);
    // Producer 7's next transaction (offset 5) is not the aborted one.
    expect(values(decoded.records)).toEqual(['y1', 'x3']);
    expect(decoded.nextOffset).toBe(6);
  });

  it('drops an aborted transaction whose marker is beyond the end of the response', () => {
    const batches = [batch(0, ['ok']), batch(1, ['gone1', 'gone2'], { producerId: 9, attributes: TRANSACTIONAL })];
    const decoded = decodeBatches('t', 0, batches, 0, [{ producerId: 9n, firstOffset: 1n }]);
    expect(values(decoded.records)).toEqual(['ok']);
    expect(decoded.nextOffset).toBe(3);
  });

  it('keeps everything when read uncommitted (no aborted list)', () => {
    const decoded = decodeBatches('t', 0, [batch(0, ['a', null], { producerId: 9, attributes: TRANSACTIONAL }), marker(2, 9, 0)], 0);
    expect(values(decoded.records)).toEqual(['a', null]);
  });
});
