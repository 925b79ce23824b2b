/**
 * The demo's data: a fleet of temperature sensors producing Avro readings to
 * `sensor.readings` (key = sensorId), with faults a model should catch: a sensor
 * overheating, one stuck on a value, one dead for a while, and readings that arrive late.
 * Beside them, a table: one row per sensor in the compacted topic `sensor.metadata` (key =
 * sensorId, as many partitions as the readings), written at every start (the same rows for
 * the same seed), which modules join with (`joinTable`).
 *
 * Readings follow a fixed timetable: the fleet reads `rate` times a second, the sensors in
 * turn, so reading n is taken at floor(n * 1000 / rate) ms by sensor n mod sensors. What
 * each reading says is a pure function of (seed, sensor, time) (`fleet-model.ts`,
 * `fleet-faults.ts`). On an empty topic `start` first produces `backfill` of history, as
 * fast as the log takes it, so windows close and charts have a past at once; on a topic
 * with data it continues from now. Then a timer (every 200 ms of the clock) produces what
 * has come due. Lifecycle as everywhere in fastdata: the constructor does no I/O; `start`
 * and `stop` are idempotent.
 *
 * @example
 * const fleet = createSensorFleet({ log, serde, sensors: 20, rate: 40, backfill: '10m' });
 * await fleet.start();   // topic created, schema registered, 10 minutes of history produced
 * fleet.stats();         // { state: 'running', produced: 24000, activeFaults: [...], ... }
 * await fleet.stop();
 */
import { errorMessage } from '../errors.js';
import type { ProduceRecord } from '../log/types.js';
import type { AvroEncoder } from '../schema/serde.js';
import { valueSubject } from '../schema/types.js';
import { CloseQueue } from '../stream/ops/close-queue.js';
import { FaultSchedule, type FaultWindow } from './fleet-faults.js';
import { type FleetReading, type SensorMetadata, type SensorProfile, readingAt, sensorMetadata, sensorProfiles } from './fleet-model.js';
import { type ResolvedFleetOptions, type SensorFleetOptions, resolveFleetOptions } from './fleet-options.js';
import { SENSOR_METADATA_SCHEMA } from './sensor-metadata-schema.js';
import { SENSOR_READING_SCHEMA } from './sensor-reading-schema.js';

export type { FaultKind, FaultOption, SensorFleetOptions } from './fleet-options.js';
export type { FleetReading } from './fleet-model.js';

/** A fault on one sensor over [since, until) in event time. */
export interface SensorFault {
  kind: FaultWindow['kind'];
  sensorId: string;
  since: number;
  until: number;
}

export interface SensorFleetStats {
  state: 'idle' | 'starting' | 'backfilling' | 'running' | 'stopped';
  topic: string;
  /** Partitions of the topic, once started. */
  partitions: number | undefined;
  sensors: number;
  /** Readings per second, whole fleet. */
  rate: number;
  /** Readings produced by this generator since it was created, backfill included. */
  produced: number;
  backfilled: number;
  /** Readings produced after a delay, out of order (the `late` fault). */
  late: number;
  /** Delayed readings not produced yet. */
  held: number;
  /** Event time up to which every on-time reading has been produced. */
  through: number | undefined;
  /** Failed produce calls (retried on the next tick). */
  errors: number;
  lastError: string | undefined;
  /** Faults happening now (by the clock). */
  activeFaults: SensorFault[];
  /** One line for a status page. */
  details: string;
}

export interface SensorFleet {
  readonly name: 'sensor-fleet';
  readonly topic: string;
  /** Creates the topic if missing, registers the schema, backfills an empty topic, then produces on a timer. */
  start(): Promise<void>;
  /** Stops the timer and waits for the produce call in flight. Delayed readings not sent yet are dropped. */
  stop(): Promise<void>;
  stats(): SensorFleetStats;
  /** The fault windows overlapping [from, to) of event time: where to look for them in the data. */
  faultsBetween(from: number, to: number): SensorFault[];
}

