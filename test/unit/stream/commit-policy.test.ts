import { describe, expect, it } from 'vitest';
import { CommitPolicy } from '../../../src/stream/host/commit-policy.js';

describe('the commit policy', () => {
  it('is the plain interval while checkpoints cost nothing (a stopped test clock)', () => {
    const policy = new CommitPolicy({ interval: 200 });
    // Before the first checkpoint the interval counts from the clock's 0 (a test's stopped clock at 0: not yet).
    expect(policy.due(0)).toBe(false);
    expect(policy.due(200)).toBe(true);
    policy.checkpointed(1_000, 1_000);
    expect(policy.due(1_199)).toBe(false);
    expect(policy.due(1_200)).toBe(true);
    expect(policy.currentInterval).toBe(200);
  });

  it('waits four times what the last checkpoint took (share 0.2) once that is longer than the interval', () => {
    const policy = new CommitPolicy({ interval: 200, share: 0.2, maxInterval: 10_000 });
    // A checkpoint of 150 ms: the next may start 600 ms after it ended, 750 ms after it began.
    policy.checkpointed(1_000, 1_150);
    expect(policy.due(1_200)).toBe(false);
    expect(policy.due(1_749)).toBe(false);
    expect(policy.due(1_750)).toBe(true);
    expect(policy.currentInterval).toBe(750);
    // Checkpoints then take 150 of every 750 ms: the share.
    expect(150 / policy.currentInterval).toBeCloseTo(0.2, 10);
  });

  it('never waits longer than maxInterval after the last one began, however costly', () => {
    const policy = new CommitPolicy({ interval: 200, share: 0.2, maxInterval: 2_000 });
    policy.checkpointed(0, 1_500); // would ask for 6 s more
    expect(policy.due(1_999)).toBe(false);
    expect(policy.due(2_000)).toBe(true);
    expect(policy.currentInterval).toBe(2_000);
  });

  it('keeps at least the interval when maxInterval is set below it, and refuses a share outside (0, 1]', () => {
    const policy = new CommitPolicy({ interval: 5_000, maxInterval: 1_000 });
    policy.checkpointed(0, 10);
    expect(policy.due(4_999)).toBe(false);
    expect(policy.due(5_000)).toBe(true);
    expect(() => new CommitPolicy({ interval: 200, share: 0 })).toThrow(/share must be in \(0, 1\]/);
    expect(() => new CommitPolicy({ interval: 200, share: 1.5 })).toThrow(/share/);
  });
});
