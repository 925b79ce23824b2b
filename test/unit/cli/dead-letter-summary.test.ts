/**
 * The terminal's dead-letter summary on a fake clock (issue 17: late-record notices were
 * 23 of 49 lines in 12 minutes of `npm start`, burying the alerts): the first record of
 * each module and reason at once, then at most one line a minute per module counting what
 * came since its last line, nothing lost at stop, and every line saying where the records are.
 */
import { describe, expect, it } from 'vitest';
import { DeadLetterSummary } from '../../../src/cli/dead-letter-summary.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function summary() {
  let now = 1_000_000;
  const lines: string[] = [];
  const s = new DeadLetterSummary({ now: () => now, print: (line) => lines.push(line) });
  return {
    s,
    lines,
    /** Moves the clock and runs the command's timer, as it fires every few seconds. */
    pass(ms: number, tickEvery = 5 * SECOND) {
      for (let t = 0; t < ms; t += tickEvery) {
        now += Math.min(tickEvery, ms - t);
        s.tick();
      }
    },
  };
}

describe('DeadLetterSummary', () => {
  it('prints the first record of a module and reason at once, then one line a minute with the count since the last', () => {
    const { s, lines, pass } = summary();
    s.add('sensor-stats', 'late', 'record at 10:00:01 behind the watermark 10:01:10');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('sensor-stats: a record to the dead-letter topic (late): record at 10:00:01 behind the watermark 10:01:10');
    expect(lines[0]).toContain('fastdata.sensor-stats.dlq');
    expect(lines[0]).toContain('status page');

    // 12 minutes, 2 late records every 15 seconds: 96 records.
    let sent = 0;
    for (let i = 0; i < 48; i++) {
      s.add('sensor-stats', 'late', `late ${i}`);
      s.add('sensor-stats', 'late', `late ${i}b`);
      sent += 2;
      pass(15 * SECOND);
    }
    s.flush();
    // The first line, then one a minute for 12 minutes (the last tick, at 12:00, took the last records): not one per record.
    expect(lines).toHaveLength(13);
    // Every record is counted in exactly one line.
    const counted = lines.slice(1).map((l) => Number(/: (\d+) records? more/.exec(l)![1]));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(sent);
    for (const line of lines.slice(1)) {
      expect(line).toMatch(/^sensor-stats: \d+ records? more to the dead-letter topic in the last \d+m\d\ds \(late \d+\), e\.g\. late: late \d+b?; all kept in fastdata\.sensor-stats\.dlq/);
    }
  });

  it('spaces a module\'s lines a minute apart whatever the rate, each module on its own', () => {
    const { s, lines, pass } = summary();
    s.add('a', 'late', 'first a');
    s.add('b', 'decode', 'first b');
    expect(lines).toHaveLength(2);
    s.add('a', 'late', 'x');
    s.add('b', 'decode', 'y');
    pass(59 * SECOND, SECOND);
    expect(lines).toHaveLength(2);
    pass(SECOND, SECOND);
    expect(lines.slice(2)).toEqual([
      'a: 1 record more to the dead-letter topic in the last 1m00s (late 1), e.g. late: x; all kept in fastdata.a.dlq (npx fastdata tail fastdata.a.dlq), counted on the status page',
      'b: 1 record more to the dead-letter topic in the last 1m00s (decode 1), e.g. decode: y; all kept in fastdata.b.dlq (npx fastdata tail fastdata.b.dlq), counted on the status page',
    ]);
    // Nothing more counted: nothing printed.
    pass(5 * MINUTE);
    expect(lines).toHaveLength(4);
  });

  it('prints a new reason of a module at once, and sums reasons in the module\'s line', () => {
    const { s, lines, pass } = summary();
    s.add('m', 'late', 'l0');
    s.add('m', 'late', 'l1');
    pass(10 * SECOND);
    s.add('m', 'decode', 'd0');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('m: a record to the dead-letter topic (decode): d0');
    s.add('m', 'decode', 'd1');
    s.add('m', 'late', 'l2');
    pass(50 * SECOND);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^m: 3 records more to the dead-letter topic in the last 1m00s \(late 2, decode 1\), e\.g\. late: l1;/);
  });

  it('prints what is still counted at stop, and a module that is not a stream module is pointed at its own topic', () => {
    const { s, lines } = summary();
    s.add('sensor-stats:cassandra', 'sink-write', 'timeout');
    s.add('sensor-stats:cassandra', 'sink-write', 'timeout again');
    expect(lines).toHaveLength(1);
    s.flush();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('sensor-stats:cassandra: 1 record more to the dead-letter topic (sink-write 1), e.g. sink-write: timeout again; all kept in its dead-letter topic, counted on the status page');
    s.flush();
    expect(lines).toHaveLength(2);
  });
});