/** Validates the options (FD_CONFIG_INVALID names every bad field) and returns a fleet that has not started. */
export function createSensorFleet(options: SensorFleetOptions): SensorFleet {
  return new Fleet(resolveFleetOptions(options));
}

const TICK_MS = 200;
/** Records per produce call: large enough for a fast backfill, small enough to stay under the log's batch limits. */
const MAX_BATCH = 2000;

interface Batch {
  records: ProduceRecord[];
  late: number;
  through: number;
}

class Fleet implements SensorFleet {
  readonly name = 'sensor-fleet' as const;
  readonly topic: string;
  private readonly o: ResolvedFleetOptions;
  private readonly profiles: SensorProfile[];
  private readonly schedule: FaultSchedule;
  /** Milliseconds between two readings of the fleet. */
  private readonly step: number;
  private encoder: AvroEncoder<FleetReading> | undefined;
  private nextN = 0;
  /** Late readings by the time they are to be sent. */
  private readonly held = new CloseQueue<FleetReading>();
  /** A batch whose produce call failed, sent again first. */
  private retry: Batch | undefined;
  private starting: Promise<void> | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private stopTimer: (() => void) | undefined;
  private state: SensorFleetStats['state'] = 'idle';
  private partitions: number | undefined;
  private through: number | undefined;
  private lastError: string | undefined;
  private readonly counts = { produced: 0, backfilled: 0, late: 0, errors: 0 };

  constructor(options: ResolvedFleetOptions) {
    this.o = options;
    this.topic = options.topic;
    this.profiles = sensorProfiles(options.sensors, options.seed);
    this.schedule = new FaultSchedule(options.faults, options.seed, options.sensors);
    this.step = 1000 / options.rate;
  }

  start(): Promise<void> {
    if (this.starting === undefined) {
      this.stopping = false;
      this.starting = this.run().catch((error: unknown) => {
        this.starting = undefined;
        this.state = 'idle';
        this.lastError = errorMessage(error);
        throw error;
      });
    }
    return this.starting;
  }

  async stop(): Promise<void> {
    const starting = this.starting;
    if (starting === undefined) return;
    this.stopping = true;
    await starting.catch(() => {});
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.pumping;
    if (this.starting === starting) this.starting = undefined;
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    const { log, serde, clock, partitions, backfillMs } = this.o;
    this.state = 'starting';
    this.encoder = await serde.encoderFor<FleetReading>(valueSubject(this.topic), SENSOR_READING_SCHEMA);
    const existing = await log.describeTopic(this.topic);
    if (existing === undefined) await log.createTopic({ name: this.topic, partitions });
    this.partitions = existing?.partitions ?? partitions;
    await this.writeMetadata(this.partitions);
    const hasData = existing !== undefined && (await log.offsets(this.topic)).some((p) => p.end > p.start);
    const now = clock.now();
    this.held.clear();
    this.retry = undefined;
    if (!hasData && backfillMs > 0) {
      this.state = 'backfilling';
      this.nextN = this.firstAtOrAfter(now - backfillMs);
      await this.pump(now - 1, true);
    } else {
      // Resuming: the time the generator was off stays a gap, as it would for real sensors.
      this.nextN = this.firstAtOrAfter(now);
      this.through = now - 1;
    }
    if (this.stopping) return;
    this.state = 'running';
    this.stopTimer = clock.every(TICK_MS, () => this.kick());
  }

  /** The fleet's table: a row per sensor, in a compacted topic co-partitioned with the readings. */
  private async writeMetadata(partitions: number): Promise<void> {
    const { log, serde, seed, metadataTopic } = this.o;
    const encoder = await serde.encoderFor<SensorMetadata>(valueSubject(metadataTopic), SENSOR_METADATA_SCHEMA);
    if ((await log.describeTopic(metadataTopic)) === undefined) await log.createTopic({ name: metadataTopic, partitions, config: { cleanupPolicy: 'compact' } });
    const rows = this.profiles.map((p) => sensorMetadata(p, seed));
    for (let i = 0; i < rows.length; i += MAX_BATCH) {
      await log.produce(metadataTopic, rows.slice(i, i + MAX_BATCH).map((row) => ({ key: row.sensorId, value: encoder.encode(row) })));
    }
  }

