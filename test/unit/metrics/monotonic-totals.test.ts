import { describe, expect, it } from 'vitest';
import { MonotonicTotals } from '../../../src/metrics/monotonic-totals.js';

describe('monotonic totals of a module', () => {
  it('never go down when a task leaves or the runner is replaced', () => {
    const totals = new MonotonicTotals(['records'] as const);
    const first = {};
    expect(totals.update('m', first, { records: 10 })).toEqual({ records: 10 });
    expect(totals.update('m', first, { records: 15 })).toEqual({ records: 15 });
    // A partition moved away with 6 of its records: what it counted stays counted.
    expect(totals.update('m', first, { records: 9 })).toEqual({ records: 15 });
    expect(totals.update('m', first, { records: 12 })).toEqual({ records: 18 });
    // A reloaded module: a new runner from zero.
    const second = {};
    expect(totals.update('m', second, { records: 0 })).toEqual({ records: 18 });
    expect(totals.update('m', second, { records: 4 })).toEqual({ records: 22 });
  });

  it('keep what a retired runner counted, whether its totals were read before the reload or not', () => {
    const totals = new MonotonicTotals(['records'] as const);
    // Never read: a reload before anyone looked (the status page opened later).
    const first = {};
    totals.retire('m', first, { records: 60 });
    const second = {};
    expect(totals.update('m', second, { records: 0 })).toEqual({ records: 60 });
    expect(totals.update('m', second, { records: 5 })).toEqual({ records: 65 });
    // Read at 5, then 3 more counted before it retired with 8: all 8 carried, once.
    totals.retire('m', second, { records: 8 });
    totals.retire('m', second, { records: 8 });
    expect(totals.update('m', second, { records: 8 })).toEqual({ records: 68 });
    const third = {};
    expect(totals.update('m', third, { records: 2 })).toEqual({ records: 70 });
    // A final figure below what was exported (a task left before the retire): the export does not go down.
    totals.retire('m', third, { records: 1 });
    expect(totals.update('m', {}, { records: 0 })).toEqual({ records: 70 });
    // Another module's totals are its own.
    expect(totals.update('n', {}, { records: 3 })).toEqual({ records: 3 });
  });
});
