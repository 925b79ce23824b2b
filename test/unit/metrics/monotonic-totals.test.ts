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
});
