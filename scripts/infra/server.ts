/**
 * What every server of scripts/infra provides, so the lifecycle (download, configure,
 * start, ready, stop) is written once: Kafka, the schema registry and Cassandra, each one
 * module implementing this interface.
 */
import type { JavaInfo } from './java.js';
import type { InfraPaths } from './paths.js';
import type { LaunchSpec } from './processes.js';
import type { PortUse } from './ports.js';

export type ServerName = 'kafka' | 'registry' | 'cassandra';

/** Start order (and the reverse is the stop order). */
export const SERVER_ORDER: readonly ServerName[] = ['kafka', 'registry', 'cassandra'];

export interface InfraContext {
  paths: InfraPaths;
  java: JavaInfo;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
}

export interface ServerModule {
  readonly name: ServerName;
  /** For messages, e.g. "Apache Kafka 4.4.0 (KRaft)". */
  readonly title: string;
  readonly version: string;
  /** Ports it listens on, all on 127.0.0.1, checked free before it starts. */
  readonly ports: readonly PortUse[];
  /** What clients connect to, for `status`. */
  readonly address: string;
  /** Its run folder: config, pid file, log, data. */
  readonly runDir: string;
  /** Its data dir, emptied by `fresh`; undefined for in-memory servers. */
  readonly dataDir: string | undefined;
  readonly minJavaMajor: number;
  /** How long a SIGTERM may take before SIGKILL. */
  readonly stopGraceMs: number;

  /** Whether the download/unpack step has been done (a second `up` skips it). */
  installed(): boolean;
  /** Downloads what it needs into the cache. */
  install(ctx: InfraContext): Promise<void>;
  /** Writes its config; with `fresh` its data dir was just removed (format storage etc. here). */
  prepare(ctx: InfraContext): Promise<void>;
  /** The command that runs it in the foreground; `marker` must appear among its arguments. */
  launch(ctx: InfraContext, marker: string): LaunchSpec;
  /** One readiness probe while it starts; `logFile` is its fresh log. */
  ready(logFile: string): Promise<boolean>;
  /** One quick health probe of a server that runs already. */
  healthy(): Promise<boolean>;
  /** Runs once it is ready (e.g. set defaults through its API). */
  afterReady?(ctx: InfraContext): Promise<void>;
  /** A fix to suggest for a start failure, from the end of its log. */
  failureHint?(logTail: string): string | undefined;
}
