/**
 * One fastdata process on the embedded default: the file-backed log and registry under
 * the data dir, the sources, every stream module of the project, and the HTTP server.
 * `fastdata dev` is this plus a terminal; tests start it directly.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AlertNotification } from '../alerts/engine/index.js';
import { AlertService } from '../alerts/runtime/alert-service.js';
import { outputSchemaOf } from '../alerts/runtime/schema-of.js';
import { alertOutputs, alertTopics } from '../alerts/topic/topics.js';
import type { ProjectConfig } from '../config/project-config.js';
import { errorMessage } from '../errors.js';
import { EmbeddedLog } from '../log/embedded/embedded-log.js';
import type { Log } from '../log/types.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { EmbeddedSchemaRegistry } from '../schema/embedded-registry.js';
import { AvroSerde } from '../schema/serde.js';
import { AccessLayer } from '../serve/access/access-layer.js';
import { startServer } from '../serve/server.js';
import type { StreamModule } from '../stream/define.js';
import { type LoadFailure, isStreamFileName, loadStreamModules } from '../stream/module-loader.js';
import { orderStreams } from '../stream/project-streams.js';
import type { RunnerEvent } from '../stream/runner-events.js';
import { StreamRunner } from '../stream/runner.js';
import type { Clock } from '../time/clock.js';
import { HotReloader, type ReloadEvent } from './reload/hot-reload.js';
import { type FolderWatcher, watchFolder } from './reload/module-watcher.js';

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
  | ReloadEvent
  | { type: 'load-failed'; file: string; error: unknown }
  | { type: 'source-started'; source: string; topic: string; details?: string }
  | { type: 'source-failed'; source: string; error: unknown }
  | { type: 'log-warning'; message: string }
  | { type: 'alert'; notification: AlertNotification };

export interface EmbeddedAppOptions {
  root: string;
  config: ProjectConfig;
  dataDir: string;
  sources?: (context: SourceContext) => Source[];
  onEvent?: (event: AppEvent) => void;
  clock?: Clock;
  /** Serve HTTP (default true). */
  serve?: boolean;
  /** Reload a module when its file in the streams folder changes (`fastdata dev`; see reload/hot-reload.ts). Default false. */
  hotReload?: boolean;
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
  /** The file each running module was loaded from (hot reload replaces a runner by file). */
  private readonly fileOf = new Map<StreamRunner, string>();
  private reloader: HotReloader | undefined;
  private watcher: FolderWatcher | undefined;
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
      otherOutputs: () => alertOutputs(this.alerting?.rules ?? [], this.alerting?.websocketTopics ?? [], alertTopics(options.config.alerts.topicPrefix)),
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
    for (const { module, file } of orderStreams(streams)) {
      const runner = this.createRunner(module);
      this.runners.push(runner);
      this.fileOf.set(runner, file);
      // Not awaited: a module waiting for its input topic must not hold the others up.
      runner.start().catch((error) => this.emit({ type: 'failed', module: module.name, error }));
    }
    // After the modules: rules are checked against their output schemas, and read their topics once they exist.
    this.alerting = await AlertService.start({
      root,
      log: this.log,
      serde: this.serde,
      schemaOf: outputSchemaOf(this.runners.map((r) => r.module), root, this.registry),
      topics: alertTopics(config.alerts.topicPrefix),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      onWarning: (message) => this.emit({ type: 'log-warning', message }),
      onNotification: (notification) => this.emit({ type: 'alert', notification }),
    });
    if (this.options.hotReload) this.watchModules(join(root, config.streams));
  }

  private createRunner(module: StreamModule): StreamRunner {
    const { config, root } = this.options;
    return new StreamRunner(module, {
      log: this.log,
      serde: this.serde,
      root,
      defaultPartitions: config.log.partitions,
      clock: this.options.clock,
      onEvent: (event) => this.emit(event),
      onTiming: this.metrics.observeTiming,
    });
  }

  /** Hot reload: a changed file of the streams folder replaces its module (reload/hot-reload.ts). */
  private watchModules(dir: string): void {
    const reloader = new HotReloader({
      root: this.options.root,
      log: this.log,
      serde: this.serde,
      runnerOf: (file) => [...this.fileOf].find(([, f]) => f === file)?.[0],
      fileOfModule: (name) => [...this.fileOf].find(([r]) => r.module.name === name)?.[1],
      createRunner: (module) => this.createRunner(module),
      setRunner: (file, next) => this.setRunner(file, next),
      setLoadFailure: (file, error) => {
        const i = this.loadFailures.findIndex((f) => f.file === file);
        if (i >= 0) this.loadFailures.splice(i, 1);
        if (error) this.loadFailures.push({ file, error });
      },
      emit: (event) => this.emit(event),
    });
    this.reloader = reloader;
    this.watcher = watchFolder(dir, {
      accept: isStreamFileName,
      onChange: (file) => void reloader.reload(file),
      onError: (error) => this.emit({ type: 'log-warning', message: `hot reload stopped watching ${dir}: ${errorMessage(error)}` }),
    });
  }

  /** Replaces (or adds, or with undefined removes) the runner of a module file, keeping the others' order. */
  private setRunner(file: string, next: StreamRunner | undefined): void {
    const previous = [...this.fileOf].find(([, f]) => f === file)?.[0];
    if (previous) this.fileOf.delete(previous);
    const i = previous ? this.runners.indexOf(previous) : -1;
    if (next) {
      this.fileOf.set(next, file);
      if (i >= 0) this.runners[i] = next;
      else this.runners.push(next);
    } else if (i >= 0) {
      this.runners.splice(i, 1);
    }
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
    this.watcher?.close();
    await this.reloader?.close();
    for (const source of [...this.sources].reverse()) await source.stop().catch(() => {});
    await this.alerting?.stop();
    for (const runner of [...this.runners].reverse()) await runner.stop().catch(() => {});
    await this.server?.close();
    await this.access.close();
    await this.log.close();
    await this.registry.close();
  }
}
