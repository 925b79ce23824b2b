/**
 * `fastdata dev`: the whole project in one process on the embedded default (app/profiles.ts:
 * the demo sources, every module in the streams folder, alerts, the HTTP server, hot
 * reload), with what happens printed to the terminal. Ctrl-C checkpoints and stops.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startDev } from '../../app/profiles.js';
import type { HttpRole } from '../../app/roles/http.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { printEvent, terminalDeadLetterSummary } from '../events.js';
import { clock, describeError, info } from '../output.js';

export interface DevOptions {
  dir: string;
  dataDir?: string;
  port?: number;
  generator: boolean;
}

export async function dev(options: DevOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.port !== undefined) overrides.server = { port: options.port };
  const { config, root, dataDir, file } = await loadProjectConfig({ dir: options.dir, overrides });
  const deadLetters = terminalDeadLetterSummary();
  info(`fastdata dev: project ${root}${file ? ` (${relative(root, file)})` : ''}, embedded log and registry in ${relative(root, dataDir) || dataDir}`);
  const app = await startDev({ root, config, dataDir, generator: options.generator, onEvent: (event) => printEvent(event, root, deadLetters) });
  const url = app.role<HttpRole>('http')?.url;
  const summaryTimer = setInterval(() => deadLetters.tick(), 5_000);
  const outputs = app.context.modules().map((m) => m.output.topic);
  info('');
  const dashboards = existsSync(join(root, 'dashboards')) ? readdirSync(join(root, 'dashboards')).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')) : [];
  for (const name of dashboards) info(`  dashboard: ${url}/dashboards/${name}`);
  info(`  status page and schema registry: ${url}  (registry API at ${url}/registry)`);
  info(`  outputs over REST: ${url}/api/outputs  (API docs at ${url}/api/docs, live at ${url?.replace(/^http/, 'ws')}/ws)`);
  info(`  HTTP access: ${app.role<HttpRole>('http')?.accessDescription ?? 'no server'}`);
  if (outputs.length > 0) {
    info('  watch the outputs in another terminal:');
    for (const topic of outputs) info(`    npx fastdata tail ${topic}`);
  } else {
    info(`  no stream modules in ${config.streams}/ yet`);
  }
  info(`  saving a module in ${config.streams}/ reloads it; saving a schema regenerates its types`);
  info('  Ctrl-C stops (state is checkpointed)');
  info('');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        info('stopping already; press Ctrl-C again to exit without waiting');
        process.exit(130);
      }
      stopping = true;
      info(`${clock()} ${signal}: checkpointing and stopping...`);
      clearInterval(summaryTimer);
      deadLetters.flush();
      app.stop().then(resolve, (error) => {
        info(`stop failed: ${describeError(error)}`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  info(`${clock()} stopped`);
}
