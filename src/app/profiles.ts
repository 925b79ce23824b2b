/**
 * The processes the CLI starts, each a list of roles (process.ts), in start order:
 *
 *   dev    http, sources, streams, alerts, sinks, reload   the embedded log; the whole project, reloading
 *   run    [sources,] streams, alerts, sinks, metrics[, http]   a production worker; one of N in each group
 *   serve  alerts (read-only), http                        the serving layer alone, beside dev or the workers
 *
 * Sinks run wherever the config has a `cassandra` section; a worker serves HTTP when asked.
 */
import { FastdataProcess, type ProcessContext, type ProcessOptions, type Role } from './process.js';
import { AlertsRole } from './roles/alerts.js';
import { HttpRole } from './roles/http.js';
import { MetricsServerRole } from './roles/metrics-server.js';
import { ReloadRole } from './roles/reload.js';
import { SinksRole } from './roles/sinks.js';
import { SourcesRole } from './roles/sources.js';
import { StreamsRole } from './roles/streams.js';

const http = (context: ProcessContext) => new HttpRole(context, () => context.status());

export interface DevOptions extends ProcessOptions {
  /** Run the demo generator (default true; `--no-generator` and generator.enabled: false turn it off). */
  generator?: boolean;
  /** Reload modules and regenerate types when their files change (default true). */
  hotReload?: boolean;
}

/** `fastdata dev`: the whole project in one process on the embedded log. */
export function startDev(options: DevOptions): Promise<FastdataProcess> {
  // The embedded log and registry, whatever the config says about Kafka: dev is the zero-server way.
  const config = { ...options.config, log: { ...options.config.log, kind: 'embedded' as const }, registry: {} };
  return FastdataProcess.start({ ...options, config }, (context) => {
    const roles: Role[] = [http(context), new SourcesRole(context, { generator: options.generator !== false })];
    roles.push(new StreamsRole(context), new AlertsRole(context), new SinksRole(context));
    if (options.hotReload !== false) roles.push(new ReloadRole(context));
    return roles;
  });
}

export interface WorkerOptions extends ProcessOptions {
  /** Only these modules (by name); default: every module of the project. */
  modules?: readonly string[];
  /** Run the alert rules and receivers too (default true; one worker evaluates, the others stand by). */
  alerts?: boolean;
  /** Serve HTTP (the outputs, dashboards, alerts API) on server.host:server.port too. Default false. */
  http?: boolean;
  /** Stop each module once it has processed its inputs to the end they had at start. */
  untilEnd?: boolean;
  /**
   * Run the project's declared sources (sources/*.yaml) in this worker too. Default false:
   * a file or MQTT source read by every worker would write each record once per worker, so
   * one worker of the deployment is given `--sources`.
   */
  sources?: boolean;
}

/** `fastdata run`: a production worker, one member of each module's consumer group. */
export function startWorker(options: WorkerOptions): Promise<FastdataProcess> {
  return FastdataProcess.start({ ...options, strictProject: true }, (context) => {
    const roles: Role[] = options.sources ? [new SourcesRole(context)] : [];
    roles.push(
      new StreamsRole(context, { awaitStart: true, ...(options.modules ? { modules: options.modules } : {}), ...(options.untilEnd ? { untilEnd: true } : {}) }),
    );
    if (options.alerts !== false) roles.push(new AlertsRole(context));
    roles.push(new SinksRole(context), new MetricsServerRole(context));
    if (options.http) roles.push(http(context));
    return roles;
  });
}

/** `fastdata serve`: the outputs of the project served alone, reading what dev or the workers write. */
export function startServe(options: ProcessOptions): Promise<FastdataProcess> {
  return FastdataProcess.start({ ...options, readOnly: true }, (context) => [new AlertsRole(context, 'read-only'), http(context)]);
}
