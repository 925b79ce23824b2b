import { collect, defineStream, keyBy, onnxModel, scoreEach, tumbling } from 'fastdata';
import { filter } from 'rxjs';
import { FEATURES, minuteFeatures } from './anomaly-features.js';
import type { SensorReading } from './types.js';

/** `schemas/sensor-onnx-anomaly.avsc`, topic `sensor.onnx-anomalies`, key `sensorId`. */
export interface SensorOnnxAnomaly {
  sensorId: string;
  windowStart: number;
  windowEnd: number;
  readings: number;
  slope: number;
  logNoise: number;
  range: number;
  score: number;
  anomalous: boolean;
  model: string;
}

/** A minute with fewer readings says too little about how it moved. */
const MIN_READINGS = 10;

// Loaded when the module loads: its inputs are checked against the declaration here, and a
// changed model file reloads this module (a model that fails to load keeps this one running).
const model = await onnxModel(new URL('../models/sensor-anomaly.onnx', import.meta.url), {
  inputs: { features: { type: 'float32', shape: [FEATURES], from: (w: { records: SensorReading[] }) => minuteFeatures(w.records) } },
});

export default defineStream<{ readings: SensorReading }, SensorOnnxAnomaly>({
  name: 'sensor-onnx-anomalies',
  doc: `
Anomalous sensor-minutes as a trained model sees them: an IsolationForest (scikit-learn,
exported to ONNX: \`models/sensor-anomaly.onnx\`, trained on healthy minutes of the demo's
own generator by \`scripts/train-anomaly-model.ts\`) scores each sensor's minute of readings.

- **Features** (\`streams/anomaly-features.ts\`): the minute's temperature slope (°C/min), the
  log of its noise around that slope, and its range; none depends on the room's level.
- **score**: the forest's anomaly score (the negated decision function): above 0 anomalous.
  On generated data: 90% of overheating minutes and 85% of stuck minutes above 0, 0.5% of
  healthy minutes.
- **model**: the first 12 hex digits of the model file's SHA-256 (the catalog's provenance has all of it).
`,
  inputs: { readings: 'sensor.readings' },
  output: { topic: 'sensor.onnx-anomalies', schema: 'schemas/sensor-onnx-anomaly.avsc', key: (a) => a.sensorId },
  eventTime: (r) => r.ts,
  watermark: { lateness: 0, idleTimeout: '15s' },
  pipeline: ({ readings }) =>
    readings.pipe(
      keyBy((r) => r.sensorId, { partitioned: 'input' }),
      tumbling('1m', { grace: '10s', emit: 'final' }),
      collect({ limit: 600, name: 'minute-readings' }),
      filter((w) => w.records.length >= MIN_READINGS),
      // One ONNX run per sensor-minute; the checkpoint waits for the answers.
      scoreEach(model, (w, row) => {
        const [slope, logNoise, range] = minuteFeatures(w.records);
        return {
          sensorId: w.key,
          windowStart: w.windowStart,
          windowEnd: w.windowEnd,
          readings: w.records.length,
          slope,
          logNoise,
          range,
          score: -row.scores![0]!,
          anomalous: row.label![0] === -1,
          model: model.sha256.slice(0, 12),
        };
      }),
    ),
});
