import { describe, expect, it } from 'vitest';
import { NEVER } from 'rxjs';
import { defineStream } from '../../../src/stream/define.js';
import { sinksProblems } from '../../../src/stream/sink-spec.js';

const base = {
  name: 'stats',
  inputs: { readings: 'readings' },
  pipeline: () => NEVER,
};
const output = { topic: 'stats', schema: 'schemas/x.avsc', key: (s: { id: string }) => s.id };

describe('output.sinks in defineStream', () => {
  it('accepts a Cassandra sink and freezes it with its defaults', () => {
    const m = defineStream<{ readings: unknown }, { id: string }>({ ...base, output: { ...output, sinks: { cassandra: { table: 'stats_by_id', partitionKey: ['id'] } } } });
    expect(m.output.sinks).toEqual({ cassandra: { table: 'stats_by_id', partitionKey: ['id'], clusteringKey: [], clusteringOrder: 'asc' } });
    expect(Object.isFrozen(m.output.sinks.cassandra)).toBe(true);
  });

  it('has no sinks when none are declared', () => {
    expect(defineStream<{ readings: unknown }, { id: string }>({ ...base, output }).output.sinks).toEqual({});
  });

  it('reports every problem with its path and the fix, together with the module', () => {
    const bad = { cassandra: { table: 'Stats-Table', partitionKey: [], clusteringKey: ['a', 'a'], clusteringOrder: 'up', ttl: 5 }, elastic: {} };
    expect(() => defineStream({ ...base, output: { ...output, sinks: bad as never } })).toThrow(/stream stats is not valid/);
    const problems = sinksProblems(bad);
    expect(problems).toEqual([
      'output.sinks.elastic: unknown sink; the sinks are: cassandra',
      'output.sinks.cassandra.ttl: unknown setting; the settings are table, partitionKey, clusteringKey, clusteringOrder',
      `output.sinks.cassandra.table: "Stats-Table" must be 1 to 48 lower-case letters, digits and '_', starting with a letter (e.g. 'sensor_stats')`,
      "output.sinks.cassandra.partitionKey: a non-empty list of output field names, e.g. ['sensorId']; got []",
      'output.sinks.cassandra: a named twice in partitionKey and clusteringKey; a field is in the primary key once',
      "output.sinks.cassandra.clusteringOrder: 'asc' or 'desc', got \"up\"",
    ]);
  });

  it('refuses field names that are not Avro names', () => {
    expect(sinksProblems({ cassandra: { table: 't', partitionKey: ['sensor id'] } })).toEqual(['output.sinks.cassandra.partitionKey[0]: "sensor id" is not an Avro field name']);
  });
});
