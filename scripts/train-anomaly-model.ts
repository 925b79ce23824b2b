/**
 * Trains the demo's ONNX anomaly model (models/sensor-anomaly.onnx) from the demo's own
 * generator, and says how it scores faults it never saw:
 *
 *   1. healthy minutes: 32 sensors of the fleet model (src/sources/fleet-model.ts) for 6
 *      hours at one reading every 2 s, no faults; each sensor-minute becomes the features
 *      the stream computes (streams/anomaly-features.ts);
 *   2. scripts/train-anomaly-model.py (in a Python venv with numpy, scikit-learn, skl2onnx
 *      and onnxruntime from PyPI, made by test/helpers/python-venv.ts) fits an
 *      IsolationForest on them and exports it to ONNX (input `features` float32 [N, 3],
 *      outputs `label` int64 [N, 1] (-1 anomalous) and `scores` float32 [N, 1], below 0 anomalous);
 *   3. evaluation, with onnxruntime-node: another fleet (other seed, the generator's default
 *      faults: overheating and stuck sensors) for 3 hours, and data/plant-r-readings.csv
 *      (its overheating fault): scores of fault minutes beside healthy ones.
 *
 *   node --import tsx scripts/train-anomaly-model.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnxModel } from '../src/models/onnx/onnx-model.js';
import { FaultSchedule } from '../src/sources/fleet-faults.js';
import { readingAt, sensorProfiles } from '../src/sources/fleet-model.js';
import { pythonVenv } from '../test/helpers/python-venv.js';
import { FEATURES, minuteFeatures } from '../streams/anomaly-features.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODEL = join(ROOT, 'models', 'sensor-anomaly.onnx');
const WORK = join(ROOT, '.cache', 'train-anomaly-model');
const MINUTE = 60_000;
const EVERY_MS = 2_000;
const START = Date.UTC(2026, 0, 5, 0, 0, 0);

interface Minute {
  sensorId: string;
  start: number;
  features: number[];
  fault: string;
}

/** The fleet's readings per sensor-minute, each labelled with the fault active during it ('' when healthy). */
function minutes(sensors: number, seed: number, hours: number, faults: FaultSchedule): Minute[] {
  const out: Minute[] = [];
  for (const p of sensorProfiles(sensors, seed)) {
    for (let start = START; start < START + hours * 3_600_000; start += MINUTE) {
      const readings: { ts: number; temperature: number }[] = [];
      const kinds = new Set<string>();
      for (let ts = start; ts < start + MINUTE; ts += EVERY_MS) {
        const r = readingAt(p, ts, seed, faults);
        if (r) readings.push({ ts, temperature: r.temperature });
        for (const kind of Object.keys(faults.at(p.index, ts))) kinds.add(kind);
      }
      if (readings.length < 10) continue;
      out.push({ sensorId: p.sensorId, start, features: minuteFeatures(readings), fault: [...kinds].sort().join('+') });
    }
  }
  return out;
}

const healthy = minutes(32, 11, 6, new FaultSchedule({}, 11, 32));
mkdirSync(WORK, { recursive: true });
mkdirSync(join(ROOT, 'models'), { recursive: true });
const trainCsv = join(WORK, 'train.csv');
writeFileSync(trainCsv, `${healthy.map((m) => m.features.join(',')).join('\n')}\n`);
console.log(`training minutes (healthy): ${healthy.length} (${FEATURES} features each) -> ${trainCsv}`);

const venv = pythonVenv('onnx', ['numpy==2.4.6', 'scikit-learn==1.9.1', 'skl2onnx==1.20.0', 'onnxruntime==1.32.0'], 'import numpy, sklearn, skl2onnx, onnxruntime');
if (!venv.ok) throw new Error(`the Python environment could not be made: ${venv.reason}`);
const trained = spawnSync(venv.python, [join(ROOT, 'scripts', 'train-anomaly-model.py'), trainCsv, MODEL], { stdio: 'inherit' });
if (trained.status !== 0) throw new Error('train-anomaly-model.py failed');

// Evaluation with the model as the stream loads it.
const model = await onnxModel(MODEL, { inputs: { features: { type: 'float32', shape: [FEATURES], from: (m: Minute) => m.features } } });
const faulty = new FaultSchedule(
  { overheating: { everyMs: 15 * MINUTE, durationMs: 4 * MINUTE, degrees: 8 }, stuck: { everyMs: 20 * MINUTE, durationMs: 5 * MINUTE, degrees: 0 } },
  23,
  16,
);
const test = minutes(16, 23, 3, faulty);
const scored = (await model.scoreBatch(test)).map((row, i) => ({ ...test[i]!, anomaly: -row.scores![0]!, flagged: row.label![0] === -1 }));
const summary = (label: string, ms: typeof scored) => {
  const a = ms.map((m) => m.anomaly).sort((x, y) => x - y);
  const q = (p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))]!.toFixed(3);
  console.log(`  ${label.padEnd(22)} minutes ${String(ms.length).padStart(5)}  flagged ${((100 * ms.filter((m) => m.flagged).length) / Math.max(1, ms.length)).toFixed(1).padStart(5)}%  anomaly score median ${q(0.5)}  p10 ${q(0.1)}  p90 ${q(0.9)}`);
};
console.log(`evaluation fleet (seed 23, 16 sensors, 3 h, the generator's default overheating and stuck faults):`);
summary('healthy', scored.filter((m) => m.fault === ''));
for (const kind of [...new Set(scored.map((m) => m.fault).filter((f) => f !== ''))].sort()) summary(kind, scored.filter((m) => m.fault === kind));

// The recorded plant: its overheating sensor's fault minutes beside every other minute.
const rows = readFileSync(join(ROOT, 'data', 'plant-r-readings.csv'), 'utf8').trim().split('\n').slice(1);
const bySensorMinute = new Map<string, { ts: number; temperature: number }[]>();
for (const line of rows) {
  const [sensorId, , ts, temperature] = line.split(',');
  const t = Date.parse(ts!);
  const id = `${sensorId}@${Math.floor(t / MINUTE) * MINUTE}`;
  bySensorMinute.set(id, [...(bySensorMinute.get(id) ?? []), { ts: t, temperature: Number(temperature) }]);
}
const plant = [...bySensorMinute].map(([id, readings]) => ({ id, features: minuteFeatures(readings) }));
const plantScores = await model.scoreBatch(plant.map((p) => ({ sensorId: '', start: 0, fault: '', features: p.features })));
const top = plant.map((p, i) => ({ id: p.id, anomaly: -plantScores[i]!.scores![0]!, flagged: plantScores[i]!.label![0] === -1 })).sort((a, b) => b.anomaly - a.anomaly);
console.log(`data/plant-r-readings.csv: ${plant.length} sensor-minutes, ${top.filter((t) => t.flagged).length} flagged; the highest:`);
for (const t of top.slice(0, 6)) console.log(`  ${t.id.replace(/@(\d+)/, (_, ms) => `@${new Date(Number(ms)).toISOString().slice(11, 16)}`)}  ${t.anomaly.toFixed(3)}${t.flagged ? '  flagged' : ''}`);
console.log(`model: ${MODEL} sha256 ${model.sha256}`);
