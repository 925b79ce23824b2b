import { describe, expect, it } from 'vitest';
import { defineStream, keyBy } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import {
  type ClassificationReport,
  prequential,
  type PrequentialOptions,
  type RegressionReport,
} from '../../../../src/models/evaluation/prequential.js';
import { prequentialClassificationSchema, prequentialRegressionSchema } from '../../../../src/models/evaluation/prequential-schema.js';
import type { RegressionModel } from '../../../../src/models/evaluation/supervised-model.js';
import { linearRegression } from '../../../../src/models/regression/linear-regression.js';
import { logisticRegression } from '../../../../src/models/regression/logistic-regression.js';
import { mulberry32 } from '../../../../src/sources/random.js';

interface Reading {
  sensor: string;
  ts: number;
  humidity: number;
  temperature: number | null;
  failing?: boolean | null;
}

/** A model whose predictions the test knows: the last label it learned (0 before any). */
const lastLabel: RegressionModel<{ kind: string; v: number; last: number }> = {
  task: 'regression',
  kind: 'last-label',
  init: () => ({ kind: 'last-label', v: 1, last: 0 }),
  predict: (s) => s.last,
  learn: (s, _x, y) => {
    if (typeof y === 'number' && Number.isFinite(y)) s.last = y;
    return s;
  },
};

function regressionModule(options: Partial<PrequentialOptions<Reading, RegressionModel>> = {}) {
  return defineStream<{ readings: Reading }, RegressionReport>({
    name: 'model-quality',
    inputs: { readings: 'readings' },
    output: { topic: 'model.quality', schema: prequentialRegressionSchema(), key: (r) => r.key },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => r.sensor),
        prequential({ name: 'temperature', model: lastLabel, features: (r) => ({ humidity: r.humidity }), label: (r) => r.temperature, ...options }),
      ),
  });
}

const readings = (sensor: string, temps: (number | null)[], step = 10_000): Reading[] =>
  temps.map((temperature, i) => ({ sensor, ts: i * step, humidity: 40 + i, temperature }));

