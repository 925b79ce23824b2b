/**
 * The stream modules of a project, loaded once per process: every file of the streams
 * folder, ordered by their lineage (a module reading another's output after it), with the
 * operator's per-module settings (`modules.<name>` in the config) checked against them.
 */
import { join } from 'node:path';
import type { ProjectConfig } from '../config/project-config.js';
import { FastdataError } from '../errors.js';
import type { StreamModule } from '../stream/define.js';
import { type LoadFailure, type LoadedStream, loadStreamModules } from '../stream/module-loader.js';
import { checkModuleSettings, settingsOf, withModuleSettings } from '../stream/module-settings.js';
import { orderStreams } from '../stream/project-streams.js';

export interface Project {
  /** Loaded modules in start order, each with its file, the configured settings in place. */
  streams: LoadedStream[];
  /** Files that did not load (each reported; `strict` refuses the project instead). */
  failures: LoadFailure[];
}

export interface LoadProjectOptions {
  root: string;
  config: ProjectConfig;
  /** A project that does not load whole starts nothing (a production worker). */
  strict?: boolean;
}

export async function loadProject({ root, config, strict = false }: LoadProjectOptions): Promise<Project> {
  const { streams, failures } = await loadStreamModules(join(root, config.streams), root);
  if (strict && failures.length > 0) {
    const list = failures.map((f) => `  - ${f.file}: ${f.error.message}`).join('\n');
    throw new FastdataError('FD_STREAM_LOAD_FAILED', `${failures.length} stream module(s) did not load; a worker runs only a project that loads whole:\n${list}`);
  }
  const ordered = orderStreams(streams);
  // Settings of modules whose file failed to load are not typos: they are left for the file to come back.
  checkModuleSettings(config.modules, [...ordered.map((s) => s.module.name), ...failures.map((f) => moduleNameOfFile(f.file))]);
  return { streams: ordered.map((s) => ({ ...s, module: configured(config, s.module) })), failures };
}

/** A module as the operator configured it (`modules.<name>`: commit interval, watermark). */
export function configured(config: ProjectConfig, module: StreamModule): StreamModule {
  return withModuleSettings(module, settingsOf(config.modules, module.name));
}

/** The module name a file most likely holds (`streams/sensor-stats.ts` → sensor-stats), for a file that did not load. */
function moduleNameOfFile(file: string): string {
  return file.replace(/^.*[\\/]/, '').replace(/\.(ts|mts|js|mjs)$/, '');
}
