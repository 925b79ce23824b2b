/**
 * A fastdata process: a list of roles over one set of backends. `dev`, `run` and `serve`
 * are such lists (profiles.ts); this is the one place where a process is put together,
 * and the CLI only chooses the list and prints what the process reports.
 *
 * The process opens the backends (the log and registry the config names), loads the
 * project's modules once, starts the roles in order and stops them in reverse. Roles reach
 * each other through the process (the HTTP role serves the outputs of the streams role,
 * the metrics read every role), never through globals.
 */
import type { ProjectConfig } from '../config/project-config.js';
import { errorMessage } from '../errors.js';
import { EmbeddedLog } from '../log/embedded/embedded-log.js';
import type { Log } from '../log/types.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { AvroSerde } from '../schema/serde.js';
import { RecordIngest } from '../sources/record-ingest.js';
import type { SchemaRegistry } from '../schema/types.js';
import type { StreamModule } from '../stream/define.js';
import type { Clock } from '../time/clock.js';
import { type Backends, openBackends } from './backends.js';
import type { AppEvent } from './events.js';
import { type Project, loadProject } from './project.js';
import type { AlertsRole } from './roles/alerts.js';
import type { HttpRole } from './roles/http.js';
import type { SinksRole } from './roles/sinks.js';
import type { SourcesRole } from './roles/sources.js';
import type { StreamsRole } from './roles/streams.js';

/** One part of a process, with a lifecycle of its own. */
export interface Role {
  readonly name: string;
  /** Starts the role; the roles before it in the list have started. */
  start(): Promise<void>;
  /** Stops the role (idempotent); the roles after it in the list have stopped. */
  stop(): Promise<void>;
  /** What the role adds to /api/status (and the status page): fields of its own, e.g. `modules`. */
  status?(): Record<string, unknown> | Promise<Record<string, unknown>>;
}

export interface ProcessOptions {
  root: string;
  config: ProjectConfig;
  dataDir: string;
  /** Open the embedded log and registry read-only, beside the process that writes them (`serve` beside `dev`). */
  readOnly?: boolean;
  /** A project whose modules do not all load starts nothing (production workers). */
  strictProject?: boolean;
  clock?: Clock;
  onEvent?: (event: AppEvent) => void;
}

/** What every role of a process shares. */
export class ProcessContext {
  readonly root: string;
  readonly config: ProjectConfig;
  readonly dataDir: string;
  readonly log: Log;
  readonly registry: SchemaRegistry;
  readonly serde: AvroSerde;
  readonly clock: Clock | undefined;
  readonly project: Project;
  readonly metrics: MetricsRegistry;
  /** Records from outside into topics, checked against their schemas: HTTP ingest and the `http` sources share it. */
  readonly ingest: RecordIngest;
  /** "the embedded log in …, registry embedded", "Kafka at …, registry http://…". */
  readonly description: string;
  readonly roles: Role[] = [];
  private readonly onEvent: ((event: AppEvent) => void) | undefined;

  constructor(options: ProcessOptions, backends: Backends, project: Project) {
    this.root = options.root;
    this.config = options.config;
    this.dataDir = options.dataDir;
    this.log = backends.log;
    this.registry = backends.registry;
    this.serde = new AvroSerde(backends.registry);
    this.clock = options.clock;
    this.project = project;
    this.description = backends.description;
    this.onEvent = options.onEvent;
    this.ingest = new RecordIngest({ log: this.log, registry: this.registry, serde: this.serde, partitions: options.config.log.partitions });
    // Read at every scrape: roles start after this, and hot reload replaces runners.
    this.metrics = new MetricsRegistry({
      runners: () => this.role<StreamsRole>('streams')?.runners ?? [],
      alerting: () => this.role<AlertsRole>('alerts')?.service,
      sinks: () => this.role<SinksRole>('sinks')?.sinkStatus() ?? [],
      sources: () => this.role<SourcesRole>('sources')?.metrics() ?? [],
      ...(backends.log instanceof EmbeddedLog ? { logDamage: () => (backends.log as EmbeddedLog).damage() } : {}),
      ws: () => this.role<HttpRole>('http')?.wsStats(),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  emit(event: AppEvent): void {
    this.onEvent?.(event);
  }

  warn(message: string): void {
    this.emit({ type: 'log-warning', message });
  }

  /** The role of this name, if the process has one. */
  role<R extends Role>(name: string): R | undefined {
    return this.roles.find((r) => r.name === name) as R | undefined;
  }

  /** The modules the process runs now (hot reload changes them), or the project's when it runs none (`serve`). */
  modules(): readonly StreamModule[] {
    const streams = this.role<StreamsRole>('streams');
    return streams ? streams.runners.map((r) => r.module) : this.project.streams.map((s) => s.module);
  }

  /** What /api/status answers: what the process runs on, every role's fields, and the topics with their sizes. */
  async status(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = { summary: this.description };
    for (const role of this.roles) if (role.status) Object.assign(out, await role.status());
    const topics = (await this.log.listTopics()).filter((t) => !t.name.startsWith('__'));
    out.topics = await Promise.all(
      topics.map(async (t) => ({
        name: t.name,
        partitions: t.partitions,
        records: (await this.log.offsets(t.name)).reduce((n, o) => n + o.end, 0),
        cleanupPolicy: t.config.cleanupPolicy,
      })),
    );
    return out;
  }
}

export class FastdataProcess {
  readonly context: ProcessContext;
  private readonly backends: Backends;
  private started: Role[] = [];
  private stopped = false;

  private constructor(context: ProcessContext, backends: Backends) {
    this.context = context;
    this.backends = backends;
  }

  /**
   * Opens the backends, loads the project, creates the roles (`roles` gets the context) and
   * starts them in order. If one fails to start, those started are stopped again and the
   * backends closed before the error is thrown.
   */
  static async start(options: ProcessOptions, roles: (context: ProcessContext) => Role[]): Promise<FastdataProcess> {
    const emit = (event: AppEvent) => options.onEvent?.(event);
    // The project first: one that does not load (strict) connects to nothing.
    const project = await loadProject({ root: options.root, config: options.config, strict: options.strictProject ?? false });
    for (const failure of project.failures) emit({ type: 'load-failed', file: failure.file, error: failure.error });
    const backends = await openBackends({
      config: options.config,
      root: options.root,
      dataDir: options.dataDir,
      readOnly: options.readOnly ?? false,
      onWarning: (message) => emit({ type: 'log-warning', message }),
    });
    const context = new ProcessContext(options, backends, project);
    const process = new FastdataProcess(context, backends);
    try {
      context.roles.push(...roles(context));
      for (const role of context.roles) {
        await role.start();
        process.started.push(role);
      }
    } catch (error) {
      await process.stop().catch((stopError) => context.warn(`stopping after a failed start: ${errorMessage(stopError)}`));
      throw error;
    }
    return process;
  }

  role<R extends Role>(name: string): R | undefined {
    return this.context.role<R>(name);
  }

  status(): Promise<Record<string, unknown>> {
    return this.context.status();
  }

  /** Stops the roles in reverse order, then closes the backends; idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const role of [...this.started].reverse()) {
      await role.stop().catch((error) => this.context.warn(`${role.name}: stop failed: ${errorMessage(error)}`));
    }
    await this.backends.close();
  }
}
