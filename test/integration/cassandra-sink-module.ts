/**
 * The stream module whose output the Cassandra sink tests write: the demo's sensor-stats
 * schema on a topic of the test's own, with a sink on a table of its own. The pipeline is
 * never run: the tests produce the output records themselves, so they know every record
 * the table must hold.
 */
import { NEVER } from 'rxjs';
import { defineStream } from '../../src/stream/define.js';
import type { SensorStats } from '../../streams/types.js';

export function statsModule(name: string, options: { schema?: string | object; table?: string; clusteringKey?: string[] } = {}) {
  return defineStream<{ readings: unknown }, SensorStats>({
    name,
    inputs: { readings: `${name}.readings` },
    output: {
      topic: `${name}.stats`,
      schema: options.schema ?? 'schemas/sensor-stats.avsc',
      key: (s) => s.sensorId,
      sinks: { cassandra: { table: options.table ?? name.replace(/-/g, '_'), partitionKey: ['sensorId'], clusteringKey: options.clusteringKey ?? ['windowStart'] } },
    },
    pipeline: () => NEVER,
  });
}
