/**
 * Which watermark moves reach the operators: a listener that says when it has work next
 * (`due`) is woken only once the watermark reaches that, or earlier work it reports with
 * `wakeBy`; one that does not say is called on every move. The quiet moves still move the
 * watermark.
 */
import { describe, expect, it } from 'vitest';
import { TaskContext } from '../../../src/stream/task-context.js';
import { ManualClock } from '../../../src/time/clock.js';

const newContext = () => new TaskContext('m', 0, new ManualClock(0), { deadLetter: () => {}, warn: () => {} });

describe('watermark wake-ups', () => {
  it('wakes a listener with a due time only once the watermark reaches it, and at an earlier time it reports', () => {
    const ctx = newContext();
    const closes = [100, 250];
    const woken: number[] = [];
    ctx.onWatermark(
      (w) => {
        woken.push(w);
        while (closes.length > 0 && closes[0]! <= w) closes.shift();
      },
      () => closes[0] ?? Number.POSITIVE_INFINITY,
    );
    for (const w of [10, 50, 99]) expect(ctx.advanceWatermarkQuietly(w)).toBe(true);
    expect(ctx.watermark).toBe(99);
    expect(ctx.advanceWatermarkQuietly(100)).toBe(false);
    ctx.advanceWatermark(100);
    expect(woken).toEqual([100]);

    // New work due before the next known one: reported, so the next move that reaches it wakes.
    closes.unshift(120);
    ctx.wakeBy(120);
    ctx.advanceWatermark(110);
    ctx.advanceWatermark(121);
    ctx.advanceWatermark(200);
    ctx.advanceWatermark(260);
    expect(woken).toEqual([100, 121, 260]);
    expect(ctx.watermark).toBe(260);
  });

  it('calls a listener without a due time on every move, and never on a move backwards', () => {
    const ctx = newContext();
    const seen: number[] = [];
    ctx.onWatermark(() => {}, () => Number.POSITIVE_INFINITY);
    const stop = ctx.onWatermark((w) => seen.push(w));
    for (const w of [5, 3, 8, 9]) if (!ctx.advanceWatermarkQuietly(w)) ctx.advanceWatermark(w);
    expect(seen).toEqual([5, 8, 9]);
    // Once it is gone, the moves are quiet again.
    stop();
    expect(ctx.advanceWatermarkQuietly(20)).toBe(true);
    expect(seen).toEqual([5, 8, 9]);
  });
});
