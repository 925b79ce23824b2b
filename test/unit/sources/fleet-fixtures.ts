import { join } from 'node:path';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import type { Log } from '../../../src/log/types.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { createSensorFleet, type FleetReading, type SensorFleet, type SensorFleetOptions } from '../../../src/sources/sensor-fleet.js';
import { ManualClock } from '../../../src/time/clock.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A Monday, 09:00 UTC, on the minute: where the tests' clocks start. */
export const T = Date.UTC(2026, 0, 5, 9, 0);
export const MINUTE = 60_000;

export interface Produced extends FleetReading {
  partition: number;
  offset: number;
  key: string;
}

/**
 * An embedded log and registry in a temp dir, on a ManualClock that the log shares (so
 * retention judges the readings' times by the same clock), and the fleets made over them.
 */
export class FleetHarness {
  readonly clock = new ManualClock(T);
  readonly fleets: SensorFleet[] = [];
  log!: EmbeddedLog;
  registry!: EmbeddedSchemaRegistry;
  serde!: AvroSerde;
  private dir!: { path: string; remove: () => Promise<void> };

  static async open(): Promise<FleetHarness> {
    const h = new FleetHarness();
    h.dir = await tempDir('fastdata-fleet-');
    h.log = await EmbeddedLog.open(join(h.dir.path, 'log'), { fsync: 'never', clock: h.clock });
    h.registry = await EmbeddedSchemaRegistry.open(join(h.dir.path, 'registry'));
    h.serde = new AvroSerde(h.registry);
    return h;
  }

  fleet(options: Omit<SensorFleetOptions, 'log' | 'serde'> = {}, log: Log = this.log): SensorFleet {
    const fleet = createSensorFleet({ log, serde: this.serde, clock: this.clock, ...options });
    this.fleets.push(fleet);
    return fleet;
  }

  /** Moves the clock and waits until the fleet has produced every on-time reading due by then. */
  async advance(fleet: SensorFleet, ms: number): Promise<void> {
    this.clock.advance(ms);
    const target = this.clock.now();
    await eventually(() => (fleet.stats().through ?? -Infinity) >= target);
  }

  /** Every reading in the topic, decoded, in partition then offset order. */
  async readings(topic = 'sensor.readings'): Promise<Produced[]> {
    const out: Produced[] = [];
    for (const r of await readAll(this.log, topic)) {
      const value = (await this.serde.decode(r.value!)) as FleetReading;
      out.push({ ...value, partition: r.partition, offset: r.offset, key: r.key!.toString('utf8') });
    }
    return out;
  }

  async close(): Promise<void> {
    for (const fleet of this.fleets) await fleet.stop();
    await this.log?.close();
    await this.registry?.close();
    await this.dir?.remove();
  }
}

export function bySensor(readings: Produced[]): Map<string, Produced[]> {
  const out = new Map<string, Produced[]>();
  for (const r of readings) {
    const list = out.get(r.sensorId);
    if (list) list.push(r);
    else out.set(r.sensorId, [r]);
  }
  for (const list of out.values()) list.sort((a, b) => a.ts - b.ts);
  return out;
}

export const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
