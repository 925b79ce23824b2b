/**
 * Options of the sensor-fleet generator: types, defaults and validation. Options come from
 * code or from `fastdata.config.yaml` (`generator.options`), so everything is checked as
 * unknown input, every problem is reported at once, and the caller's object is never changed.
 */
import { FastdataError, errorMessage } from '../errors.js';
import { validateTopicName } from '../log/validate.js';
import type { Log } from '../log/types.js';
import type { AvroSerde } from '../schema/serde.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type Duration, formatMillis, toMillis } from '../time/duration.js';

export type FaultKind = 'overheating' | 'stuck' | 'dead' | 'late';
export type WindowedFaultKind = Exclude<FaultKind, 'late'>;

/** A fault that hits one sensor, picked anew, once in every period of `every`, for `duration`. */
export interface PeriodicFault<K extends WindowedFaultKind> {
  kind: K;
  /** Length of the periods (aligned to the epoch); one fault in each. */
  every?: Duration;
  /** How long the fault lasts; shorter than `every`. */
  duration?: Duration;
}

/** Temperature ramps up linearly to `degrees` above normal over the fault, then drops back. */
export interface OverheatingFault extends PeriodicFault<'overheating'> {
  degrees?: number;
}

/** Each reading is, with `probability`, sent between 1 s and `maxDelay` after it was taken (out of order). */
export interface LateFault {
  kind: 'late';
  probability?: number;
  maxDelay?: Duration;
}

/** A fault by name (with its defaults) or with settings. */
export type FaultOption = FaultKind | OverheatingFault | PeriodicFault<'stuck'> | PeriodicFault<'dead'> | LateFault;

export interface SensorFleetOptions {
  /** Where the readings go. */
  log: Log;
  /** Registers the reading schema and encodes the readings (Avro, Confluent framing). */
  serde: AvroSerde;
  /** Default 'sensor.readings'. */
  topic?: string;
  /** The compacted topic of the fleet's metadata, one row per sensor. Default 'sensor.metadata'. */
  metadataTopic?: string;
  /** Number of sensors. Default 20. */
  sensors?: number;
  /** Readings per second, whole fleet. Default 40 (each of 20 sensors every 500 ms). */
  rate?: number;
  /** History produced at start on an empty topic, so windows close and charts have a past at once. Default '10m'; 0 for none. */
  backfill?: Duration;
  /** Default: all four kinds with their defaults; [] for a healthy fleet. */
  faults?: readonly FaultOption[];
  /** Seed of every random choice: the same seed gives the same readings for the same times. Default 1. */
  seed?: number;
  /** Processing time: when readings are due. Default: the system clock. */
  clock?: Clock;
  /** Partitions of the topic when the generator creates it. Default 4. */
  partitions?: number;
}

export interface ResolvedPeriodicFault {
  everyMs: number;
  durationMs: number;
  /** Overheating only: the rise at the end of the fault, °C. */
  degrees: number;
}

export interface ResolvedFaults {
  overheating?: ResolvedPeriodicFault;
  stuck?: ResolvedPeriodicFault;
  dead?: ResolvedPeriodicFault;
  late?: { probability: number; maxDelayMs: number };
}

export interface ResolvedFleetOptions {
  log: Log;
  serde: AvroSerde;
  topic: string;
  metadataTopic: string;
  sensors: number;
  rate: number;
  backfillMs: number;
  faults: ResolvedFaults;
  seed: number;
  clock: Clock;
  partitions: number;
}

const FAULT_DEFAULTS = {
  overheating: { every: '15m', duration: '4m', degrees: 8 },
  stuck: { every: '20m', duration: '5m', degrees: 0 },
  dead: { every: '30m', duration: '3m', degrees: 0 },
  late: { probability: 0.01, maxDelay: '30s' },
} as const;

