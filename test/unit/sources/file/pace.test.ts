import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import { paceByEventTime, parseSpeed, type PacedBatch } from '../../../../src/sources/file/pace.js';
import type { FileBatch, FilePosition } from '../../../../src/sources/file/position.js';
import type { SourceRecord } from '../../../../src/sources/source-record.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

const at = (t: number): SourceRecord => ({ value: { t }, where: `t ${t - T0}`, raw: Buffer.alloc(0) });
const untimed: SourceRecord = { error: 'bad', where: 'line 9', raw: Buffer.alloc(0) };
const position = (records: number): FilePosition => ({ kind: 'parquet', rows: records, size: 1 });

async function* batchesOf(...batches: FileBatch[]): AsyncGenerator<FileBatch> {
  yield* batches;
}

/** A clock that moves only by the pacing's sleeps (and by `advance`). */
function fakeClock(start = 5_000) {
  const clock = {
    now: start,
    sleeps: [] as number[],
    advance: (ms: number) => {
      clock.now += ms;
    },
    options: {
      now: () => clock.now,
      sleep: async (ms: number) => {
        clock.sleeps.push(ms);
        clock.now += ms;
      },
    },
  };
  return clock;
}

const timeOf = (value: unknown) => (value as { t?: number }).t;

describe('paceByEventTime', () => {
  it('at 60x releases a record 1 s of wall time per minute of event time, position only on the last piece of each batch', async () => {
    const clock = fakeClock();
    const batch1 = { records: [at(T0), at(T0), at(T0 + MINUTE)], position: position(3) };
    const batch2 = { records: [untimed, at(T0 + 2 * MINUTE), at(T0 + 1.5 * MINUTE)], position: position(6) };
    const pieces: (PacedBatch & { wall: number })[] = [];
    for await (const piece of paceByEventTime(batchesOf(batch1, batch2), { speed: 60, timeOf, ...clock.options })) pieces.push({ ...piece, wall: clock.now - 5_000 });
    expect(pieces).toEqual([
      { records: [at(T0), at(T0)], wall: 0 },
      { records: [at(T0 + MINUTE)], position: position(3), wall: 1000 },
      // No event time: released at once; an event time before one released: due already.
      { records: [untimed], wall: 1000 },
      { records: [at(T0 + 2 * MINUTE), at(T0 + 1.5 * MINUTE)], position: position(6), wall: 2000 },
    ]);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('measures due times from the start, so time spent by the consumer is not added (no drift)', async () => {
    const clock = fakeClock();
    const records = [0, 1, 2, 3].map((i) => at(T0 + i * MINUTE));
    const walls: number[] = [];
    for await (const piece of paceByEventTime(batchesOf({ records, position: position(4) }), { speed: 60, timeOf, ...clock.options })) {
      walls.push(clock.now - 5_000);
      clock.advance(300 * piece.records.length);
    }
    expect(walls).toEqual([0, 1000, 2000, 3000]);
    expect(clock.sleeps).toEqual([700, 700, 700]);
  });

  it("passes batches through untouched at 'max'", async () => {
    const clock = fakeClock();
    const batch = { records: [at(T0), at(T0 + 60 * MINUTE)], position: position(2) };
    const pieces: PacedBatch[] = [];
    for await (const piece of paceByEventTime(batchesOf(batch), { speed: 'max', timeOf, ...clock.options })) pieces.push(piece);
    expect(pieces).toEqual([batch]);
    expect(pieces[0]).toBe(batch);
    expect(clock.sleeps).toEqual([]);
  });

  it('ends while it waits when the signal aborts, closing the batches it reads', async () => {
    const controller = new AbortController();
    let closed = false;
    async function* source(): AsyncGenerator<FileBatch> {
      try {
        yield { records: [at(T0), at(T0 + 60 * MINUTE)], position: position(2) };
      } finally {
        closed = true;
      }
    }
    const pieces: PacedBatch[] = [];
    // The next record is due far in the future: only the abort can end this loop before the test's timeout.
    for await (const piece of paceByEventTime(source(), { speed: 1, timeOf, signal: controller.signal })) {
      pieces.push(piece);
      setTimeout(() => controller.abort(), 20);
    }
    expect(pieces).toEqual([{ records: [at(T0)] }]);
    expect(closed).toBe(true);
  });
});

describe('parseSpeed', () => {
  it("reads '<factor>x' and 'max'", () => {
    expect(parseSpeed('1x')).toBe(1);
    expect(parseSpeed('60x')).toBe(60);
    expect(parseSpeed('0.5x')).toBe(0.5);
    expect(parseSpeed(' 2X ')).toBe(2);
    expect(parseSpeed('max')).toBe('max');
    expect(parseSpeed('MAX')).toBe('max');
  });

  it('refuses anything else with FD_ARGUMENT_INVALID saying what a speed looks like', () => {
    for (const text of ['fast', '60', '0x', '-1x', 'x', '', '1e3x']) {
      let error: unknown;
      try {
        parseSpeed(text);
      } catch (e) {
        error = e;
      }
      expect(isFastdataError(error, 'FD_ARGUMENT_INVALID'), text).toBe(true);
      expect((error as Error).message).toBe(
        `speed: ${JSON.stringify(text)} is not a replay speed; write a positive factor followed by x (1x: real time, 60x: a minute a second, 0.5x) or max (no waiting)`,
      );
    }
  });
});
