/**
 * One fastdata process on the embedded default: the file-backed log and registry under
 * the data dir, the sources, every stream module of the project, and the HTTP server.
 * `fastdata dev` is this plus a terminal; tests start it directly.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AlertService } from '../alerts/runtime/alert-service.js';
import { outputSchemaOf } from '../alerts/runtime/schema-of.js';
import { alertOutputs } from '../alerts/topic/topics.js';
import type { ProjectConfig } from '../config/project-config.js';
import { errorMessage } from '../errors.js';
import { EmbeddedLog } from '../log/embedded/embedded-log.js';
import type { Log } from '../log/types.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { EmbeddedSchemaRegistry } from '../schema/embedded-registry.js';
import { AvroSerde } from '../schema/serde.js';
import { AccessLayer } from '../serve/access/access-layer.js';
import { startServer } from '../serve/server.js';
import { type LoadFailure, loadStreamModules } from '../stream/module-loader.js';
import { orderStreams } from '../stream/project-streams.js';
import type { RunnerEvent } from '../stream/runner-events.js';
import { StreamRunner } from '../stream/runner.js';
import type { Clock } from '../time/clock.js';

/** A producer of input data run inside the process (the demo generator, file replay, …). */
export interface Source {
  readonly name: string;
  readonly topic: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** How much it produced, and anything worth showing (active faults, …). */
  stats(): { produced: number; details?: string };
}

export interface SourceContext {
  log: Log;
  serde: AvroSerde;
  config: ProjectConfig;
  clock?: Clock;
}

export type AppEvent =
  | RunnerEvent
  | { type: 'load-failed'; file: string; error: unknown }
  | { type: 'source-started'; source: string; topic: string; details?: string }
  | { type: 'source-failed'; source: string; error: unknown }
  | { type: 'log-warning'; message: string };

export interface EmbeddedAppOptions {
  root: string;
  config: ProjectConfig;
  dataDir: string;
  sources?: (context: SourceContext) => Source[];
  onEvent?: (event: AppEvent) => void;
  clock?: Clock;
  /** Serve HTTP (default true). */
  serve?: boolean;
}

export class EmbeddedApp {
  readonly log: EmbeddedLog;
  readonly registry: EmbeddedSchemaRegistry;
  readonly serde: AvroSerde;
  readonly runners: StreamRunner[] = [];
  readonly sources: Source[] = [];
  readonly loadFailures: LoadFailure[] = [];
  readonly access: AccessLayer;
  /** The process's metrics, served at /metrics; read from the runners and the alerting at scrape time. */
  readonly metrics: MetricsRegistry;
  /** Rules, receivers, silences and history; set once started (after the modules). */
  alerting: AlertService | undefined;
  url: string | undefined;
  private server: FastifyInstance | undefined;
  private readonly options: EmbeddedAppOptions;
  private stopped = false;

  private constructor(options: EmbeddedAppOptions, log: EmbeddedLog, registry: EmbeddedSchemaRegistry) {
    this.options = options;
    this.log = log;
    this.registry = registry;
    this.serde = new AvroSerde(registry);
    this.metrics = new MetricsRegistry({ runners: () => this.runners, alerting: () => this.alerting, ...(options.clock ? { clock: options.clock } : {}) });
    this.access = new AccessLayer({
      log,
      registry,
      serde: this.serde,
      modules: () => this.runners.map((r) => r.module),
      otherOutputs: () => alertOutputs(this.alerting?.rules ?? [], this.alerting?.websocketTopics ?? []),
      onWarning: (message) => options.onEvent?.({ type: 'log-warning', message }),
    });
  }

  static async start(options: EmbeddedAppOptions): Promise<EmbeddedApp> {
    const emit = (event: AppEvent) => options.onEvent?.(event);
    const log = await EmbeddedLog.open(join(options.dataDir, 'log'), {
      fsync: options.config.log.fsync,
      onWarning: (message) => emit({ type: 'log-warning', message }),
    });
    let registry: EmbeddedSchemaRegistry;
    try {
      registry = await EmbeddedSchemaRegistry.open(join(options.dataDir, 'registry'));
    } catch (error) {
      await log.close();
      throw error;
    }
    const app = new EmbeddedApp(options, log, registry);
    try {
      await app.boot();
    } catch (error) {
      await app.stop();
      throw error;
    }
    return app;
  }

  private emit(event: AppEvent): void {
    this.options.onEvent?.(event);
  }

  private async boot(): Promise<void> {
    const { config, root } = this.options;
    if (this.options.serve !== false) {
      const { app, url } = await startServer({
        registry: this.registry,
        status: () => this.status(),
        host: config.server.host,
        port: config.server.port,
        access: this.access,
        root,
        metrics: this.metrics,
        alerting: () => this.alerting && { history: this.alerting.history, silences: this.alerting.silences, status: () => this.alerting!.status() },
      });
      this.server = app;
      this.url = url;
    }
    for (const source of this.options.sources?.({ log: this.log, serde: this.serde, config, clock: this.options.clock }) ?? []) {
      try {
        await source.start();
        this.sources.push(source);
        this.emit({ type: 'source-started', source: source.name, topic: source.topic, details: source.stats().details });
      } catch (error) {
        this.emit({ type: 'source-failed', source: source.name, error });
      }
    }
    const { streams, failures } = await loadStreamModules(join(root, config.streams), root);
    for (const failure of failures) {
      this.loadFailures.push(failure);
      this.emit({ type: 'load-failed', file: failure.file, error: failure.error });
    }
    for (const { module } of orderStreams(streams)) {
      const runner = new StreamRunner(module, {
        log: this.log,
        serde: this.serde,
        root,
        defaultPartitions: config.log.partitions,
        clock: this.options.clock,
        onEvent: (event) => this.emit(event),
        onTiming: this.metrics.observeTiming,
      });
      this.runners.push(runner);
      // Not awaited: a module waiting for its input topic must not hold the others up.
      runner.start().catch((error) => this.emit({ type: 'failed', module: module.name, error }));
    }
    // After the modules: rules are checked against their output schemas, and read their topics once they exist.
    this.alerting = await AlertService.start({
      root,
      log: this.log,
      serde: this.serde,
      schemaOf: outputSchemaOf(this.runners.map((r) => r.module), root, this.registry),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      onWarning: (message) => this.emit({ type: 'log-warning', message }),
    });
  }

  async status() {
    const topics = await Promise.all(
      (await this.log.listTopics())
        .filter((t) => !t.name.startsWith('__'))
        .map(async (t) => ({
          name: t.name,
          partitions: t.partitions,
          records: (await this.log.offsets(t.name)).reduce((n, o) => n + o.end, 0),
          cleanupPolicy: t.config.cleanupPolicy,
        })),
    );
    return {
      summary: `embedded log and registry at ${this.options.dataDir}`,
      modules: this.runners.map((r) => ({ ...r.status(), inputs: r.module.inputs.map((i) => i.topic), output: r.module.output.topic })),
      loadFailures: this.loadFailures.map((f) => ({ file: f.file, error: errorMessage(f.error) })),
      sources: this.sources.map((s) => ({ name: s.name, topic: s.topic, ...s.stats() })),
      alerts: await this.alerting?.status(),
      topics,
    };
  }

  /** Stops everything in reverse order; idempotent. Modules checkpoint before they stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const source of [...this.sources].reverse()) await source.stop().catch(() => {});
    await this.alerting?.stop();
    for (const runner of [...this.runners].reverse()) await runner.stop().catch(() => {});
    await this.server?.close();
    await this.access.close();
    await this.log.close();
    await this.registry.close();
  }
}
