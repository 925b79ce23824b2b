/**
 * `fastdata run`: a production worker (app/profiles.ts). The configuration (file, FASTDATA_*
 * environment, flags) is validated at start, every problem reported at once; then the
 * worker joins the consumer group of each module it runs. SIGTERM/SIGINT checkpoint and
 * leave the groups, so the other workers take over without redoing work. A module that
 * fails stops the worker with exit code 1, for the supervisor (systemd, Kubernetes, compose)
 * to restart. With --until-end the worker stops by itself once its modules have processed
 * their inputs to where they ended at start.
 */
import { relative } from 'node:path';
import { startWorker } from '../../app/profiles.js';
import type { HttpRole } from '../../app/roles/http.js';
import type { StreamsRole } from '../../app/roles/streams.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { printEvent, terminalDeadLetterSummary } from '../events.js';
import { clock, describeError, info } from '../output.js';

export interface RunOptions {
  dir: string;
  dataDir?: string;
  module?: string[];
  brokers?: string[];
  registryUrl?: string;
  guarantee?: 'at-least-once' | 'exactly-once';
  /** false with --no-alerts. */
  alerts?: boolean;
  /** Serve Prometheus metrics on this port (sets metrics.port). */
  metricsPort?: number;
  /** Serve the HTTP API (outputs, dashboards, alerts) on server.port too. */
  serve?: boolean;
  port?: number;
  untilEnd?: boolean;
  /** Run the project's declared sources (sources/*.yaml) in this worker. */
  sources?: boolean;
}

export async function run(options: RunOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.brokers !== undefined) overrides.log = { kind: 'kafka', brokers: options.brokers };
  if (options.registryUrl !== undefined) overrides.registry = { url: options.registryUrl };
  if (options.guarantee !== undefined) overrides.processing = { guarantee: options.guarantee };
  if (options.metricsPort !== undefined) overrides.metrics = { port: options.metricsPort };
  if (options.port !== undefined) overrides.server = { port: options.port };
  const { config, root, dataDir, file } = await loadProjectConfig({ dir: options.dir, overrides });
  const deadLetters = terminalDeadLetterSummary();
  let failed: unknown;
  let onFailure: (() => void) | undefined;
  info(`fastdata run: project ${root}${file ? ` (${relative(root, file)})` : ''}, ${config.processing.guarantee}`);
  const worker = await startWorker({
    root,
    config,
    dataDir,
    ...(options.module ? { modules: options.module } : {}),
    alerts: options.alerts !== false,
    http: options.serve === true,
    untilEnd: options.untilEnd === true,
    sources: options.sources === true,
    onEvent: (event) => {
      printEvent(event, root, deadLetters);
      if (event.type === 'failed' && failed === undefined) {
        failed = event.error;
        onFailure?.();
      }
    },
  });
  const streams = worker.role<StreamsRole>('streams')!;
  info(`${clock()} worker up on ${worker.context.description}: ${streams.runners.map((r) => r.module.name).join(', ')}`);
  const url = worker.role<HttpRole>('http')?.url;
  if (url) info(`  outputs over REST: ${url}/api/outputs`);
  const summaryTimer = setInterval(() => deadLetters.tick(), 5_000);

  const reason = await new Promise<string>((resolve) => {
    onFailure = () => resolve('a module failed');
    if (failed !== undefined) onFailure();
    if (options.untilEnd) void streams.finished.then(() => resolve('every module processed its inputs to their end at start (--until-end)'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  info(`${clock()} ${reason}: checkpointing and leaving the consumer groups...`);
  clearInterval(summaryTimer);
  deadLetters.flush();
  await worker.stop().catch((error) => info(`stop failed: ${describeError(error)}`));
  info(`${clock()} stopped`);
  if (failed !== undefined) process.exitCode = 1;
}
