/**
 * When and where the fleet's faults happen: a pure function of the seed, the sensor and
 * the event time. Time is cut into periods of each fault's `every` (aligned to the
 * epoch); in each period one sensor, picked by hashing (seed, kind, period), has the fault
 * for `duration`, starting at a hashed offset. So the backfill shows faults as live
 * readings do, a restart does not move them, and a test can ask where they are.
 */
import type { FaultKind, ResolvedFaults, ResolvedPeriodicFault, WindowedFaultKind } from './fleet-options.js';
import { hashUniform } from './random.js';

/** One fault on one sensor, over [start, end) in event time. */
export interface FaultWindow {
  kind: WindowedFaultKind;
  /** Index of the sensor (0-based). */
  sensor: number;
  start: number;
  end: number;
}

/** The faults that touch one reading. */
export interface ActiveFaults {
  overheating?: FaultWindow;
  stuck?: FaultWindow;
  dead?: FaultWindow;
}

const SALT: Record<FaultKind, number> = { overheating: 1, stuck: 2, dead: 3, late: 4 };
const WINDOWED: readonly WindowedFaultKind[] = ['overheating', 'stuck', 'dead'];

export class FaultSchedule {
  /** How far above normal an overheating sensor ends its fault, °C. */
  readonly overheatingDegrees: number;
  private readonly faults: ResolvedFaults;
  private readonly seed: number;
  private readonly sensors: number;

  constructor(faults: ResolvedFaults, seed: number, sensors: number) {
    this.faults = faults;
    this.overheatingDegrees = faults.overheating?.degrees ?? 0;
    this.seed = seed;
    this.sensors = sensors;
  }

  /** The fault window of `kind` in period `period`. */
  private window(kind: WindowedFaultKind, spec: ResolvedPeriodicFault, period: number): FaultWindow {
    const sensor = Math.floor(hashUniform(this.seed, SALT[kind], period, 1) * this.sensors);
    const start = period * spec.everyMs + Math.floor(hashUniform(this.seed, SALT[kind], period, 2) * (spec.everyMs - spec.durationMs));
    return { kind, sensor, start, end: start + spec.durationMs };
  }

  /** The faults of `sensor` at event time `ts`. */
  at(sensor: number, ts: number): ActiveFaults {
    const active: ActiveFaults = {};
    for (const kind of WINDOWED) {
      const spec = this.faults[kind];
      if (spec === undefined) continue;
      const w = this.window(kind, spec, Math.floor(ts / spec.everyMs));
      if (w.sensor === sensor && ts >= w.start && ts < w.end) active[kind] = w;
    }
    return active;
  }

  /** Every fault window that overlaps [from, to), by start time. */
  between(from: number, to: number): FaultWindow[] {
    const out: FaultWindow[] = [];
    for (const kind of WINDOWED) {
      const spec = this.faults[kind];
      if (spec === undefined) continue;
      for (let p = Math.floor(from / spec.everyMs); p * spec.everyMs < to; p++) {
        const w = this.window(kind, spec, p);
        if (w.end > from && w.start < to) out.push(w);
      }
    }
    return out.sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
  }

  /** How long after it was taken the reading of `sensor` at `ts` is sent: 0 for on time, else 1 s to maxDelay. */
  delay(sensor: number, ts: number): number {
    const late = this.faults.late;
    if (late === undefined || hashUniform(this.seed, SALT.late, sensor, ts, 1) >= late.probability) return 0;
    return 1000 + Math.floor(hashUniform(this.seed, SALT.late, sensor, ts, 2) * (late.maxDelayMs - 1000));
  }
}
