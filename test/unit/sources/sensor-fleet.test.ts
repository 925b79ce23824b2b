import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { partitionForKey } from '../../../src/log/partitioner.js';
import type { Log, ProduceRecord } from '../../../src/log/types.js';
import { parseAvroSchema } from '../../../src/schema/avro.js';
import { createSensorFleet } from '../../../src/sources/sensor-fleet.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { FleetHarness, MINUTE, T, bySensor } from './fleet-fixtures.js';

describe('sensor fleet: producing', () => {
  let h: FleetHarness;
  beforeEach(async () => {
    h = await FleetHarness.open();
  });
  afterEach(async () => {
    await h.close();
  });

  it('does no I/O until started, then creates the topic and registers the schema of schemas/sensor-reading.avsc', async () => {
    const fleet = h.fleet({ faults: [], backfill: 0 });
    expect(await h.log.describeTopic('sensor.readings')).toBeUndefined();
    expect(fleet.stats()).toMatchObject({ state: 'idle', produced: 0 });
    await fleet.start();
    expect(await h.log.describeTopic('sensor.readings')).toMatchObject({ partitions: 4 });
    const registered = await h.registry.getLatest('sensor.readings-value');
    expect(registered.schema).toBe(parseAvroSchema(readFileSync('schemas/sensor-reading.avsc', 'utf8')).canonical);
    expect(fleet.stats()).toMatchObject({ state: 'running', partitions: 4, backfilled: 0 });
  });

  it('backfills an empty topic with 10 minutes of history: 20 sensors, each every 500 ms', async () => {
    const fleet = h.fleet({ faults: [] });
    await fleet.start();
    const readings = await h.readings();
    expect(readings).toHaveLength(24_000);
    expect(fleet.stats()).toMatchObject({ produced: 24_000, backfilled: 24_000, late: 0, held: 0 });
    expect(Math.min(...readings.map((r) => r.ts))).toBe(T - 10 * MINUTE);
    expect(Math.max(...readings.map((r) => r.ts))).toBeLessThan(T);

    const sensors = bySensor(readings);
    expect([...sensors.keys()].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `sensor-${String(i + 1).padStart(2, '0')}`));
    for (const list of sensors.values()) {
      expect(list).toHaveLength(1200);
      expect(new Set(list.slice(1).map((r, i) => r.ts - list[i]!.ts))).toEqual(new Set([500]));
    }
    expect(new Set(readings.map((r) => r.site))).toEqual(new Set(['plant-a', 'plant-b', 'plant-c']));
    for (const r of readings) {
      expect(r.temperature).toBeGreaterThan(12);
      expect(r.temperature).toBeLessThan(32);
      expect(r.humidity).toBeGreaterThanOrEqual(5);
      expect(r.humidity).toBeLessThanOrEqual(99);
      expect(r.battery).toBeGreaterThan(0);
      expect(r.battery).toBeLessThanOrEqual(100);
    }
  });

  it('keys readings by sensorId, so each sensor stays on the partition Kafka would pick', async () => {
    await h.fleet({ faults: [], backfill: '1m', partitions: 3 }).start();
    const readings = await h.readings();
    expect(new Set(readings.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
    for (const r of readings) {
      expect(r.key).toBe(r.sensorId);
      expect(r.partition).toBe(partitionForKey(Buffer.from(r.sensorId), 3));
    }
  });

  it('writes the sensor.metadata table: a compacted topic beside the readings, one row per sensor on its sensor’s partition, the same rows at every start', async () => {
    const fleet = h.fleet({ faults: [], backfill: 0, sensors: 12, partitions: 3 });
    await fleet.start();
    await fleet.stop();
    await h.fleet({ faults: [], backfill: 0, sensors: 12, partitions: 3 }).start();
    expect(await h.log.describeTopic('sensor.metadata')).toMatchObject({ partitions: 3, config: { cleanupPolicy: 'compact' } });
    const registered = await h.registry.getLatest('sensor.metadata-value');
    expect(registered.schema).toBe(parseAvroSchema(readFileSync('schemas/sensor-metadata.avsc', 'utf8')).canonical);
    const records = await readAll(h.log, 'sensor.metadata');
    expect(records).toHaveLength(24);
    const latest = new Map<string, { partition: number; row: Record<string, unknown> }>();
    for (const r of records) latest.set(r.key!.toString(), { partition: r.partition, row: (await h.serde.decode(r.value!)) as Record<string, unknown> });
    expect([...latest.keys()].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `sensor-${String(i + 1).padStart(2, '0')}`));
    for (const [key, { partition, row }] of latest) {
      expect(partition).toBe(partitionForKey(Buffer.from(key), 3));
      expect(row).toMatchObject({ sensorId: key, site: expect.stringMatching(/^plant-/), location: expect.stringContaining(' / hall '), model: expect.any(String) });
      expect(row.maxTemperature).toBeGreaterThan(20);
    }
  });

  it('then produces what comes due on the clock, in order', async () => {
    const fleet = h.fleet({ faults: [], backfill: '1m', sensors: 4, rate: 8 });
    await fleet.start();
    const before = (await h.readings()).length;
    await h.advance(fleet, 1000);
    await h.advance(fleet, 1000);
    const fresh = (await h.readings()).filter((r) => r.ts >= T);
    expect(before).toBe(480);
    expect(fresh.map((r) => r.ts).sort((a, b) => a - b)).toEqual(Array.from({ length: 17 }, (_, i) => T + i * 125));
    for (const list of bySensor(await h.readings()).values()) {
      const inLog = [...list].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
      expect(inLog.map((r) => r.ts)).toEqual(list.map((r) => r.ts)); // no fault: log order is time order
    }
    expect(fleet.stats().produced).toBe(497);
  });

  it('continues from now on a topic that has data: no second backfill', async () => {
    const first = h.fleet({ faults: [], backfill: '1m', sensors: 2, rate: 2 });
    await first.start();
    await first.stop();
    h.clock.advance(5 * MINUTE);
    const second = h.fleet({ faults: [], backfill: '1m', sensors: 2, rate: 2 });
    await second.start();
    expect(second.stats().backfilled).toBe(0);
    await h.advance(second, 2000);
    const readings = await h.readings();
    expect(readings.filter((r) => r.ts < T)).toHaveLength(120);
    expect(readings.filter((r) => r.ts >= T).map((r) => r.ts - T)).toEqual([5 * MINUTE, 5 * MINUTE + 500, 5 * MINUTE + 1000, 5 * MINUTE + 1500, 5 * MINUTE + 2000]);
  });

  it('keeps the partition count of an existing topic', async () => {
    await h.log.createTopic({ name: 'sensor.readings', partitions: 2 });
    const fleet = h.fleet({ faults: [], backfill: '10s', partitions: 8 });
    await fleet.start();
    expect(fleet.stats().partitions).toBe(2);
    expect(new Set((await h.readings()).map((r) => r.partition))).toEqual(new Set([0, 1]));
  });

  it('starts and stops idempotently, and produces nothing once stopped', async () => {
    const fleet = h.fleet({ faults: [], backfill: '10s', sensors: 2, rate: 2 });
    await fleet.stop();
    const starting = fleet.start();
    expect(fleet.start()).toBe(starting);
    await starting;
    await Promise.all([fleet.stop(), fleet.stop()]);
    const count = (await h.readings()).length;
    h.clock.advance(10_000);
    expect(fleet.stats().state).toBe('stopped');
    expect(await h.readings()).toHaveLength(count);
  });

  it('retries a batch the log refused on the next tick, losing nothing', async () => {
    let failures = 1;
    const flaky = new Proxy(h.log, {
      get(target, prop) {
        if (prop === 'produce') {
          return async (topic: string, records: ProduceRecord[]) => {
            // The readings' first live batch fails (the metadata rows go through at start).
            if (topic !== 'sensor.readings' || failures === 0) return target.produce(topic, records);
            failures--;
            throw new Error('disk full');
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Log;
    const fleet = h.fleet({ faults: [], backfill: 0, sensors: 2, rate: 4 }, flaky);
    await fleet.start();
    h.clock.advance(200); // this produce call fails
    await eventually(() => fleet.stats().errors === 1);
    expect(fleet.stats()).toMatchObject({ lastError: 'disk full', details: expect.stringContaining('1 failed produce calls, last: disk full') });
    await h.advance(fleet, 800);
    expect((await h.readings()).map((r) => r.ts - T)).toEqual([0, 250, 500, 750, 1000]);
  });
});

describe('sensor fleet: determinism', () => {
  const harnesses: FleetHarness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });

  async function run(seed: number) {
    const h = await FleetHarness.open();
    harnesses.push(h);
    const fleet = h.fleet({ seed, backfill: '2m', sensors: 5, rate: 10 });
    await fleet.start();
    await h.advance(fleet, 3000);
    return (await h.readings()).map(({ partition, offset, ...r }) => [partition, offset, r]);
  }

  it('produces the same readings, in the same order, for the same seed and clock; others for another seed', async () => {
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('sensor fleet: options', () => {
  const log = {} as Log;
  const attempt = (options: Record<string, unknown>) => {
    try {
      createSensorFleet({ log: { produce() {}, createTopic() {} }, serde: { encoderFor() {} }, ...options } as never);
    } catch (error) {
      if (isFastdataError(error, 'FD_CONFIG_INVALID')) return error.message;
      throw error;
    }
    return 'accepted';
  };

  it('reports every bad option at once, each with its field, its value and the fix', () => {
    const message = attempt({
      sensors: 0,
      rate: -1,
      backfill: '10 minutes',
      partitions: 1.5,
      seed: 'abc',
      sensor: 3,
      faults: ['fire', { kind: 'stuck', every: '1m', duration: '5m' }, 'late', { kind: 'late' }, { kind: 'overheating', degrees: 100, when: 'often' }],
    });
    expect(message).toMatch(/^sensor fleet options are not valid:\n/);
    const expected = [
      /- sensor: unknown option; the options are log, serde, topic, metadataTopic, sensors, rate/,
      /- sensors: 0 is not a whole number from 1 to 10000; e\.g\. sensors: 20/,
      /- rate: -1 is not a number of readings per second \(whole fleet\) in \(0, 100000\]; e\.g\. rate: 40/,
      /- backfill: "10 minutes" is not a valid duration; write a number of milliseconds \(zero or more\) or a string such as '250ms'/,
      /- seed: "abc" is not a whole number from 0 to 4294967295/,
      /- partitions: 1\.5 is not a whole number from 1 to 1000; e\.g\. partitions: 4/,
      /- faults\[0\]: "fire" is not a fault; use one of overheating, stuck, dead, late/,
      /- faults\[1\]\.duration: 5m is not shorter than every \(1m\)/,
      /- faults\[3\]: late is listed twice/,
      /- faults\[4\]\.when: unknown option; the options are kind, every, duration, degrees/,
      /- faults\[4\]\.degrees: 100 is not a number of degrees Celsius in \(0, 50\]/,
    ];
    for (const pattern of expected) expect(message).toMatch(pattern);
    expect(message.split('\n  - ')).toHaveLength(expected.length + 1);
  });

  it('names missing dependencies and refuses a backfill longer than the topic keeps', () => {
    expect(() => createSensorFleet({ log } as never)).toThrow(/log: pass the Log to produce to[\s\S]*serde: pass an AvroSerde/);
    expect(attempt({ backfill: '8d' })).toMatch(/backfill: 8d is more than the 7d the topic keeps/);
    expect(attempt({ topic: 'sensor readings' })).toMatch(/topic: topic name "sensor readings" is not valid/);
    expect(attempt({ faults: 'late' })).toMatch(/faults: "late" is not a list/);
    expect(attempt({ faults: [{ kind: 'late', probability: 2, maxDelay: '500ms' }] })).toMatch(/probability: 2 is not a probability in \(0, 1\][\s\S]*maxDelay: 500ms is under 1s/);
  });

  it('accepts its defaults and every fault by name, without changing the options given', () => {
    const options = Object.freeze({ faults: Object.freeze(['overheating', 'stuck', 'dead', 'late']), backfill: 0, rate: 0.5 });
    expect(attempt(options)).toBe('accepted');
    expect(attempt({})).toBe('accepted');
  });
});
