import { aggregate, count, defineStream, keyBy, max, mean, tumbling } from 'fastdata';
import { map } from 'rxjs';

/** A reading of the demo sensor fleet (topic sensor.readings, schemas/sensor-reading.avsc). */
export interface SensorReading {
  sensorId: string;
  site: string;
  /** Event time, ms since the epoch. */
  ts: number;
  /** °C */
  temperature: number;
  humidity: number;
  battery: number;
}

/** What this module writes: keep it in step with schemas/__name__.avsc. */
export interface __Name__ {
  sensorId: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  meanTemperature: number;
  maxTemperature: number;
}

export default defineStream<{ readings: SensorReading }, __Name__>({
  name: '__name__',
  doc: `
One-minute temperature statistics per sensor: how many readings, their mean and their maximum.

- **Windows**: tumbling, one minute of event time (\`ts\`), aligned to the minute.
- **Late readings**: a minute stays open 10 s after its end (\`grace\`); a later reading goes
  to \`fastdata.__name__.dlq\`.
- **Emitted**: once per sensor and minute, when the minute closes.
`,
  inputs: { readings: 'sensor.readings' },
  output: { topic: '__topic__', schema: 'schemas/__name__.avsc', key: (s) => s.sensorId },
  eventTime: (r) => r.ts,
  pipeline: ({ readings }) =>
    readings.pipe(
      // The fleet keys its readings by sensor, so one sensor's readings share a partition.
      keyBy((r) => r.sensorId),
      tumbling('1m', { grace: '10s', emit: 'final' }),
      // A name keeps the window state when the pipeline around it changes.
      aggregate({ count: count(), meanTemperature: mean((r) => r.temperature), maxTemperature: max((r) => r.temperature) }, { name: 'minute' }),
      map(({ key, ...stats }) => ({ sensorId: key, ...stats })),
    ),
});
