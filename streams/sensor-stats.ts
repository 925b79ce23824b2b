import { aggregate, count, defineStream, keyBy, max, mean, min, stddev, tumbling } from 'fastdata';
import { map } from 'rxjs';
import type { SensorReading, SensorStats } from './types.js';

export default defineStream<{ readings: SensorReading }, SensorStats>({
  name: 'sensor-stats',
  doc: `
One-minute statistics per sensor: count, mean, min, max and standard deviation of the
temperature, and the mean humidity.

- **Windows**: tumbling, one minute, in event time (\`ts\`), aligned to the minute.
- **Late readings**: a minute stays open 10 s after its end (\`grace\`); a reading later than
  that is counted and sent to \`fastdata.sensor-stats.dlq\` with the reason \`late\`.
- **Emitted**: once per sensor and minute, when the minute closes (\`emit: 'final'\`).
`,
  inputs: { readings: 'sensor.readings' },
  output: {
    topic: 'sensor.stats',
    schema: 'schemas/sensor-stats.avsc',
    key: (s) => s.sensorId,
    // Also written to Cassandra by `fastdata run` when the config has a `cassandra` section
    // (one row per sensor and minute); `fastdata dev` needs no Cassandra and ignores it.
    sinks: { cassandra: { table: 'sensor_stats', partitionKey: ['sensorId'], clusteringKey: ['windowStart'] } },
  },
  eventTime: (r) => r.ts,
  watermark: {
    // No lateness: the window's grace is the one place that says how late a reading may be.
    // Lateness would hold back every window by as much again, and add nothing for tumbling windows.
    lateness: 0,
    // A partition whose sensors all went quiet still closes its last minute, ~15 s later.
    idleTimeout: '15s',
  },
  pipeline: ({ readings }) =>
    readings.pipe(
      // sensor.readings is keyed by sensor: no repartition topic needed, and the runtime
      // dead-letters a reading on the wrong partition rather than compute a partial minute.
      keyBy((r) => r.sensorId, { partitioned: 'input' }),
      tumbling('1m', { grace: '10s', emit: 'final' }),
      aggregate(
        {
          count: count(),
          meanTemperature: mean((r) => r.temperature),
          minTemperature: min((r) => r.temperature),
          maxTemperature: max((r) => r.temperature),
          stddevTemperature: stddev((r) => r.temperature),
          meanHumidity: mean((r) => r.humidity),
        },
        { name: 'minute' },
      ),
      map(({ key, ...stats }) => ({ sensorId: key, ...stats })),
    ),
});
