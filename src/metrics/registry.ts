/**
 * The metrics of one fastdata process, in a prom-client Registry of its own (not the
 * global default one, so tests and several apps in one process each have theirs): the
 * stream modules, the alert engine and receivers, the sinks, and Node's process metrics. Served as
 * `GET /metrics` by the HTTP server (routes.ts) or, for `fastdata run`, by a small server of
 * its own (metrics-server.ts).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type Clock, systemClock } from '../time/clock.js';
import { AlertMetrics } from './alert-metrics.js';
import { ModuleMetrics } from './module-metrics.js';
import { ModuleSnapshots } from './module-snapshot.js';
import { ModuleRates, type ModuleSummary } from './module-rates.js';
import { HttpMetrics } from './http-metrics.js';
import { registerLogMetrics } from './log-metrics.js';
import { registerWsMetrics } from './ws-metrics.js';
import { registerSinkMetrics } from './sink-metrics.js';
import { registerSourceMetrics } from './source-metrics.js';
import type { AlertingStatusSource, LogDamageSource, MeteredModule, SinkStatusSource, SourceStatusSource, TimingSource, WsStatsSource } from './sources.js';

export interface MetricsSources {
  /** The runners of the process now; read at every scrape (modules may be reloaded). */
  runners: () => Iterable<MeteredModule>;
  /** The alerting of the process, once started (undefined: no alert metrics). */
  alerting?: () => { status(): Promise<AlertingStatusSource> } | undefined;
  /** For the watermark delay (now minus the watermark). Default: the system clock. */
  clock?: Clock;
  /** The sinks of the process (a worker's Cassandra sinks), read at every scrape. */
  sinks?: () => readonly SinkStatusSource[];
  /** The declared sources of the process, read at every scrape. */
  sources?: () => readonly SourceStatusSource[];
  /** What the embedded log lost to damage (absent on Kafka). */
  logDamage?: () => LogDamageSource | undefined;
  /** The WebSocket hub of the HTTP server, once it serves. */
  ws?: () => WsStatsSource | undefined;
  /** Node's process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly modules: ModuleMetrics;
  private readonly snapshots: ModuleSnapshots;
  private readonly rates: ModuleRates;
  private readonly alerts: AlertMetrics | undefined;
  /** The HTTP server's requests: the server reports each one here. */
  readonly http: HttpMetrics;

  constructor(sources: MetricsSources) {
    const clock = sources.clock ?? systemClock;
    this.snapshots = new ModuleSnapshots(sources.runners, () => clock.now());
    this.modules = new ModuleMetrics(this.registry, this.snapshots);
    this.rates = new ModuleRates();
    this.alerts = sources.alerting && new AlertMetrics(this.registry, sources.alerting);
    this.http = new HttpMetrics(this.registry);
    if (sources.sinks) registerSinkMetrics(this.registry, sources.sinks);
    if (sources.sources) registerSourceMetrics(this.registry, sources.sources);
    if (sources.logDamage) registerLogMetrics(this.registry, sources.logDamage);
    if (sources.ws) registerWsMetrics(this.registry, sources.ws);
    if (sources.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A runner that no longer runs its module (replaced by hot reload, or removed): its counts
   * stay in the module's totals. Call it once the runner has stopped.
   */
  retireRunner(runner: MeteredModule): void {
    this.snapshots.retire(runner);
  }

  /** Pass as RunnerOptions.onTiming to every runner: feeds the latency histograms. */
  readonly observeTiming = (timing: TimingSource): void => this.modules.observe(timing);

  /** The Content-Type of `text()`: Prometheus text exposition format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of every metric: the body of `GET /metrics`. */
  text(): Promise<string> {
    this.alerts?.newScrape();
    return this.registry.metrics();
  }

  /** Per module, the figures of the index page, with rates over the last few seconds (`GET /api/metrics/modules`). */
  moduleSummaries(): ModuleSummary[] {
    return this.rates.summarize(this.snapshots.read(), performance.now());
  }
}