  /** On each tick: produce what is due, one pump at a time; a tick during a pump asks for one more round. */
  private kick(): void {
    if (this.pumping !== undefined) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        try {
          await this.pump(this.o.clock.now(), false);
        } catch (error) {
          this.counts.errors++;
          this.lastError = errorMessage(error);
        }
      } while (this.again && !this.stopping);
    })().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Produces every reading due by `until` (event time), in batches. Live, a failed batch waits for the next tick; in the backfill it fails `start`. */
  private async pump(until: number, backfill: boolean): Promise<void> {
    while (!this.stopping) {
      const retried = this.retry !== undefined;
      const batch = this.retry ?? this.take(until);
      this.retry = undefined;
      if (batch.records.length > 0) {
        try {
          await this.o.log.produce(this.topic, batch.records);
        } catch (error) {
          this.retry = batch;
          if (backfill) throw error;
          this.counts.errors++;
          this.lastError = errorMessage(error);
          return;
        }
        this.counts.produced += batch.records.length;
        this.counts.late += batch.late;
        if (backfill) this.counts.backfilled += batch.records.length;
      }
      this.through = batch.through;
      if (!retried && batch.records.length < MAX_BATCH) return;
    }
  }

  /** The next readings in the order the fleet sends them (on-time ones when taken, late ones when released), up to `until`. */
  private take(until: number): Batch {
    const records: ProduceRecord[] = [];
    let late = 0;
    while (records.length < MAX_BATCH) {
      const next = this.tsOf(this.nextN);
      const release = this.held.peekTime();
      if (release <= until && release <= next) {
        records.push(this.record(this.held.pop()![1]));
        late++;
        continue;
      }
      if (next > until) break;
      const profile = this.profiles[this.nextN % this.o.sensors]!;
      this.nextN++;
      const reading = readingAt(profile, next, this.o.seed, this.schedule);
      if (reading === undefined) continue; // dead
      const delay = this.schedule.delay(profile.index, next);
      if (delay > 0) this.held.push(next + delay, reading);
      else records.push(this.record(reading));
    }
    return { records, late, through: this.tsOf(this.nextN) - 1 };
  }

  private record(reading: FleetReading): ProduceRecord {
    return { key: reading.sensorId, value: this.encoder!.encode(reading), timestamp: reading.ts };
  }

  private tsOf(n: number): number {
    return Math.floor(n * this.step);
  }

  /** The first reading number taken at or after `t`. */
  private firstAtOrAfter(t: number): number {
    let n = Math.max(0, Math.ceil(t / this.step));
    while (n > 0 && this.tsOf(n - 1) >= t) n--;
    while (this.tsOf(n) < t) n++;
    return n;
  }

  faultsBetween(from: number, to: number): SensorFault[] {
    return this.schedule.between(from, to).map((w) => ({ kind: w.kind, sensorId: this.profiles[w.sensor]!.sensorId, since: w.start, until: w.end }));
  }

  stats(): SensorFleetStats {
    const now = this.o.clock.now();
    const activeFaults = this.faultsBetween(now, now + 1);
    const { sensors, rate } = this.o;
    const { produced, backfilled, late, errors } = this.counts;
    const faults = activeFaults.map((f) => `${f.kind} ${f.sensorId}`).join(', ');
    const details =
      `${sensors} sensors, ${rate} readings/s; ${produced} produced (${backfilled} backfilled, ${late} late)` +
      (faults ? `; faults now: ${faults}` : '') +
      (this.lastError !== undefined && errors > 0 ? `; ${errors} failed produce calls, last: ${this.lastError}` : '');
    return {
      state: this.state,
      topic: this.topic,
      partitions: this.partitions,
      sensors,
      rate,
      produced,
      backfilled,
      late,
      held: this.held.size,
      through: this.through,
      errors,
      lastError: this.lastError,
      activeFaults,
      details,
    };
  }
}