const FAULT_KINDS: readonly FaultKind[] = ['overheating', 'stuck', 'dead', 'late'];
const OPTION_NAMES = ['log', 'serde', 'topic', 'metadataTopic', 'sensors', 'rate', 'backfill', 'faults', 'seed', 'clock', 'partitions'];
const MAX_SENSORS = 10_000;
const MAX_RATE = 100_000;
/** What the topic keeps by default: an older backfill would be deleted as it is written. */
const MAX_BACKFILL_MS = 7 * 86_400_000;

type Problems = string[];
const show = (value: unknown) => (typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)));
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function duration(problems: Problems, value: unknown, fallback: Duration, what: string, allowZero = false): number {
  try {
    return toMillis(value ?? fallback, { what, allowZero });
  } catch (error) {
    problems.push(errorMessage(error));
    return 0;
  }
}

function wholeNumber(problems: Problems, value: unknown, fallback: number, what: string, min: number, max: number, example: string): number {
  const n = value ?? fallback;
  if (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max) return n;
  problems.push(`${what}: ${show(n)} is not a whole number from ${min} to ${max}; e.g. ${what}: ${example}`);
  return fallback;
}

function unknownKeys(problems: Problems, object: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) problems.push(`${where}${key}: unknown option; the options are ${known.join(', ')}`);
  }
}

function periodicFault(problems: Problems, spec: Record<string, unknown>, kind: WindowedFaultKind, at: string): ResolvedPeriodicFault {
  const defaults = FAULT_DEFAULTS[kind];
  unknownKeys(problems, spec, kind === 'overheating' ? ['kind', 'every', 'duration', 'degrees'] : ['kind', 'every', 'duration'], `${at}.`);
  const everyMs = duration(problems, spec.every, defaults.every, `${at}.every`);
  const durationMs = duration(problems, spec.duration, defaults.duration, `${at}.duration`);
  if (everyMs > 0 && durationMs >= everyMs) {
    problems.push(`${at}.duration: ${formatMillis(durationMs)} is not shorter than every (${formatMillis(everyMs)}); one ${kind} fault happens in each period of 'every', so make the duration shorter`);
  }
  let degrees: number = defaults.degrees;
  if (kind === 'overheating') {
    const d = spec.degrees ?? degrees;
    if (typeof d === 'number' && d > 0 && d <= 50) degrees = d;
    else problems.push(`${at}.degrees: ${show(d)} is not a number of degrees Celsius in (0, 50]; e.g. degrees: 8`);
  }
  return { everyMs, durationMs, degrees };
}

function lateFault(problems: Problems, spec: Record<string, unknown>, at: string): ResolvedFaults['late'] {
  unknownKeys(problems, spec, ['kind', 'probability', 'maxDelay'], `${at}.`);
  const p = spec.probability ?? FAULT_DEFAULTS.late.probability;
  if (!(typeof p === 'number' && p > 0 && p <= 1)) problems.push(`${at}.probability: ${show(p)} is not a probability in (0, 1]; e.g. probability: 0.01 delays one reading in a hundred`);
  const maxDelayMs = duration(problems, spec.maxDelay, FAULT_DEFAULTS.late.maxDelay, `${at}.maxDelay`);
  if (maxDelayMs > 0 && maxDelayMs < 1000) problems.push(`${at}.maxDelay: ${formatMillis(maxDelayMs)} is under 1s; late readings are delayed by 1 s at least, so give '1s' or more`);
  return { probability: typeof p === 'number' ? p : 0, maxDelayMs };
}

