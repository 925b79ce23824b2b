/**
 * Writes the demo's recorded data (data/plant-r-*.csv), which sources/ replays beside the
 * live generator: one hour of four sensors of a plant "plant-r" reading every 2 s, with an
 * overheating fault 40 minutes in, from the fleet model the generator uses
 * (src/sources/fleet-model.ts). Deterministic: run again, the same files come out.
 *
 *   node --import tsx scripts/record-fleet.ts
 */
import { writeFileSync } from 'node:fs';
import { FaultSchedule } from '../src/sources/fleet-faults.js';
import { readingAt, sensorMetadata, sensorProfiles } from '../src/sources/fleet-model.js';

const SEED = 7;
const SENSORS = 4;
const EVERY_MS = 2_000;
const START = Date.UTC(2026, 5, 1, 13, 0, 0);
const HOUR_MS = 3_600_000;
const id = (i: number) => `plant-r-${String(i + 1).padStart(2, '0')}`;

const profiles = sensorProfiles(SENSORS, SEED);
// One overheating fault per hour, 4 minutes long: the schedule picks its sensor and time from the seed.
const faults = new FaultSchedule({ overheating: { everyMs: HOUR_MS, durationMs: 240_000, degrees: 8 } }, SEED, SENSORS);

const readings = ['sensorId,site,ts,temperature,humidity,battery'];
for (let ts = START; ts < START + HOUR_MS; ts += EVERY_MS) {
  for (const p of profiles) {
    const r = readingAt(p, ts, SEED, faults);
    if (!r) continue;
    readings.push([id(p.index), 'plant-r', new Date(ts).toISOString(), r.temperature.toFixed(2), r.humidity.toFixed(1), r.battery.toFixed(1)].join(','));
  }
}
writeFileSync('data/plant-r-readings.csv', `${readings.join('\n')}\n`);

const sensors = ['sensorId,site,location,model,installedAt,maxTemperature'];
for (const p of profiles) {
  const m = sensorMetadata(p, SEED);
  sensors.push([id(p.index), 'plant-r', `plant-r / hall ${1 + (p.index % 3)}`, m.model, new Date(m.installedAt).toISOString(), m.maxTemperature].join(','));
}
writeFileSync('data/plant-r-sensors.csv', `${sensors.join('\n')}\n`);
const window = faults.between(START, START + HOUR_MS)[0];
console.log(`data/plant-r-readings.csv: ${readings.length - 1} readings; overheating ${window ? `${id(window.sensor)} from minute ${Math.round((window.start - START) / 60_000)}` : 'none'}`);
