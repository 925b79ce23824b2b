/**
 * The demo's ONNX anomaly module over the recorded plant (data/plant-r-readings.csv: four
 * sensors for an hour, plant-r-03 overheating from minute 44 to 48, as the recorder's fault
 * schedule put it): the fault's minutes score high and are flagged, the healthy minutes
 * score low; each score equals what onnxruntime gives for the features the test computes
 * itself, called directly and (when the Python venv can be made) from Python's onnxruntime.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import module, { type SensorOnnxAnomaly } from '../../../streams/sensor-onnx-anomalies.js';
import type { SensorReading } from '../../../streams/types.js';
import { requirePythonVenv } from '../../helpers/python-venv.js';

const MINUTE = 60_000;
const MODEL = fileURLToPath(new URL('../../../models/sensor-anomaly.onnx', import.meta.url));

const readings: SensorReading[] = readFileSync('data/plant-r-readings.csv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [sensorId, site, ts, temperature, humidity, battery] = line.split(',');
    return { sensorId: sensorId!, site: site!, ts: Date.parse(ts!), temperature: Number(temperature), humidity: Number(humidity), battery: Number(battery) };
  });

/** The features, computed here from their definition (least squares slope, log noise around it, range). */
function features(rs: SensorReading[]): number[] {
  const t = rs.map((r) => r.ts / MINUTE);
  const y = rs.map((r) => r.temperature);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const mt = mean(t);
  const my = mean(y);
  const slope = t.reduce((s, ti, i) => s + (ti - mt) * (y[i]! - my), 0) / t.reduce((s, ti) => s + (ti - mt) ** 2, 0);
  const noise = Math.sqrt(mean(t.map((ti, i) => (y[i]! - (my + slope * (ti - mt))) ** 2)));
  return [slope, Math.log10(0.001 + noise), Math.max(...y) - Math.min(...y)];
}

describe('streams/sensor-onnx-anomalies', () => {
  it('scores the overheating minutes of the recorded plant high and the healthy ones low, as onnxruntime does on the same features', async () => {
    const driver = await TestDriver.create(module);
    for (const r of readings) driver.pipe('readings', r);
    driver.advanceWatermark(Date.parse('2026-06-01T15:00:00Z'));
    await driver.settle();
    const out = driver.readValues();
    expect(out).toHaveLength(4 * 60);
    expect(driver.readDeadLetters()).toEqual([]);

    // The fault: plant-r-03 from 13:44 for 4 minutes (scripts/record-fleet.ts prints it).
    const fault = (a: SensorOnnxAnomaly) => a.sensorId === 'plant-r-03' && a.windowStart >= Date.parse('2026-06-01T13:44:00Z') && a.windowStart < Date.parse('2026-06-01T13:48:00Z');
    const faulty = out.filter(fault);
    const healthy = out.filter((a) => !fault(a));
    expect(faulty).toHaveLength(4);
    expect(faulty.every((a) => a.anomalous && a.score > 0)).toBe(true);
    // Figures (236 healthy minutes): at most 1% flagged, and every fault minute above 95% of them.
    expect(healthy.filter((a) => a.anomalous).length).toBeLessThanOrEqual(2);
    const sorted = healthy.map((a) => a.score).sort((x, y) => x - y);
    expect(Math.min(...faulty.map((a) => a.score))).toBeGreaterThan(sorted[Math.floor(0.95 * sorted.length)]!);

    // The same scores from onnxruntime-node called directly on the features computed here.
    const bySensorMinute = new Map<string, SensorReading[]>();
    for (const r of readings) {
      const id = `${r.sensorId}@${Math.floor(r.ts / MINUTE) * MINUTE}`;
      bySensorMinute.set(id, [...(bySensorMinute.get(id) ?? []), r]);
    }
    const mine = out.map((a) => features(bySensorMinute.get(`${a.sensorId}@${a.windowStart}`)!));
    out.forEach((a, i) => {
      expect(a.slope).toBeCloseTo(mine[i]![0]!, 9);
      expect(a.logNoise).toBeCloseTo(mine[i]![1]!, 9);
      expect(a.range).toBeCloseTo(mine[i]![2]!, 9);
    });
    const ort = createRequire(import.meta.url)('onnxruntime-node');
    const session = await ort.InferenceSession.create(MODEL);
    const direct = await session.run({ features: new ort.Tensor('float32', Float32Array.from(mine.flat()), [mine.length, 3]) });
    expect(out.map((a) => a.score)).toEqual([...direct.scores.data].map((s: number) => -s));
    expect(out.map((a) => a.anomalous)).toEqual([...direct.label.data].map((l: bigint) => l === -1n));
    await session.release();

    // And from Python's onnxruntime, the runtime the model was exported for.
    const venv = requirePythonVenv('onnx', ['numpy==2.4.6', 'scikit-learn==1.9.1', 'skl2onnx==1.20.0', 'onnxruntime==1.32.0'], 'import numpy, sklearn, skl2onnx, onnxruntime', 'the Python onnxruntime reference');
    if (venv.ok) {
      const python = spawnSync(venv.python, [fileURLToPath(new URL('../../fixtures/onnx/reference.py', import.meta.url))], { input: JSON.stringify({ model: MODEL, features: mine }), encoding: 'utf8' });
      expect(python.status, python.stderr).toBe(0);
      const reference = JSON.parse(python.stdout) as { label: number[]; scores: number[] };
      // Both score float32 features with the same model: equal to float32 precision (agreement measured: identical).
      out.forEach((a, i) => expect(Math.abs(a.score + reference.scores[i]!)).toBeLessThanOrEqual(1e-6));
      expect(out.map((a) => a.anomalous)).toEqual(reference.label.map((l) => l === -1));
    }
  }, 180_000);
});
