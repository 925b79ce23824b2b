/**
 * What the metrics read, described here in the metrics' own terms, so this layer imports
 * nothing above it: the stream runners, the alert service and the sinks each hand over an
 * object of these shapes (they have these fields among others), and the process wires them
 * together (src/app/).
 */

/** A stream module's status (StreamRunner.status() is one). */
export interface ModuleStatusSource {
  module: string;
  state: 'idle' | 'waiting' | 'running' | 'stopped' | 'failed';
  partitions: number[];
  records: number;
  outputs: number;
  late: number;
  deadLettered: number;
  /** Records refused for an event time too far ahead of the clock (absent: 0). */
  future?: number;
  /** Checkpointed watermarks too far ahead of the clock, left out at restore (absent: 0). */
  watermarkResets?: number;
  /** The last of those: its partition, what it said, when (ms). */
  lastWatermarkReset?: { partition: number; watermark: number; at: number };
  checkpoints: number;
  /** Per partition: records in the inputs not yet processed. */
  lag: Record<number, number>;
  /** Per partition: the watermark (event time, ms). */
  watermarks: Record<number, number>;
}

/** Something that reports a module's status at every scrape. */
export interface MeteredModule {
  status(): ModuleStatusSource;
}

/** A processing time a runner measured (the processor host's HostTiming is one). */
export interface TimingSource {
  module: string;
  kind: 'batch' | 'commit';
  seconds: number;
}

/** The alerting of a process (AlertService.status() resolves to one). */
export interface AlertingStatusSource {
  engine: {
    active: boolean;
    records: number;
    undecodable: number;
    notifications: number;
    checkpoints: number;
    rules: { name: string; keys: number; firing: number }[];
  };
  receivers: {
    receiver: string;
    kind: string;
    delivered: number;
    retried: number;
    rejected: number;
    dropped: number;
    dead: number;
    silenced: number;
    queued: number;
    lag: number;
  }[];
}

/** A sink's status (CassandraSink.status() is one). */
export interface SinkStatusSource {
  sink: string;
  topic: string;
  table: string;
  state: 'starting' | 'running' | 'paused' | 'stopped' | 'failed';
  written: number;
  deadLettered: number;
  retries: number;
  lag: Record<number, number>;
}

/** A declared source's counts since the process started (the sources role hands these over). */
export interface SourceStatusSource {
  source: string;
  kind: string;
  topic: string;
  state: string;
  written: number;
  deadLettersByReason: Partial<Record<string, number>>;
}

/** What an embedded log lost to damage (EmbeddedLog.damage() is one). */
export interface LogDamageSource {
  holes: { topic: string; partition: number; from: number; to: number }[];
  skips: { topic: string; partition: number; group: string | undefined; count: number }[];
  tornTails: number;
}

/** The WebSocket hub's figures (WsHub.stats() is one). */
export interface WsStatsSource {
  connections: number;
  connectionsTotal: number;
  connectionsRefused: number;
  subscriptions: number;
  queuedBytes: number;
  queuedFrames: number;
  droppedFrames: number;
  slowDisconnects: number;
}
