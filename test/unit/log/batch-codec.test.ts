import { describe, expect, it } from 'vitest';
import { decodeBatchRecords, encodeBatch, readBatch } from '../../../src/log/embedded/batch-codec.js';
import type { LogRecord } from '../../../src/log/types.js';

describe('batch codec', () => {
  const records = [
    { offset: 2 ** 50, timestamp: 1_700_000_000_000, key: Buffer.from('k'), value: Buffer.alloc(300, 7), headers: [[Buffer.from('h'), Buffer.from('v')] as const] },
    { offset: 2 ** 50 + 5, timestamp: 1_699_999_999_000, key: null, value: null, headers: null },
    { offset: 2 ** 50 + 6, timestamp: 1_700_000_100_000, key: Buffer.alloc(0), value: Buffer.alloc(0), headers: null },
  ];

  it('round-trips offsets with gaps, out-of-order timestamps, nulls, empties and headers', () => {
    const batch = encodeBatch(records);
    const header = readBatch(batch, 0);
    if (typeof header === 'string') throw new Error(header);
    expect(header).toMatchObject({ size: batch.length, baseOffset: 2 ** 50, lastOffset: 2 ** 50 + 6, count: 3, maxTimestamp: 1_700_000_100_000 });
    const out: LogRecord[] = [];
    decodeBatchRecords(batch, 0, header, 't', 0, 0, out, 10);
    expect(out.map((r) => [r.offset, r.timestamp, r.key?.length ?? null, r.value?.length ?? null])).toEqual([
      [2 ** 50, 1_700_000_000_000, 1, 300],
      [2 ** 50 + 5, 1_699_999_999_000, null, null],
      [2 ** 50 + 6, 1_700_000_100_000, 0, 0],
    ]);
    expect(out[0]!.headers.h!.toString()).toBe('v');
  });

  it('gives the records of an append consecutive offsets from the first', () => {
    const appended = records.map(({ offset: _, ...r }) => r);
    const batch = encodeBatch(appended, 41);
    const header = readBatch(batch, 0) as Exclude<ReturnType<typeof readBatch>, string>;
    expect(header).toMatchObject({ baseOffset: 41, lastOffset: 43, count: 3 });
    const out: LogRecord[] = [];
    decodeBatchRecords(batch, 0, header, 't', 0, 0, out, 10);
    expect(out.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.length ?? null])).toEqual([
      [41, 1_700_000_000_000, 'k', 300],
      [42, 1_699_999_999_000, null, null],
      [43, 1_700_000_100_000, '', 0],
    ]);
    expect(out[0]!.headers.h!.toString()).toBe('v');
  });

  it('skips records before the asked offset and stops at the limit', () => {
    const batch = encodeBatch(records);
    const header = readBatch(batch, 0) as Exclude<ReturnType<typeof readBatch>, string>;
    const out: LogRecord[] = [];
    expect(decodeBatchRecords(batch, 0, header, 't', 0, 2 ** 50 + 1, out, 1)).toBe(1);
    expect(out[0]!.offset).toBe(2 ** 50 + 5);
  });

  it('tells a torn batch from a corrupt one', () => {
    const batch = encodeBatch(records);
    expect(readBatch(batch.subarray(0, batch.length - 1), 0)).toBe('incomplete');
    expect(readBatch(batch.subarray(0, 10), 0)).toBe('incomplete');
    const flipped = Buffer.from(batch);
    flipped[flipped.length - 1]! ^= 0xff;
    expect(readBatch(flipped, 0)).toBe('corrupt');
  });
});
