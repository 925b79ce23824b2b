import { describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import sensorAnomalies from '../../../streams/sensor-anomalies.js';
import type { SensorStats } from '../../../streams/types.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const MINUTE = 60_000;
/** Minute-to-minute wobble of a healthy sensor's mean, °C: repeats, so the test is exact. */
const wobble = [0.12, -0.2, 0.05, 0.3, -0.1, -0.25, 0.18, 0.02, -0.15, 0.22];

function minute(i: number, meanTemperature: number, extra: Partial<SensorStats> = {}): SensorStats {
  return {
    sensorId: 's1',
    windowStart: T0 + i * MINUTE,
    windowEnd: T0 + (i + 1) * MINUTE,
    count: 120,
    meanTemperature,
    minTemperature: meanTemperature - 0.4,
    maxTemperature: meanTemperature + 0.4,
    stddevTemperature: 0.15,
    meanHumidity: 45,
    ...extra,
  };
}

const normal = (n: number) => Array.from({ length: n }, (_, i) => minute(i, 21 + wobble[i % wobble.length]!));

describe('streams/sensor-anomalies', () => {
  it('emits one score per minute, flags a jump in temperature and not the normal wobble', async () => {
    const driver = await TestDriver.create(sensorAnomalies);
    const history = normal(30);
    driver.pipeAll('stats', history);
    driver.pipe('stats', minute(30, 24.5)); // 3.5 °C above a sensor that wobbles by tenths
    const outputs = driver.readOutputs();
    expect(outputs).toHaveLength(31);
    expect(outputs.every((o) => o.key === 's1')).toBe(true);
    expect(outputs[30]!.timestamp).toBe(T0 + 31 * MINUTE); // keyed and timed by the minute's end
    const rows = outputs.map((o) => o.value);
    expect(rows.slice(0, 30).filter((r) => r.anomalous)).toEqual([]);
    expect(rows.slice(0, 8).every((r) => r.zscore === 0)).toBe(true); // warmup
    expect(rows[8]!.zscore).not.toBe(0);
    expect(rows[30]).toMatchObject({ windowStart: T0 + 30 * MINUTE, meanTemperature: 24.5, anomalous: true, stuck: false, observations: 30 });
    expect(rows[30]!.zscore).toBeGreaterThan(3);
    expect(rows[30]!.expected).toBeCloseTo(21, 0);
  });

  it('flags a drop as well as a rise', async () => {
    const driver = await TestDriver.create(sensorAnomalies);
    driver.pipeAll('stats', normal(20));
    driver.pipe('stats', minute(20, 17));
    const last = driver.readValues().at(-1)!;
    expect(last.anomalous).toBe(true);
    expect(last.zscore).toBeLessThan(-3);
  });

  it('marks a minute stuck when many readings all had the same temperature, and not a minute with one reading', async () => {
    const driver = await TestDriver.create(sensorAnomalies);
    driver.pipeAll('stats', normal(10));
    driver.pipe('stats', minute(10, 21.07, { stddevTemperature: 0, minTemperature: 21.07, maxTemperature: 21.07 }));
    driver.pipe('stats', minute(11, 21.1, { count: 1, stddevTemperature: 0 }));
    const rows = driver.readValues();
    expect(rows.slice(0, 10).some((r) => r.stuck)).toBe(false);
    expect(rows[10]).toMatchObject({ stuck: true, anomalous: false });
    expect(rows[11]!.stuck).toBe(false);
  });

  it('keeps each sensor apart', async () => {
    const driver = await TestDriver.create(sensorAnomalies);
    for (const s of normal(12)) {
      driver.pipe('stats', s);
      driver.pipe('stats', { ...s, sensorId: 's2', meanTemperature: s.meanTemperature + 5 }); // a warmer room, as steady
    }
    const rows = driver.readValues();
    expect(rows.filter((r) => r.anomalous)).toEqual([]);
    expect(rows.filter((r) => r.sensorId === 's2').at(-1)!.expected).toBeCloseTo(26, 0);
  });
});
