/**
 * The terminal line of an alert change (issue 17): a silenced firing says it is silenced
 * and by what; a resolve says how long the alert fired and what its firing said, instead
 * of repeating the summary template over the resolving record ("runs hot: 22.4 °C").
 */
import { describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../../src/alerts/engine/index.js';
import { AlertLines } from '../../../src/cli/alert-line.js';

const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);

function notification(status: 'firing' | 'resolved', summary: string | undefined, over: Partial<AlertNotification> = {}): AlertNotification {
  return {
    rule: 'hot-sensor',
    key: 's-7',
    status,
    startsAt: T0,
    ...(status === 'resolved' ? { endsAt: T0 + 3 * 60_000 + 12_000 } : {}),
    severity: 'critical',
    labels: { alertname: 'hot-sensor', key: 's-7' },
    annotations: summary === undefined ? {} : { summary },
    fingerprint: 'f623d2f1efbe70e6',
    id: `f623d2f1efbe70e6:${T0}`,
    value: {},
    ...over,
  };
}

describe('alert lines in the terminal', () => {
  it('a firing prints its summary; its resolve how long it fired and what the firing said', () => {
    const lines = new AlertLines();
    expect(lines.line(notification('firing', 's-7 runs hot: 31.1 °C'))).toBe('ALERT FIRING hot-sensor s-7 (critical): s-7 runs hot: 31.1 °C');
    expect(lines.line(notification('resolved', 's-7 runs hot: 22.4 °C'))).toBe('ALERT resolved hot-sensor s-7 after 3m12s (was: s-7 runs hot: 31.1 °C)');
  });

  it('a silenced firing says so, with the silence', () => {
    const lines = new AlertLines();
    const silence = { id: '6c1d2e3f-0000-4000-8000-000000000001', comment: 'maintenance' };
    expect(lines.line(notification('firing', 's-7 runs hot: 31.1 °C'), silence)).toBe(
      'ALERT FIRING (silenced by "maintenance", silence 6c1d2e3f-0000-4000-8000-000000000001; receivers are not sent it) hot-sensor s-7 (critical): s-7 runs hot: 31.1 °C',
    );
    expect(lines.line(notification('firing', 'x', { id: 'other' }), { id: 'abc', comment: '' })).toContain('ALERT FIRING (silenced by silence abc; receivers are not sent it) hot-sensor');
    expect(lines.line(notification('resolved', 's-7 runs hot: 22.4 °C'))).toBe('ALERT resolved hot-sensor s-7 after 3m12s (was: s-7 runs hot: 31.1 °C; its firing was silenced)');
  });

  it('a resolve whose firing this process did not print shows its own summary as the values at resolve', () => {
    const lines = new AlertLines();
    expect(lines.line(notification('resolved', 's-7 runs hot: 22.4 °C'))).toBe('ALERT resolved hot-sensor s-7 after 3m12s (at resolve: s-7 runs hot: 22.4 °C)');
    expect(lines.line(notification('resolved', undefined))).toBe('ALERT resolved hot-sensor s-7 after 3m12s');
  });

  it('instances are told apart by id, and the oldest firings are forgotten past the limit', () => {
    const lines = new AlertLines(2);
    lines.line(notification('firing', 'one', { id: 'a:1' }));
    lines.line(notification('firing', 'two', { id: 'b:1' }));
    lines.line(notification('firing', 'three', { id: 'c:1' }));
    expect(lines.line(notification('resolved', 'now', { id: 'a:1' }))).toContain('(at resolve: now)');
    expect(lines.line(notification('resolved', 'now', { id: 'c:1' }))).toContain('(was: three)');
    expect(lines.line(notification('resolved', 'now', { id: 'b:1', endsAt: T0 + 26 * 3_600_000 }))).toBe('ALERT resolved hot-sensor s-7 after 1d2h (was: two)');
  });
});
