/**
 * A producer of input data run inside a fastdata process (the demo generator; file, HTTP
 * and MQTT sources to come): what the process's sources role starts and stops.
 */
import type { Log } from '../log/types.js';
import type { AvroSerde } from '../schema/serde.js';
import type { Clock } from '../time/clock.js';

export interface Source {
  readonly name: string;
  readonly topic: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** How much it produced, and anything worth showing (active faults, …). */
  stats(): { produced: number; details?: string };
}

/** What a source is given by the process. */
export interface SourceContext {
  log: Log;
  serde: AvroSerde;
  clock?: Clock;
}
