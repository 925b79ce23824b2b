/**
 * What the sensors of the demo fleet read: a pure function of (seed, sensor, event time),
 * faults included, so any reading can be recomputed (by a test, or to freeze a stuck
 * sensor at the value it had when it stuck).
 *
 * A healthy sensor's temperature is its room's baseline (18-26 °C), plus a daily swing
 * shared by its site (warmest mid-afternoon UTC), plus slow ventilation cycles of its own
 * (periods of minutes, tenths of a degree: what makes minute means wander, as they do in
 * a real building), plus small draughts and reading noise. The wander is smooth on
 * purpose: against it, the demo's anomaly model (z-score of minute means, threshold 3)
 * flags very few minutes of a healthy sensor once it has learnt it (about 1 in 10,000 in
 * a simulation of 200 sensors over 2 hours), and the minutes of an overheating one. Humidity falls as the room warms; the battery
 * drains by a few percent a day and is swapped near empty.
 */
import type { FaultSchedule } from './fleet-faults.js';
import { hashGaussian, hashUniform, mulberry32 } from './random.js';

/** A reading as `schemas/sensor-reading.avsc` describes it. */
export interface FleetReading {
  sensorId: string;
  site: string;
  ts: number;
  temperature: number;
  humidity: number;
  battery: number;
}

/** A row of `sensor.metadata`, as `schemas/sensor-metadata.avsc` describes it. */
export interface SensorMetadata {
  sensorId: string;
  site: string;
  location: string;
  model: string;
  installedAt: number;
  maxTemperature: number;
}

export interface SensorProfile {
  index: number;
  sensorId: string;
  site: string;
  siteIndex: number;
  baseline: number;
  dailyAmplitude: number;
  /** Ventilation cycles: [period ms, amplitude °C, phase rad]. */
  cycles: readonly (readonly [number, number, number])[];
  humidityBaseline: number;
  /** Percent per day. */
  drain: number;
  /** Battery already used at the epoch, percent. */
  batteryOffset: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const SENSORS_PER_SITE = 8;
const NOISE_C = 0.15;
const DRAUGHT_C = 0.05;
const DRAUGHT_MS = 15_000;
const NOISE_HUMIDITY = 0.8;
/** Humidity change per °C above the baseline: warm air holds more water, so relative humidity falls. */
const HUMIDITY_PER_DEGREE = -1.2;
/** The battery is swapped when this much is used. */
const BATTERY_SPAN = 95;

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** 'plant-a' ... 'plant-z', then 'plant-aa' ... */
function siteName(i: number): string {
  let name = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(97 + ((n - 1) % 26)) + name;
  return `plant-${name}`;
}

/** The sensors of a fleet, drawn once from the seed: ids sensor-01..., sites plant-a..., one site per 8 sensors. */
export function sensorProfiles(sensors: number, seed: number): SensorProfile[] {
  const random = mulberry32(seed);
  const width = Math.max(2, String(sensors).length);
  const sites = Math.ceil(sensors / SENSORS_PER_SITE);
  return Array.from({ length: sensors }, (_, index) => {
    const siteIndex = index % sites;
    return {
      index,
      sensorId: `sensor-${String(index + 1).padStart(width, '0')}`,
      site: siteName(siteIndex),
      siteIndex,
      baseline: 18 + 8 * random(),
      dailyAmplitude: 1.5 + 2 * random(),
      cycles: [
        [(8 + 10 * random()) * MINUTE_MS, 0.2 + 0.3 * random(), 2 * Math.PI * random()],
        [(25 + 20 * random()) * MINUTE_MS, 0.15 + 0.25 * random(), 2 * Math.PI * random()],
      ],
      humidityBaseline: 35 + 20 * random(),
      drain: 0.5 + 2 * random(),
      batteryOffset: BATTERY_SPAN * random(),
    };
  });
}

const MODELS = ['TH-200', 'TH-210', 'AQ-5'] as const;
const INSTALLED_FROM = Date.UTC(2024, 0, 1);

/**
 * What the fleet's metadata says of sensor `p`. Its rated limit is its room's warmest
 * healthy reading plus a margin (baseline + daily swing + 2.5 °C): a healthy sensor stays
 * under it (ventilation cycles, draughts and noise add at most about 1.5 °C), an
 * overheating one (+8 °C) goes over it unless its room is at its coolest.
 */
export function sensorMetadata(p: SensorProfile, seed: number): SensorMetadata {
  return {
    sensorId: p.sensorId,
    site: p.site,
    location: `${p.site} / hall ${1 + (p.index % 3)}`,
    model: MODELS[Math.floor(hashUniform(seed, 11, p.index) * MODELS.length)]!,
    installedAt: INSTALLED_FROM + Math.floor(hashUniform(seed, 12, p.index) * 365) * DAY_MS,
    maxTemperature: round(p.baseline + p.dailyAmplitude + 2.5, 1),
  };
}

/** The reading of a healthy sensor at `ts`, before rounding; `ts` need not be on the sensor's schedule. */
function healthy(p: SensorProfile, ts: number, seed: number): { temperature: number; humidity: number } {
  // Warmest around 15:00 UTC, each site a little shifted.
  const sitePhase = (hashUniform(seed, 7, p.siteIndex) - 0.5) * 0.1;
  const daily = p.dailyAmplitude * Math.sin(2 * Math.PI * (ts / DAY_MS - 9 / 24 + sitePhase));
  let cycles = 0;
  for (const [period, amplitude, phase] of p.cycles) cycles += amplitude * Math.sin((2 * Math.PI * ts) / period + phase);
  // Draughts: the room shifts a little every 15 s, independently of the cycles.
  const draught = DRAUGHT_C * hashGaussian(seed, p.index, Math.floor(ts / DRAUGHT_MS), 3);
  const warmth = daily + cycles + draught;
  return {
    temperature: p.baseline + warmth + NOISE_C * hashGaussian(seed, p.index, ts, 1),
    humidity: p.humidityBaseline + HUMIDITY_PER_DEGREE * warmth + NOISE_HUMIDITY * hashGaussian(seed, p.index, ts, 2),
  };
}

/** Temperature and humidity at `ts` with overheating applied (what a stuck sensor freezes). */
function climate(p: SensorProfile, ts: number, seed: number, schedule: FaultSchedule): { temperature: number; humidity: number } {
  const value = healthy(p, ts, seed);
  const overheating = schedule.at(p.index, ts).overheating;
  if (overheating !== undefined) {
    value.temperature += (schedule.overheatingDegrees * (ts - overheating.start)) / (overheating.end - overheating.start);
  }
  return value;
}

/** The reading of sensor `p` at `ts`, or undefined while the sensor is dead. */
export function readingAt(p: SensorProfile, ts: number, seed: number, schedule: FaultSchedule): FleetReading | undefined {
  const faults = schedule.at(p.index, ts);
  if (faults.dead !== undefined) return undefined;
  const value = climate(p, faults.stuck?.start ?? ts, seed, schedule);
  const used = (p.batteryOffset + (p.drain * ts) / DAY_MS) % BATTERY_SPAN;
  return {
    sensorId: p.sensorId,
    site: p.site,
    ts,
    temperature: round(value.temperature, 2),
    humidity: round(clamp(value.humidity, 5, 99), 1),
    battery: round(100 - used, 1),
  };
}
