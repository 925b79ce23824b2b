/**
 * A production worker (`fastdata run`): the project's stream modules (or some of them) on
 * the configured log and registry, as one member of each module's consumer group. Start
 * more workers to share the partitions; when one stops or dies, the others take its
 * partitions over and restore their state from the changelog.
 */
import { join } from 'node:path';
import { AlertService } from '../alerts/runtime/alert-service.js';
import { outputSchemaOf } from '../alerts/runtime/schema-of.js';
import { alertTopics } from '../alerts/topic/topics.js';
import type { ProjectConfig } from '../config/project-config.js';
import { FastdataError } from '../errors.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { AvroSerde } from '../schema/serde.js';
import { CassandraSinkGroup } from '../sinks/cassandra/sink-group.js';
import { loadStreamModules } from '../stream/module-loader.js';
import { orderStreams } from '../stream/project-streams.js';
import { StreamRunner } from '../stream/runner.js';
import type { AppEvent } from './embedded-app.js';
import { type Backends, openBackends } from './backends.js';

export interface WorkerOptions {
  root: string;
  config: ProjectConfig;
  dataDir: string;
  /** Only these modules (by name); default: every module of the project. */
  modules?: string[];
  /** Run the alert rules and receivers too (default true; one worker evaluates, the others stand by). */
  alerts?: boolean;
  onEvent?: (event: AppEvent) => void;
}

export class Worker {
  readonly runners: StreamRunner[] = [];
  alerting: AlertService | undefined;
  /** The Cassandra sinks of the modules that declare one, when the config has a `cassandra` section. */
  sinks: CassandraSinkGroup | undefined;
  /** The worker's metrics (served by `fastdata run --metrics-port`); read from the runners and alerting at scrape time. */
  readonly metrics = new MetricsRegistry({ runners: () => this.runners, alerting: () => this.alerting, sinks: () => this.sinks?.status() ?? [] });
  private stopped = false;

  private constructor(readonly backends: Backends) {}

  static async start(options: WorkerOptions): Promise<Worker> {
    const { config, root } = options;
    const emit = (event: AppEvent) => options.onEvent?.(event);
    // Modules first: a project that does not load starts nothing and connects to nothing.
    const { streams, failures } = await loadStreamModules(join(root, config.streams), root);
    if (failures.length > 0) {
      const list = failures.map((f) => `  - ${f.file}: ${(f.error as Error)?.message ?? String(f.error)}`).join('\n');
      throw new FastdataError('FD_STREAM_LOAD_FAILED', `${failures.length} stream module(s) did not load; a worker runs only a project that loads whole:\n${list}`);
    }
    const known = streams.map((s) => s.module.name);
    const unknown = (options.modules ?? []).filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `--module ${unknown.join(', ')}: no such module in ${config.streams}/; the modules are ${known.join(', ') || '(none)'}`, {
        context: { field: 'module' },
      });
    }
    const selected = orderStreams(streams).filter((s) => !options.modules || options.modules.includes(s.module.name));
    if (selected.length === 0) throw new FastdataError('FD_ARGUMENT_INVALID', `no stream modules in ${join(root, config.streams)}: nothing to run`);

    const backends = await openBackends({ config, root, dataDir: options.dataDir, onWarning: (message) => emit({ type: 'log-warning', message }) });
    const worker = new Worker(backends);
    const serde = new AvroSerde(backends.registry);
    try {
      for (const { module } of selected) {
        const runner = new StreamRunner(module, {
          log: backends.log,
          serde,
          root,
          defaultPartitions: config.log.partitions,
          guarantee: config.processing.guarantee,
          onEvent: emit,
          onTiming: worker.metrics.observeTiming,
        });
        worker.runners.push(runner);
      }
      // Every module checks its output schema (compatibility) before any of them consumes.
      await Promise.all(worker.runners.map((runner) => runner.start()));
      if (options.alerts !== false) {
        worker.alerting = await AlertService.start({
          root,
          log: backends.log,
          serde,
          schemaOf: outputSchemaOf(streams.map((s) => s.module), root, backends.registry),
          topics: alertTopics(config.alerts.topicPrefix),
          onWarning: (message) => emit({ type: 'log-warning', message }),
          onLease: (active) => emit({ type: 'log-warning', message: active ? 'alerts: this worker now evaluates the alert rules' : 'alerts: this worker stopped evaluating the alert rules (another one took over)' }),
          onNotification: (notification) => emit({ type: 'alert', notification }),
        });
      }
      // Each sink is a consumer group of its own on its module's output: it never holds the module up.
      worker.sinks = await CassandraSinkGroup.start({ config, modules: selected.map((s) => s.module), log: backends.log, serde, root, onEvent: emit });
    } catch (error) {
      await worker.stop();
      throw error;
    }
    return worker;
  }

  /** Checkpoints and leaves the groups (the other workers take the partitions over); idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.sinks?.stop();
    await this.alerting?.stop();
    for (const runner of [...this.runners].reverse()) await runner.stop().catch(() => {});
    await this.backends.close();
  }
}
