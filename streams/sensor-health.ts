import { defineStream, joinTable, keyBy } from 'fastdata';
import type { SensorHealth, SensorMetadata, SensorStats } from './types.js';

const round = (x: number) => Math.round(x * 100) / 100;

export default defineStream<{ stats: SensorStats }, SensorHealth, { metadata: SensorMetadata }>({
  name: 'sensor-health',
  doc: `
Each sensor's minute against its own rated limit: \`sensor.stats\` joined with the
\`sensor.metadata\` table (one row per sensor, written by the generator).

- **Stream-table join**: each closed minute meets its sensor's row, as the table stood when
  the minute was processed. The table is read to its end before the first minute, so no
  minute misses a row that was written before the module started.
- **A minute of a sensor with no row** goes to \`fastdata.sensor-health.dlq\` (reason
  \`unmatched\`) instead of being dropped unseen.
- **Used by** the alert rule \`over-limit\` and the fleet dashboard's headroom table.
`,
  inputs: { stats: 'sensor.stats' },
  tables: { metadata: 'sensor.metadata' },
  output: { topic: 'sensor.health', schema: 'schemas/sensor-health.avsc', key: (h) => h.sensorId },
  // The minute's end: when the minute's statistics were complete.
  eventTime: (s) => s.windowEnd,
  watermark: { idleTimeout: '15s' },
  pipeline: ({ stats }, { metadata }) =>
    stats.pipe(
      // sensor.stats and sensor.metadata are both keyed by sensor: each task holds the rows of its own sensors.
      keyBy((s) => s.sensorId, { partitioned: 'input' }),
      joinTable(metadata, (s, meta) => ({
        sensorId: s.sensorId,
        site: meta.site,
        location: meta.location,
        model: meta.model,
        windowStart: s.windowStart,
        windowEnd: s.windowEnd,
        maxTemperature: s.maxTemperature,
        limit: meta.maxTemperature,
        headroom: round(meta.maxTemperature - s.maxTemperature),
      })),
    ),
});
