/**
 * The terminal's dead-letter summary on a fake clock (issue 17: late-record notices were
 * 23 of 49 lines in 12 minutes of `npm start`, burying the alerts): the first record of
 * each module and reason at once; then one line for all modules, spaced 1, 2, 4, 8, then
 * 10 minutes apart while the same kinds keep coming, counting what came since the last
 * line; a new kind or a quiet spell starts again at a minute; nothing lost at stop; every
 * line says where the records are.
 */
import { describe, expect, it } from 'vitest';
import { DeadLetterSummary } from '../../../src/cli/dead-letter-summary.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function summary() {
  let now = 1_000_000;
  const lines: { at: number; line: string }[] = [];
  const s = new DeadLetterSummary({ now: () => now, print: (line) => lines.push({ at: now, line }) });
  const start = now;
  return {
    s,
    lines,
    text: () => lines.map((l) => l.line),
    /** Minutes since the start at which each line was printed. */
    minutes: () => lines.map((l) => (l.at - start) / MINUTE),
    /** Moves the clock and runs the command's timer, as it fires every few seconds. */
    pass(ms: number, tickEvery = 5 * SECOND) {
      for (let t = 0; t < ms; t += tickEvery) {
        now += Math.min(tickEvery, ms - t);
        s.tick();
      }
    },
  };
}

/** The record count of a summary line. */
const countOf = (line: string) => Number(/^dead letters: (\d+) records? more/.exec(line)?.[1] ?? Number.NaN);

describe('DeadLetterSummary', () => {
  it('the demo\'s 12 minutes: two modules with late records every few seconds make 6 lines (2 first records, 4 summaries), not 23, every record counted', () => {
    const { s, text, minutes, pass } = summary();
    s.add('sensor-stats', 'late', 'event time 10:00:01 arrived after its window closed');
    s.add('site-stats', 'late', 'event time 10:00:02 arrived after its window closed');
    expect(text()).toHaveLength(2);
    expect(text()[0]).toBe(
      'sensor-stats: a record to the dead-letter topic (late): event time 10:00:01 arrived after its window closed; ' +
        'all kept in fastdata.sensor-stats.dlq (npx fastdata tail fastdata.sensor-stats.dlq), counted on the status page. More are summed up here',
    );
    // 12 minutes: a late record of each module every 15 seconds.
    let counted = 0;
    for (let i = 0; i < 48; i++) {
      s.add('sensor-stats', 'late', `late ${i}`);
      s.add('site-stats', 'late', `late ${i}`);
      counted += 2;
      pass(15 * SECOND);
    }
    s.flush();
    // Summaries at 1, 3 and 7 minutes (spaced 1, 2, 4), the rest at stop (12 minutes).
    expect(minutes()).toEqual([0, 0, 1, 3, 7, 12]);
    const summaries = text().slice(2);
    expect(summaries.map(countOf).reduce((a, b) => a + b, 0)).toBe(counted);
    expect(summaries[0]).toBe(
      'dead letters: 8 records more in the last 1m00s: sensor-stats late 4, site-stats late 4; ' +
        'all kept in fastdata.sensor-stats.dlq, fastdata.site-stats.dlq (npx fastdata tail fastdata.sensor-stats.dlq), counted on the status page',
    );
  });

  it('spaces lines up to 10 minutes apart while dead letters keep coming', () => {
    const { s, minutes, pass } = summary();
    s.add('m', 'late', 'first');
    for (let i = 0; i < 4 * 40; i++) {
      s.add('m', 'late', 'again');
      pass(15 * SECOND);
    }
    expect(minutes()).toEqual([0, 1, 3, 7, 15, 25, 35]);
  });

  it('prints a new kind at once and starts the spacing again at a minute', () => {
    const { s, text, minutes, pass } = summary();
    s.add('m', 'late', 'l0');
    for (let i = 0; i < 16; i++) {
      s.add('m', 'late', 'l');
      pass(15 * SECOND);
    }
    expect(minutes()).toEqual([0, 1, 3]);
    s.add('m', 'decode', 'not Avro');
    expect(text()[3]).toContain('m: a record to the dead-letter topic (decode): not Avro');
    s.add('m', 'decode', 'not Avro either');
    s.add('m', 'late', 'l');
    // The spacing is a minute again, and the 4 late records counted since minute 3 have waited that long already.
    pass(5 * SECOND);
    expect(minutes()).toEqual([0, 1, 3, 4, 4 + 5 / 60]);
    expect(text()[4]).toMatch(/^dead letters: 6 records more in the last 1m05s: m 6 \(late 5, decode 1\); all kept in fastdata\.m\.dlq/);
    s.add('m', 'decode', 'x');
    pass(MINUTE);
    expect(minutes()).toEqual([0, 1, 3, 4, 4 + 5 / 60]); // spaced 2 minutes now
    pass(MINUTE);
    expect(minutes()).toEqual([0, 1, 3, 4, 4 + 5 / 60, 6 + 5 / 60]);
  });

  it('after a quiet spell, dead letters are news again: summed up a minute after the last line', () => {
    const { s, minutes, pass } = summary();
    s.add('m', 'late', 'l0');
    for (let i = 0; i < 28; i++) {
      s.add('m', 'late', 'l');
      pass(15 * SECOND);
    }
    expect(minutes()).toEqual([0, 1, 3, 7]); // spacing now 8 minutes
    pass(30 * MINUTE);
    s.add('m', 'late', 'l');
    pass(5 * SECOND);
    expect(minutes()).toEqual([0, 1, 3, 7, 37 + 5 / 60]);
    expect(minutes()).toHaveLength(5);
  });

  it('prints what is still counted at stop, and points a processor that is not a stream module at its own topic', () => {
    const { s, text } = summary();
    s.add('sensor-stats:cassandra', 'sink-write', 'timeout');
    s.add('sensor-stats:cassandra', 'sink-write', 'timeout again');
    expect(text()).toHaveLength(1);
    expect(text()[0]).toContain('all kept in its dead-letter topic, counted on the status page');
    s.flush();
    expect(text()[1]).toBe('dead letters: 1 record more: sensor-stats:cassandra sink-write 1; all kept in its dead-letter topic, counted on the status page');
    s.flush();
    expect(text()).toHaveLength(2);
  });
});
