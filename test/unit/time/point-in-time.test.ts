/**
 * The one parser of points in time, shared by the REST parameters and the CLI flags
 * (issue 17: `fastdata tail --since -10m` was refused where `?from=-10m` was taken).
 * Expected values are computed here from the calendar, not by the parser.
 */
import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { MAX_TIME, MIN_TIME, parsePointInTime } from '../../../src/time/point-in-time.js';

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0); // 2026-11-24T10:00:00Z

describe('parsePointInTime', () => {
  it('takes epoch ms, ISO times, durations back from now and now', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['1700000000000', 1_700_000_000_000],
      ['2026-11-24', Date.UTC(2026, 10, 24)],
      ['2026-11-24T10:00:00Z', NOW],
      ['2026-11-24T11:30:00+01:00', Date.UTC(2026, 10, 24, 10, 30)],
      ['2024-02-29T00:00:00.250Z', Date.UTC(2024, 1, 29) + 250],
      ['-10m', NOW - 10 * 60_000],
      ['-2h', NOW - 2 * 3_600_000],
      ['-1d', NOW - 86_400_000],
      ['-1.5h', NOW - 90 * 60_000],
      ['-30s', NOW - 30_000],
      ['now', NOW],
      [String(MAX_TIME), MAX_TIME],
      ['0000-01-01', MIN_TIME],
    ];
    for (const [text, expected] of cases) expect(parsePointInTime('--since', text, NOW), text).toBe(expected);
  });

  it('refuses what is not a time, naming the field and the forms it takes', () => {
    for (const text of ['yesterday', '-1', '-10', '-10x', '2024-02-30', '2024-05-01T24:00:00Z', '1.5', 'NOW', '', String(MAX_TIME + 1), '-99999999999999d']) {
      let error: unknown;
      try {
        parsePointInTime('--since', text, NOW);
      } catch (e) {
        error = e;
      }
      expect(isFastdataError(error, 'FD_ARGUMENT_INVALID') || isFastdataError(error, 'FD_DURATION_INVALID'), text).toBe(true);
      expect((error as Error).message, text).toMatch(/^--since: /);
    }
    expect(() => parsePointInTime('--since', 'yesterday', NOW)).toThrow(/"yesterday" is not a time; give epoch milliseconds .* a duration back from now \(-15m, -2h, -7d\), or now/);
  });
});