function faults(problems: Problems, value: unknown): ResolvedFaults {
  const list = value ?? FAULT_KINDS;
  if (!Array.isArray(list)) {
    problems.push(`faults: ${show(list)} is not a list; give e.g. faults: ['overheating', 'late'], or [] for a healthy fleet`);
    return {};
  }
  const resolved: ResolvedFaults = {};
  list.forEach((item: unknown, i) => {
    const at = `faults[${i}]`;
    const spec = typeof item === 'string' ? { kind: item } : item;
    const kind = isObject(spec) ? spec.kind : undefined;
    if (!isObject(spec) || !FAULT_KINDS.includes(kind as FaultKind)) {
      problems.push(`${at}: ${show(item)} is not a fault; use one of ${FAULT_KINDS.join(', ')}, by name or as { kind, ... }`);
      return;
    }
    const k = kind as FaultKind;
    if (resolved[k] !== undefined) {
      problems.push(`${at}: ${k} is listed twice; give each kind of fault once`);
      return;
    }
    if (k === 'late') resolved.late = lateFault(problems, spec, at);
    else resolved[k] = periodicFault(problems, spec, k, at);
  });
  return resolved;
}

/** Validates the options (unknown input), applying defaults; FD_CONFIG_INVALID lists every problem, each naming the field, the value and the fix. */
export function resolveFleetOptions(input: unknown): ResolvedFleetOptions {
  const problems: Problems = [];
  const o = isObject(input) ? input : {};
  if (!isObject(input)) problems.push(`options: ${show(input)} is not an object; pass { log, serde, ... }`);
  unknownKeys(problems, o, OPTION_NAMES, '');

  const log = o.log as Log | undefined;
  if (!isObject(log) || typeof log.produce !== 'function' || typeof log.createTopic !== 'function') problems.push('log: pass the Log to produce to (e.g. the EmbeddedLog of the app)');
  const serde = o.serde as AvroSerde | undefined;
  if (!isObject(serde) || typeof serde.encoderFor !== 'function') problems.push('serde: pass an AvroSerde over the schema registry (new AvroSerde(registry))');
  const clock = (o.clock ?? systemClock) as Clock;
  if (!isObject(clock) || typeof clock.now !== 'function' || typeof clock.every !== 'function') problems.push('clock: pass a Clock (now() and every(ms, fn)), e.g. a ManualClock in tests; leave it out for the system clock');

  const topic = o.topic ?? 'sensor.readings';
  try {
    validateTopicName(topic);
  } catch (error) {
    problems.push(`topic: ${errorMessage(error)}`);
  }
  const metadataTopic = o.metadataTopic ?? 'sensor.metadata';
  try {
    validateTopicName(metadataTopic);
  } catch (error) {
    problems.push(`metadataTopic: ${errorMessage(error)}`);
  }
  if (metadataTopic === topic) problems.push(`metadataTopic: ${show(metadataTopic)} is the readings' topic too; give the table a topic of its own (default sensor.metadata)`);
  const sensors = wholeNumber(problems, o.sensors, 20, 'sensors', 1, MAX_SENSORS, '20');
  const rate = o.rate ?? 40;
  if (!(typeof rate === 'number' && rate > 0 && rate <= MAX_RATE)) {
    problems.push(`rate: ${show(rate)} is not a number of readings per second (whole fleet) in (0, ${MAX_RATE}]; e.g. rate: 40 makes each of 20 sensors read every 500 ms`);
  }
  const backfillMs = duration(problems, o.backfill, '10m', 'backfill', true);
  if (backfillMs > MAX_BACKFILL_MS) problems.push(`backfill: ${formatMillis(backfillMs)} is more than the 7d the topic keeps; give '7d' or less (e.g. '10m')`);
  const seed = wholeNumber(problems, o.seed, 1, 'seed', 0, 0xffffffff, '42');
  const partitions = wholeNumber(problems, o.partitions, 4, 'partitions', 1, 1000, '4');
  const resolvedFaults = faults(problems, o.faults);

  if (problems.length > 0) {
    throw new FastdataError('FD_CONFIG_INVALID', `sensor fleet options are not valid:\n  - ${problems.join('\n  - ')}`, {
      context: { field: problems[0]!.split(':')[0], problems },
    });
  }
  return { log: log!, serde: serde!, topic: topic as string, metadataTopic: metadataTopic as string, sensors, rate: rate as number, backfillMs, faults: resolvedFaults, seed, clock, partitions };
}
