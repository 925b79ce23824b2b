import { describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import sensorStats from '../../../streams/sensor-stats.js';
import type { SensorReading } from '../../../streams/types.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0); // on the minute
const sec = (s: number) => T0 + s * 1000;
const reading = (sensorId: string, s: number, temperature: number, humidity = 40): SensorReading => ({
  sensorId,
  site: 'plant-a',
  ts: sec(s),
  temperature,
  humidity,
  battery: 90,
});

describe('streams/sensor-stats', () => {
  it('emits one record per sensor and minute when the minute closes, with its statistics', async () => {
    const driver = await TestDriver.create(sensorStats);
    driver.pipe('readings', reading('s1', 5, 20, 40)).pipe('readings', reading('s1', 30, 22, 44)).pipe('readings', reading('s1', 59, 24, 42));
    driver.pipe('readings', reading('s2', 10, 18.5, 50));
    driver.pipe('readings', reading('s1', 65, 21)); // the next minute; the first is still in its grace
    expect(driver.readValues()).toEqual([]);

    driver.pipe('readings', reading('s2', 70, 18)); // watermark = end + 10 s grace: the first minute closes
    const outputs = driver.readOutputs();
    expect(outputs.map((o) => [o.key, o.timestamp])).toEqual([
      ['s1', sec(60)],
      ['s2', sec(60)],
    ]);
    const [s1, s2] = outputs.map((o) => o.value);
    expect(s1).toEqual({
      sensorId: 's1',
      windowStart: T0,
      windowEnd: sec(60),
      count: 3,
      meanTemperature: 22,
      minTemperature: 20,
      maxTemperature: 24,
      stddevTemperature: expect.closeTo(Math.sqrt(8 / 3), 12),
      meanHumidity: 42,
    });
    expect(s2).toMatchObject({ sensorId: 's2', count: 1, meanTemperature: 18.5, stddevTemperature: 0, meanHumidity: 50 });
  });

  it('takes a reading up to 10 s late and sends a later one to the dead-letter topic', async () => {
    const driver = await TestDriver.create(sensorStats);
    driver.pipe('readings', reading('s1', 10, 20)).pipe('readings', reading('s1', 68, 20));
    driver.pipe('readings', reading('s1', 50, 30)); // 18 s behind, but its minute is in grace
    driver.pipe('readings', reading('s1', 71, 20)); // closes the first minute
    expect(driver.readValues()).toMatchObject([{ windowStart: T0, count: 2, maxTemperature: 30 }]);
    driver.pipe('readings', reading('s1', 55, 99)); // its minute has closed
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'late', value: { ts: sec(55), temperature: 99 } }]);
    expect(driver.counters.late).toBe(1);
  });

  it('closes the last minute of a partition that went quiet, after the idle timeout', async () => {
    const driver = await TestDriver.create(sensorStats, { startTime: sec(30) });
    driver.pipe('readings', reading('s1', 30, 20));
    driver.advanceTime(60_000); // no more readings: the watermark follows the clock after 15 s idle
    expect(driver.readValues()).toMatchObject([{ sensorId: 's1', count: 1 }]);
  });
});
