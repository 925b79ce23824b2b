/**
 * Where scripts/infra keeps things: `.cache/infra/` under the project (git-ignored), or
 * FASTDATA_INFRA_DIR. Downloads and unpacked distributions are kept between runs; each
 * server has a run folder with its config, pid file, log and data dir.
 *
 *   .cache/infra/downloads/                 archives fetched from Maven Central
 *   .cache/infra/dist/<server>-<version>/   jars / unpacked distribution (reused)
 *   .cache/infra/run/<server>/              <server>.pid, <server>.log, config files, data/
 */
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface InfraPaths {
  root: string;
  downloads: string;
  lockFile: string;
  dist(server: string, version: string): string;
  run(server: string): string;
}

export function infraPaths(options: { projectRoot?: string; env?: NodeJS.ProcessEnv } = {}): InfraPaths {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const configured = (options.env ?? process.env).FASTDATA_INFRA_DIR?.trim();
  const root = configured ? (isAbsolute(configured) ? configured : resolve(projectRoot, configured)) : join(projectRoot, '.cache', 'infra');
  return {
    root,
    downloads: join(root, 'downloads'),
    lockFile: join(root, 'infra.lock'),
    dist: (server, version) => join(root, 'dist', `${server}-${version}`),
    run: (server) => join(root, 'run', server),
  };
}