describe('prequential', () => {
  it('predicts each record before learning it: the reports’ metrics are those of the predictions made before each label (the test’s own arithmetic)', async () => {
    const temps = [20, 22, 21, 25, 25, 19];
    const driver = await TestDriver.create(regressionModule());
    driver.pipeAll('readings', readings('a', temps));
    const reports = driver.readValues();
    expect(reports).toHaveLength(temps.length);
    // Test-then-train with the last-label model: record i is predicted as label i - 1 (0 for the first).
    const errors = temps.map((t, i) => Math.abs(t - (i === 0 ? 0 : temps[i - 1]!)));
    reports.forEach((r, i) => {
      const seen = errors.slice(0, i + 1);
      expect(r).toMatchObject({ model: 'temperature', key: 'a', time: i * 10_000, n: i + 1, invalid: 0 });
      expect(r.mae).toBeCloseTo(seen.reduce((a, b) => a + b, 0) / seen.length, 12);
      expect(r.rmse).toBeCloseTo(Math.sqrt(seen.reduce((a, b) => a + b * b, 0) / seen.length), 12);
    });
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('reports at most once per key per `every` of event time (the first scored record, then the first of each later period), and nothing for a record without a label', async () => {
    const driver = await TestDriver.create(regressionModule({ every: '1m' }));
    // Every 25 s for 5 minutes, sensor b every 40 s; one of a's labels missing.
    const a = readings('a', Array.from({ length: 12 }, (_, i) => (i === 5 ? null : 20 + i)), 25_000);
    const b = readings('b', Array.from({ length: 8 }, (_, i) => 30 - i), 40_000);
    driver.pipeAll('readings', [...a, ...b].sort((x, y) => x.ts - y.ts));
    const reports = driver.readValues();
    const byKey = (k: string) => reports.filter((r) => r.key === k).map((r) => [r.time, r.n]);
    // a at 0, 25, 50 | 75, 100 | 125 (no label), 150, 175 | 200, 225 | 250, 275 (s): the first scored record of each minute.
    expect(byKey('a')).toEqual([[0, 1], [75_000, 4], [150_000, 6], [200_000, 8], [250_000, 10]]);
    // b at 0, 40 | 80 | 120, 160 | 200 | 240, 280.
    expect(byKey('b')).toEqual([[0, 1], [80_000, 3], [120_000, 4], [200_000, 6], [240_000, 7]]);
  });

  it('survives a restart mid-stream: the reports equal those of an uninterrupted run, bit for bit', async () => {
    const rand = mulberry32(4);
    const records = ['a', 'b', 'c'].flatMap((s) =>
      Array.from({ length: 300 }, (_, i): Reading => {
        const humidity = 30 + 40 * rand();
        return { sensor: s, ts: i * 5_000, humidity, temperature: 10 + 0.2 * humidity + rand() };
      }),
    ).sort((x, y) => x.ts - y.ts);
    const module = () => regressionModule({ model: linearRegression({ lr: 0.05 }), every: '1m', fading: 0.95 });
    const straight = await TestDriver.create(module());
    straight.pipeAll('readings', records);
    const restarted = await TestDriver.create(module());
    restarted.pipeAll('readings', records.slice(0, 450));
    restarted.restart();
    restarted.pipeAll('readings', records.slice(450));
    const expected = straight.readValues();
    expect(expected.length).toBeGreaterThan(50);
    expect(restarted.readValues()).toEqual(expected);
    const last = expected.at(-1)!;
    expect(last.r2Recent).toBeGreaterThan(0.5); // the model learned: the comparison means something (the overall r2 still carries the first predictions, 0 against labels near 18)
  });

  it('shows a degrading model: after the truth changes, the recent error climbs far above the overall one', async () => {
    const rand = mulberry32(8);
    const records = Array.from({ length: 3000 }, (_, i): Reading => {
      const humidity = 30 + 40 * rand();
      const slope = i < 2500 ? 0.2 : -0.3;
      return { sensor: 'a', ts: i * 1000, humidity, temperature: 10 + slope * humidity + 0.1 * rand() };
    });
    const driver = await TestDriver.create(regressionModule({ model: linearRegression({ lr: 0.05 }), every: '1m' }));
    driver.pipeAll('readings', records);
    const reports = driver.readValues();
    const before = reports.filter((r) => r.time < 2_500_000).at(-1)!;
    const after = reports.find((r) => r.time >= 2_560_000)!;
    expect(before.maeRecent).toBeLessThan(0.2);
    expect(after.maeRecent).toBeGreaterThan(5 * before.maeRecent);
    expect(after.maeRecent).toBeGreaterThan(after.mae);
    expect(after.r2Recent).toBeLessThan(before.r2Recent);
  });

  it('evaluates a classifier: log loss and accuracy reports that fit their Avro schema', async () => {
    const module = defineStream<{ readings: Reading }, ClassificationReport>({
      name: 'failure-quality',
      inputs: { readings: 'readings' },
      output: { topic: 'failure.quality', schema: prequentialClassificationSchema(), key: (r) => r.key },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) =>
        readings.pipe(
          keyBy((r) => r.sensor),
          prequential({ name: 'failing', model: logisticRegression({ lr: 0.1 }), features: (r) => ({ humidity: r.humidity }), label: (r) => r.failing, every: '10m' }),
        ),
    });
    const rand = mulberry32(9);
    const driver = await TestDriver.create(module);
    driver.pipeAll(
      'readings',
      Array.from({ length: 2000 }, (_, i) => {
        const humidity = 100 * rand();
        return { sensor: 's', ts: i * 1000, humidity, temperature: 20, failing: i % 97 === 0 ? null : humidity > 70 };
      }),
    );
    const reports = driver.readValues();
    expect(driver.readDeadLetters()).toEqual([]);
    expect(reports.map((r) => r.time)).toEqual([1000, 600_000, 1_200_000, 1_800_000]); // record 0 has no label
    const last = reports.at(-1)!;
    // Records 0..1800 of the last report, less those without a label (every 97th).
    expect(last.n).toBe(1801 - Math.ceil(1801 / 97));
    expect(last.accuracy).toBeGreaterThan(0.9);
    expect(last.logLoss).toBeLessThan(0.4);
    expect(last.logLossRecent).toBeLessThan(last.logLoss);
  });

  it('refuses bad options at start, naming each', () => {
    expect(() => prequential({} as never)).toThrow(/name: give the model a name[\s\S]*model: pass a supervised model[\s\S]*features: pass a function[\s\S]*label: pass a function/);
    expect(() => prequential({ name: 'm', model: lastLabel, features: () => ({}), label: () => 1, every: '1 minute' as never })).toThrow(/every: "1 minute" is not a valid duration/);
    expect(() => prequential({ name: 'm', model: lastLabel, features: () => ({}), label: () => 1, fading: 2 })).toThrow(/fading: 2 is not a fading factor/);
  });
});
