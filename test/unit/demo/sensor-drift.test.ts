import { describe, expect, it } from 'vitest';
import { TestDriver } from 'fastdata/testing';
import sensorDrift from '../../../streams/sensor-drift.js';
import type { SensorStats } from '../../../streams/types.js';

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
 * The module's documented test, written out here: the level is an exponentially weighted
 * mean (0.3) of the minute means; each later minute's rise above it (falls count as 0) goes
 * through Page-Hinkley's cumulative sum (x - mean of the rises so far - 1 °C), and a drift
 * is a sum 2 above its lowest once 3 rises were seen; after one it starts afresh.
 * Returns, for each minute from the second, the evidence (the sum above its lowest) and
 * whether it completed a drift.
 */
function referenceMinutes(ys: number[]): { at: number; evidence: number; deviation: number; drift: boolean }[] {
  const out = [];
  let level = ys[0]!;
  let n = 0;
  let mean = 0;
  let sum = 0;
  let lowest = Infinity;
  for (let i = 1; i < ys.length; i++) {
    const deviation = ys[i]! - level;
    const rise = Math.max(0, deviation);
    n += 1;
    mean += (rise - mean) / n;
    sum += rise - mean - 1;
    lowest = Math.min(lowest, sum);
    const drift = n >= 3 && sum - lowest > 2;
    out.push({ at: i, evidence: sum - lowest, deviation, drift });
    if (drift) {
      n = 0;
      mean = 0;
      sum = 0;
      lowest = Infinity;
    }
    level += 0.3 * (ys[i]! - level);
  }
  return out;
}

/** The minutes that complete a drift. */
const reference = (ys: number[]) => referenceMinutes(ys).filter((m) => m.drift);

/** A healthy room: a slow swing and ventilation cycles of a few tenths, as the demo's sensors wander. */
const healthy = (n: number, base = 21) => Array.from({ length: n }, (_, i) => base + 0.5 * Math.sin(i / 4) + 0.3 * Math.sin(i / 1.7 + 1) + 2 * Math.sin((2 * Math.PI * i) / 1440));

/** The module over one sensor's minutes: its detections (the records with drift true); every minute but the first has a record. */
async function run(ys: number[]) {
  const driver = await TestDriver.create(sensorDrift);
  driver.pipeAll('stats', ys.map((y, i) => minute(i, y)));
  expect(driver.readDeadLetters()).toEqual([]);
  const rows = driver.readValues();
  expect(rows.map((r) => r.windowStart)).toEqual(ys.slice(1).map((_, i) => T0 + (i + 1) * MINUTE));
  return rows.filter((r) => r.drift);
}

describe('streams/sensor-drift', () => {
  it('stays quiet over two days of a healthy sensor (a daily swing of 2 °C and a wander of tenths)', async () => {
    const ys = healthy(2 * 1440);
    expect(reference(ys)).toEqual([]);
    expect(await run(ys)).toEqual([]);
  });

  it('detects an overheating ramp (+2 °C a minute) in its third minute, with the evidence the test computes', async () => {
    const ramp = [22, 24, 26, 28].map((rise) => rise - 21); // +1, +3, +5, +7 °C over the minutes of the fault
    const ys = [...Array.from({ length: 30 }, () => 21), ...ramp.map((r) => 21 + r), ...Array.from({ length: 30 }, () => 21)];
    const expected = reference(ys);
    expect(expected.map((e) => e.at)).toEqual([32]); // minute 30 is the ramp's first
    const rows = await run(ys);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sensorId: 's1', windowStart: T0 + 32 * MINUTE, windowEnd: T0 + 33 * MINUTE, meanTemperature: 26, drift: true, minutes: 32, detections: 1 });
    expect(rows[0]!.evidence).toBeCloseTo(expected[0]!.evidence, 9);
    expect(rows[0]!.deviation).toBeCloseTo(expected[0]!.deviation, 9);
    expect(rows[0]!.expected).toBeCloseTo(26 - expected[0]!.deviation, 9);
    expect(rows[0]!.evidence).toBeGreaterThan(2);
  });

  it('detects a step of +3 °C held on a wandering sensor, and only that', async () => {
    const ys = healthy(120).map((y, i) => (i >= 60 ? y + 3 : y));
    const expected = reference(ys);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.every((e) => e.at >= 60 && e.at < 63)).toBe(true);
    const rows = await run(ys);
    expect(rows.map((r) => (r.windowStart - T0) / MINUTE)).toEqual(expected.map((e) => e.at));
  });

  it('takes a fall, or the drop at the end of an overheating, for no drift', async () => {
    const fall = healthy(120).map((y, i) => (i >= 60 ? y - 5 : y));
    expect(await run(fall)).toEqual([]);
    // Recovery: back down 7 °C at once, then the healthy wander: nothing after the fault's own detection.
    const fault = healthy(120).map((y, i) => (i >= 40 && i < 44 ? y + 1 + 2 * (i - 40) : y));
    const rows = await run(fault);
    expect(rows.map((r) => (r.windowStart - T0) / MINUTE)).toEqual([42]);
    expect(reference(fault).map((e) => e.at)).toEqual([42]);
  });

  it('is not fooled by a history that starts at the end of a fault (as a backfill may)', async () => {
    // The first minutes are the last of an overheating (the level starts hot), then the room as it is.
    const ys = [27, 29, ...healthy(60).slice(2)];
    expect(reference(ys)).toEqual([]);
    expect(await run(ys)).toEqual([]);
  });

  it('does not count a repeated minute twice, and keeps the same state across a restart', async () => {
    const ys = healthy(80).map((y, i) => (i >= 50 ? y + 3 : y));
    const straight = await run(ys);
    expect(straight.length).toBeGreaterThan(0);
    const driver = await TestDriver.create(sensorDrift);
    driver.pipeAll('stats', ys.slice(0, 51).map((y, i) => minute(i, y)));
    driver.pipe('stats', minute(50, ys[50]!)); // the first minute of the step, again
    driver.restart();
    driver.pipeAll('stats', ys.slice(51).map((y, i) => minute(i + 51, y)));
    const rows = driver.readValues();
    expect(rows.filter((r) => r.drift)).toEqual(straight);
    const again = await TestDriver.create(sensorDrift);
    again.pipeAll('stats', ys.map((y, i) => minute(i, y)));
    expect(rows).toEqual(again.readValues()); // every minute's record, evidence included, bit for bit
  });

  it("each minute's evidence is the cumulative sum written out, building up to the detection", async () => {
    const ys = healthy(90).map((y, i) => (i >= 40 ? y + 3 : y));
    const driver = await TestDriver.create(sensorDrift);
    driver.pipeAll('stats', ys.map((y, i) => minute(i, y)));
    const rows = driver.readValues();
    const expected = referenceMinutes(ys);
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, k) => {
      expect(r.evidence).toBeCloseTo(expected[k]!.evidence, 9);
      expect(r.drift).toBe(expected[k]!.drift);
    });
    expect(rows.some((r) => r.drift)).toBe(true);
  });

  it('keeps each sensor apart', async () => {
    const driver = await TestDriver.create(sensorDrift);
    const warm = healthy(60, 25);
    healthy(60).forEach((y, i) => {
      driver.pipe('stats', minute(i, i >= 30 ? y + 4 : y, 's1'));
      driver.pipe('stats', minute(i, warm[i]!, 's2')); // warmer, but steady
    });
    const rows = driver.readValues().filter((r) => r.drift);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.sensorId === 's1')).toBe(true);
  });
});
