/**
 * What the benchmarks run on: the demo's sensor readings, generated the same way for every
 * bench, and a 1:1 map module (one output per reading) beside the demo's windowed module.
 */
import { map } from 'rxjs';
import type { defineStream as DefineStream } from '../src/stream/define.js';
import { mulberry32 } from '../src/sources/random.js';
import type { SensorReading as Reading } from '../streams/types.js';

/**
 * Every sensor reports once a second from `start`; records come in the order of their
 * nominal time and carry an event time jittered by up to ±250 ms (well inside the demo's
 * 10 s grace: none is late). Seeded: every run measures the same records.
 */
export function generateReadings(n: number, sensors: number, start: number): Reading[] {
  return [...readings(n, sensors, start)];
}

/** The same readings one at a time, for runs too large to hold in memory (bench/kafka.ts at 8M). */
export function* readings(n: number, sensors: number, start: number): Generator<Reading> {
  const rand = mulberry32(42);
  const ids = Array.from({ length: sensors }, (_, i) => `sensor-${String(i).padStart(5, '0')}`);
  const sites = ids.map((_, i) => `plant-${String.fromCharCode(97 + (i % 8))}`);
  const base = ids.map(() => 15 + rand() * 10);
  for (let i = 0; i < n; i++) {
    const round = Math.floor(i / sensors);
    const s = i % sensors;
    const nominal = start + round * 1000 + Math.floor((s * 1000) / sensors);
    yield {
      sensorId: ids[s]!,
      site: sites[s]!,
      ts: nominal + Math.round((rand() - 0.5) * 500),
      temperature: base[s]! + 3 * Math.sin(round / 600) + (rand() - 0.5),
      humidity: 40 + 20 * rand(),
      battery: Math.max(0, 100 - round / 1000),
    };
  }
}

/** What the 1:1 map module writes for every reading. */
export interface Enriched {
  sensorId: string;
  site: string;
  ts: number;
  temperatureF: number;
  humidity: number;
}

export const enrichedSchema = {
  type: 'record',
  name: 'EnrichedReading',
  namespace: 'bench',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'site', type: 'string' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'temperatureF', type: 'double' },
    { name: 'humidity', type: 'double' },
  ],
};

/**
 * A module that decodes, converts and encodes every reading. `defineStream` is passed in
 * from the bench's one copy of fastdata (dist/), so the module belongs to that copy.
 */
export function mapModule(defineStream: typeof DefineStream, name: string, input: string, output: string) {
  return defineStream<{ readings: Reading }, Enriched>({
    name,
    inputs: { readings: input },
    output: { topic: output, schema: enrichedSchema, key: (e) => e.sensorId },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(map((r): Enriched => ({ sensorId: r.sensorId, site: r.site, ts: r.ts, temperatureF: (r.temperature * 9) / 5 + 32, humidity: r.humidity }))),
  });
}
