import { aggregate, count, defineStream, keyBy, max, mean, min, tumbling } from 'fastdata';
import { map } from 'rxjs';
import type { SensorReading, SiteStats } from './types.js';

export default defineStream<{ readings: SensorReading }, SiteStats>({
  name: 'site-stats',
  doc: `
One-minute statistics per site, over the readings of all its sensors.

- **Grouping by another key**: \`sensor.readings\` is keyed (and partitioned) by sensor, and a
  site's sensors are spread over every partition. The runtime sends each reading to the
  task that owns its site through \`fastdata.site-stats.by-site.repartition\`, with the
  tasks' watermarks, so each site's minute is computed once, from all its readings.
- **Windows**: tumbling, one minute, in event time (\`ts\`), 10 s of grace, as sensor-stats.
- **Emitted**: once per site and minute, when the minute closes.
`,
  inputs: { readings: 'sensor.readings' },
  output: { topic: 'site.stats', schema: 'schemas/site-stats.avsc', key: (s) => s.site },
  eventTime: (r) => r.ts,
  watermark: { lateness: 0, idleTimeout: '15s' },
  pipeline: ({ readings }) =>
    readings.pipe(
      keyBy((r) => r.site, { name: 'by-site' }),
      tumbling('1m', { grace: '10s', emit: 'final' }),
      aggregate(
        {
          count: count(),
          meanTemperature: mean((r) => r.temperature),
          minTemperature: min((r) => r.temperature),
          maxTemperature: max((r) => r.temperature),
        },
        { name: 'minute' },
      ),
      map(({ key, ...stats }) => ({ site: key, ...stats })),
    ),
});
