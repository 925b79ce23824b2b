// Runs with `npm test` (node's test runner through tsx); no log, no server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestDriver } from 'fastdata/testing';
import stream, { type SensorReading } from './__name__.js';

const reading = (ts: number, temperature: number, sensorId = 'sensor-01'): SensorReading => ({ sensorId, site: 'plant-a', ts, temperature, humidity: 40, battery: 90 });

describe('__name__', () => {
  it('writes one record per sensor and minute when the minute closes', async () => {
    const driver = await TestDriver.create(stream);
    driver.pipe('readings', reading(5_000, 20)).pipe('readings', reading(35_000, 22)).pipe('readings', reading(40_000, 30, 'sensor-02'));
    assert.deepEqual(driver.readValues(), [], 'the minute is still open');

    driver.advanceWatermark(70_000); // past the minute's end (60 s) and its grace (10 s)
    const byOrder = driver.readValues().sort((a, b) => a.sensorId.localeCompare(b.sensorId));
    assert.deepEqual(byOrder, [
      { sensorId: 'sensor-01', windowStart: 0, windowEnd: 60_000, count: 2, meanTemperature: 21, maxTemperature: 22 },
      { sensorId: 'sensor-02', windowStart: 0, windowEnd: 60_000, count: 1, meanTemperature: 30, maxTemperature: 30 },
    ]);
  });

  it('sends a reading that comes after its minute closed to the dead-letter topic', async () => {
    const driver = await TestDriver.create(stream);
    driver.pipe('readings', reading(5_000, 20));
    driver.advanceWatermark(70_000);
    driver.pipe('readings', reading(10_000, 25)); // its minute closed at 70 s
    assert.equal(driver.readValues().length, 1);
    assert.deepEqual(driver.readDeadLetters().map((d) => d.reason), ['late']);
  });
});
