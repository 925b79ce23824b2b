import { describe, expect, it } from 'vitest';
import { defineStream } from 'fastdata';
import { isFastdataError } from '../../../src/errors.js';
import { nearestName } from '../../../src/config/nearest-name.js';

const valid = {
  name: 'stats',
  inputs: { readings: 'sensor.readings' },
  output: { topic: 'sensor.stats', schema: { type: 'record', name: 'S', fields: [{ name: 'id', type: 'string' }] }, key: (s: { id: string }) => s.id },
  pipeline: (inputs: { readings: unknown }) => inputs.readings,
};

/** The message defineStream throws for `definition`, which must be FD_STREAM_DEFINITION_INVALID. */
function problemsOf(definition: unknown): string {
  try {
    defineStream(definition as never);
  } catch (error) {
    expect(isFastdataError(error, 'FD_STREAM_DEFINITION_INVALID')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('defineStream accepted the definition');
}

describe('defineStream refuses what it does not know', () => {
  it('accepts a definition with only known keys', () => {
    const m = defineStream({ ...valid, watermark: { lateness: '5s', idleTimeout: '10s' }, commitInterval: '1s', doc: 'x' } as never);
    expect(m).toMatchObject({ name: 'stats', lateness: 5_000, idleTimeout: 10_000, commitInterval: 1_000, maxCommitInterval: 2_000 });
    expect(defineStream({ ...valid, commitInterval: '1s', maxCommitInterval: '1s' } as never)).toMatchObject({ commitInterval: 1_000, maxCommitInterval: 1_000 });
    expect(defineStream({ ...valid, commitInterval: '10s' } as never)).toMatchObject({ commitInterval: 10_000, maxCommitInterval: 10_000 });
  });

  it('names a misspelt key at every level, with the nearest valid one, all problems at once', () => {
    const message = problemsOf({
      ...valid,
      commitIntervall: '1s',
      watermark: { latenes: '5s' },
      output: { ...valid.output, sink: {} },
      inputs: { readings: { topic: 'sensor.readings', eventtime: () => 0 } },
    });
    expect(message).toContain('commitIntervall: unknown key (did you mean commitInterval?)');
    expect(message).toContain('watermark.latenes: unknown key (did you mean lateness?); the keys here are lateness, idleTimeout');
    expect(message).toContain('output.sink: unknown key (did you mean sinks?)');
    expect(message).toContain('inputs.readings.eventtime: unknown key (did you mean eventTime?)');
  });

  it('lists the keys without a guess when nothing is near', () => {
    expect(problemsOf({ ...valid, parallelism: 4 })).toMatch(/parallelism: unknown key; the keys here are name, doc, inputs, tables, output/);
  });

  it('refuses a watermark that is not an object', () => {
    expect(problemsOf({ ...valid, watermark: '5s' })).toContain('watermark: an object such as');
  });
});

describe('nearestName', () => {
  it('finds typos, swaps and case slips, and nothing for a different word', () => {
    expect(nearestName('hots', ['host', 'port'])).toBe('host');
    expect(nearestName('idletimeout', ['lateness', 'idleTimeout'])).toBe('idleTimeout');
    expect(nearestName('partition', ['partitions', 'retention'])).toBe('partitions');
    expect(nearestName('colour', ['color', 'thresholds'])).toBe('color');
    expect(nearestName('banana', ['lateness', 'idleTimeout'])).toBeUndefined();
  });
});

describe('defineStream tables', () => {
  it('resolves tables by alias and topic', () => {
    const m = defineStream({ ...valid, tables: { meta: 'sensor.metadata', sites: { topic: 'site.metadata' } } } as never);
    expect(m.tables).toEqual([
      { alias: 'meta', topic: 'sensor.metadata' },
      { alias: 'sites', topic: 'site.metadata' },
    ]);
  });

  it('refuses a table that is also an input or the output, a clashing alias, a bad topic and unknown keys, naming each', () => {
    const message = problemsOf({
      ...valid,
      tables: { readings: 'other.topic', again: 'sensor.readings', out: 'sensor.stats', 'bad-alias': 'x.y', bad: 'no spaces allowed', odd: { topic: 't', key: 'id' } },
    });
    expect(message).toContain('tables.readings: an input has the same alias');
    expect(message).toContain('tables.again: sensor.readings is also an input');
    expect(message).toContain('output.topic: sensor.stats is also a table');
    expect(message).toContain('tables.bad-alias: the alias must be a JavaScript identifier');
    expect(message).toMatch(/no spaces allowed/);
    expect(message).toContain('tables.odd.key: unknown key');
    expect(problemsOf({ ...valid, tables: ['sensor.metadata'] })).toContain('tables: an object of aliases and topics');
  });
});
