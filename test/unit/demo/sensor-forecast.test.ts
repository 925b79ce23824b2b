import { describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import sensorForecast from '../../../streams/sensor-forecast.js';
import type { SensorForecast, SensorStats } from '../../../streams/types.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const MINUTE = 60_000;

function minute(i: number, meanTemperature: number, sensorId = 's1'): SensorStats {
  return {
    sensorId,
    windowStart: T0 + i * MINUTE,
    windowEnd: T0 + (i + 1) * MINUTE,
    count: 120,
    meanTemperature,
    minTemperature: meanTemperature - 0.4,
    maxTemperature: meanTemperature + 0.4,
    stddevTemperature: 0.15,
    meanHumidity: 45,
  };
}

/**
 * Holt's linear method written out from Hyndman & Athanasopoulos §8.2 with the module's
 * documented parameters (alpha 0.9, beta 0.8; level y2 and trend y2 - y1 after the first
 * two values; errors weighted 0.1, the first taken as it is): the forecast of each value
 * before it is learned, and the weighted MAE/RMSE after it.
 */
function holtReference(ys: number[]): { forecast: number; next: number; mae: number; rmse: number }[] {
  const alpha = 0.9;
  const beta = 0.8;
  const w = 0.1;
  let level = ys[1]!;
  let trend = ys[1]! - ys[0]!;
  let mae = 0;
  let mse = 0;
  const out = [];
  for (let t = 2; t < ys.length; t++) {
    const forecast = level + trend;
    const e = ys[t]! - forecast;
    mae = t === 2 ? Math.abs(e) : mae + w * (Math.abs(e) - mae);
    mse = t === 2 ? e * e : mse + w * (e * e - mse);
    const previous = level;
    level = alpha * ys[t]! + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
    out.push({ forecast, next: level + trend, mae, rmse: Math.sqrt(mse) });
  }
  return out;
}

/** A room's minute means: a slow swing and two faster cycles, as the demo's sensors wander (no randomness: exact reruns). */
const wandering = (n: number) => Array.from({ length: n }, (_, i) => 22 + 1.5 * Math.sin(i / 90) + 0.4 * Math.sin(i / 2.3) + 0.2 * Math.cos(i / 0.7));

describe('streams/sensor-forecast', () => {
  it('forecasts a straight line exactly from the third minute on: error, MAE and RMSE 0', async () => {
    const driver = await TestDriver.create(sensorForecast);
    // 20 °C rising by 0.25 °C a minute: every value, sum and difference exact in binary.
    driver.pipeAll('stats', Array.from({ length: 30 }, (_, i) => minute(i, 20 + 0.25 * i)));
    const outputs = driver.readOutputs();
    expect(outputs).toHaveLength(28); // the first two minutes start the level and the trend
    expect(outputs[0]).toMatchObject({ key: 's1', timestamp: T0 + 3 * MINUTE });
    outputs.forEach(({ value }, k) => {
      const i = k + 2;
      expect(value).toEqual({
        sensorId: 's1',
        windowStart: T0 + i * MINUTE,
        windowEnd: T0 + (i + 1) * MINUTE,
        actual: 20 + 0.25 * i,
        forecast: 20 + 0.25 * i,
        error: 0,
        forecastNext: 20 + 0.25 * (i + 1),
        mae: 0,
        rmse: 0,
        forecasts: k + 1,
      });
    });
  });

  it("equals Holt's method written out on a wandering series, the error being actual minus the forecast made before", async () => {
    const ys = wandering(240);
    const driver = await TestDriver.create(sensorForecast);
    driver.pipeAll('stats', ys.map((y, i) => minute(i, y)));
    const rows = driver.readValues();
    const expected = holtReference(ys);
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, k) => {
      const e = expected[k]!;
      expect(r.actual).toBe(ys[k + 2]);
      expect(r.forecast).toBeCloseTo(e.forecast, 9);
      expect(r.error).toBeCloseTo(ys[k + 2]! - e.forecast, 9);
      expect(r.forecastNext).toBeCloseTo(e.next, 9);
      expect(r.mae).toBeCloseTo(e.mae, 9);
      expect(r.rmse).toBeCloseTo(e.rmse, 9);
    });
    // The forecast of a minute is the previous record's forecastNext: made before the minute arrived.
    for (let k = 1; k < rows.length; k++) expect(rows[k]!.forecast).toBe(rows[k - 1]!.forecastNext);
  });

  it("a minute's forecast does not depend on that minute's value", async () => {
    const history = wandering(20).map((y, i) => minute(i, y));
    const runs = await Promise.all(
      [21, 35].map(async (last) => {
        const driver = await TestDriver.create(sensorForecast);
        driver.pipeAll('stats', [...history, minute(20, last)]);
        return driver.readValues().at(-1)!;
      }),
    );
    expect(runs[0]!.forecast).toBe(runs[1]!.forecast);
    expect(runs.map((r) => r.actual)).toEqual([21, 35]);
    expect(runs[1]!.error - runs[0]!.error).toBeCloseTo(14, 9);
    expect(runs[1]!.mae).toBeGreaterThan(runs[0]!.mae);
  });

  it('a missing minute moves the model on, so a line is still forecast exactly; a long silence starts afresh', async () => {
    const line = (i: number) => minute(i, 20 + 0.25 * i);
    const driver = await TestDriver.create(sensorForecast);
    driver.pipeAll('stats', [0, 1, 2, 3, 5, 6, 9].map(line)); // minutes 4, 7 and 8 had no window (a dead sensor)
    expect(driver.readValues().map((r) => [(r.windowStart - T0) / MINUTE, r.error])).toEqual([
      [2, 0],
      [3, 0],
      [5, 0],
      [6, 0],
      [9, 0],
    ]);
    // 11 minutes without a window: the old trend is not extrapolated; two minutes to learn again.
    driver.pipeAll('stats', [21, 22, 23].map((i) => minute(i, 30 + i)));
    const after = driver.readValues();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ windowStart: T0 + 23 * MINUTE, forecast: 53, error: 0, forecasts: 1 });
  });

  it('does not learn a repeated minute twice', async () => {
    const ys = wandering(12);
    const once = await TestDriver.create(sensorForecast);
    once.pipeAll('stats', ys.map((y, i) => minute(i, y)));
    const twice = await TestDriver.create(sensorForecast);
    twice.pipeAll('stats', ys.slice(0, 6).map((y, i) => minute(i, y)));
    twice.pipe('stats', minute(5, ys[5]!)); // the same minute again (a replay)
    twice.pipe('stats', minute(4, 99)); // and an older one
    twice.pipeAll('stats', ys.slice(6).map((y, i) => minute(i + 6, y)));
    expect(twice.readValues()).toEqual(once.readValues());
  });

  it('gives the same records across a restart mid-stream as without one', async () => {
    const ys = wandering(60);
    const straight = await TestDriver.create(sensorForecast);
    straight.pipeAll('stats', ys.map((y, i) => minute(i, y)));
    const restarted = await TestDriver.create(sensorForecast);
    restarted.pipeAll('stats', ys.slice(0, 25).map((y, i) => minute(i, y)));
    restarted.restart(); // state through its changelog, as JSON
    restarted.pipeAll('stats', ys.slice(25).map((y, i) => minute(i + 25, y)));
    expect(restarted.readValues()).toEqual(straight.readValues());
  });

  it('keeps each sensor apart', async () => {
    const driver = await TestDriver.create(sensorForecast);
    for (let i = 0; i < 10; i++) {
      driver.pipe('stats', minute(i, 20 + 0.5 * i, 's1'));
      driver.pipe('stats', minute(i, 30 - 0.25 * i, 's2'));
    }
    const rows = driver.readValues();
    const of = (id: string) => rows.filter((r: SensorForecast) => r.sensorId === id);
    expect(of('s1').map((r) => r.forecastNext)).toEqual(Array.from({ length: 8 }, (_, k) => 20 + 0.5 * (k + 3)));
    expect(of('s2').map((r) => r.forecastNext)).toEqual(Array.from({ length: 8 }, (_, k) => 30 - 0.25 * (k + 3)));
    expect(rows.every((r) => r.error === 0)).toBe(true);
  });
});
