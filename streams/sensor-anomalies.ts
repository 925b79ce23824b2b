import { anomalyScore, defineStream, keyBy } from 'fastdata';
import { map } from 'rxjs';
import type { SensorAnomaly, SensorStats } from './types.js';

/** A minute with at least this many readings, all equal, is a stuck sensor, not a calm one. */
const STUCK_MIN_READINGS = 10;

export default defineStream<{ stats: SensorStats }, SensorAnomaly>({
  name: 'sensor-anomalies',
  doc: `
How unusual each sensor's minute is, against that sensor's own recent minutes: a pipeline
over the output of \`sensor-stats\`.

- **zscore**: how far the minute's mean temperature is from the sensor's exponentially
  weighted mean (\`alpha\` 0.1, about the last 10 minutes), in units of its weighted standard
  deviation (corrected for how few minutes it rests on), both taken *before* the minute is
  added. 0 for a sensor's first 8 minutes, while it learns what normal is.
- **anomalous**: |zscore| >= 3. **stuck**: 10 or more readings, all the same temperature.
- **Emitted**: one record per sensor and minute, so dashboards can chart the score;
  alerts filter on \`anomalous\` or \`stuck\`.
`,
  inputs: { stats: 'sensor.stats' },
  output: { topic: 'sensor.anomalies', schema: 'schemas/sensor-anomaly.avsc', key: (a) => a.sensorId },
  eventTime: (s) => s.windowEnd,
  pipeline: ({ stats }) =>
    stats.pipe(
      // sensor.stats is keyed by sensor (its output key): no repartition topic needed.
      keyBy((s) => s.sensorId, { partitioned: 'input' }),
      // 8 minutes of warmup rather than the default 5: the spread of a few minutes says little
      // about that of an hour. A sensor silent for an hour starts learning again.
      anomalyScore((s) => s.meanTemperature, { name: 'temperature', alpha: 0.1, threshold: 3, warmup: 8, ttl: '1h' }),
      map(({ value: s, score, expected, stddev, anomalous, observations }) => ({
        sensorId: s.sensorId,
        windowStart: s.windowStart,
        windowEnd: s.windowEnd,
        meanTemperature: s.meanTemperature,
        expected,
        stddev,
        zscore: score,
        anomalous,
        stuck: s.stddevTemperature === 0 && s.count >= STUCK_MIN_READINGS,
        observations,
      })),
    ),
});
