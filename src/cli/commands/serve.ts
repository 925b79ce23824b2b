/**
 * `fastdata serve`: the serving layer alone (app/profiles.ts): REST, WebSocket, dashboards,
 * catalog and the alert API for the outputs of the project's modules, on the configured
 * host and port, reading the output topics as a consumer of its own, never in a module's
 * group. On the embedded log it opens the data dir read-only, so it runs beside `fastdata
 * dev`; on Kafka it runs beside the workers.
 */
import { relative } from 'node:path';
import { startServe } from '../../app/profiles.js';
import type { HttpRole } from '../../app/roles/http.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { clock, describeError, info } from '../output.js';

export interface ServeOptions {
  dir: string;
  dataDir?: string;
  port?: number;
  host?: string;
}

export async function serve(options: ServeOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.port !== undefined || options.host !== undefined) overrides.server = { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}) };
  const { config, root, dataDir, file } = await loadProjectConfig({ dir: options.dir, overrides });
  const app = await startServe({
    root,
    config,
    dataDir,
    onEvent: (event) => {
      if (event.type === 'load-failed') info(`${clock()} ${relative(root, event.file)}: not loaded, its output is not served: ${describeError(event.error)}`);
      else if (event.type === 'log-warning') info(`${clock()} ${event.message}`);
    },
  });
  info(`fastdata serve: project ${root}${file ? ` (${relative(root, file)})` : ''}, ${app.context.description}`);
  info(`  outputs: ${app.role<HttpRole>('http')?.url}/api/outputs`);
  info(`  HTTP access: ${app.role<HttpRole>('http')?.accessDescription ?? 'no server'}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await app.stop();
  info(`${clock()} stopped`);
}
