/**
 * Finds and loads the stream modules of a project: the `.ts`/`.js` files of the streams
 * folder whose default export is what `defineStream` returned. TypeScript is loaded with
 * tsx's loader hooks, registered once in this process, so a module's `import 'fastdata'`
 * reaches the very same fastdata instance as the runtime running it (one task context).
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FastdataError, errorMessage } from '../errors.js';
import { type StreamModule, isStreamModule } from './define.js';

export interface LoadedStream {
  module: StreamModule;
  file: string;
}

export interface LoadFailure {
  file: string;
  error: FastdataError;
}

const MODULE_FILE = /\.(ts|mts|js|mjs)$/;
const NOT_A_MODULE = /\.(test|spec|d)\.(ts|mts|js|mjs)$/;

/** Whether a file name in the streams folder is a module or helper the loader reads (not a test or a declaration file). */
export function isStreamFileName(name: string): boolean {
  return MODULE_FILE.test(name) && !NOT_A_MODULE.test(name);
}

let tsxRegistered: Promise<void> | undefined;

async function ensureTypeScriptLoader(): Promise<void> {
  tsxRegistered ??= (async () => {
    // Running from TypeScript sources means a TypeScript-aware runner (vitest, tsx) loaded
    // this file, and it loads the modules too; the compiled package registers tsx.
    if (import.meta.url.endsWith('.ts')) return;
    const { register } = await import('tsx/esm/api');
    register();
  })();
  return tsxRegistered;
}

let reloads = 0;

export interface LoadOptions {
  /**
   * Evaluate the file again even if this process imported it before (hot reload). ES
   * modules are cached by URL, so the file is imported under a new query string; the
   * files it imports (helpers, types) stay as first loaded: a change there needs a restart.
   * Each reload keeps the old version in memory, which a dev session can afford.
   */
  fresh?: boolean;
}

/** Loads one module file; FD_STREAM_LOAD_FAILED says what is wrong with it. */
export async function loadStreamFile(file: string, root: string, options: LoadOptions = {}): Promise<StreamModule | undefined> {
  await ensureTypeScriptLoader();
  const shown = relative(root, file) || file;
  let exports: Record<string, unknown>;
  const url = pathToFileURL(file).href + (options.fresh ? `?fastdata-reload=${++reloads}` : '');
  try {
    exports = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new FastdataError('FD_STREAM_LOAD_FAILED', `${shown} failed to load: ${errorMessage(error)}`, { context: { file: shown }, cause: error });
  }
  if (!('default' in exports)) return undefined; // a helper file (types, shared functions)
  if (!isStreamModule(exports.default)) {
    throw new FastdataError(
      'FD_STREAM_LOAD_FAILED',
      `${shown}: its default export is not a stream module; export default defineStream({...}), or move the file out of the streams folder`,
      { context: { file: shown } },
    );
  }
  return exports.default;
}

/** Loads every module of `dir`; failures are collected, not thrown, so the others can run. */
export async function loadStreamModules(dir: string, root: string): Promise<{ streams: LoadedStream[]; failures: LoadFailure[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isStreamFileName).sort();
  } catch (error) {
    throw new FastdataError('FD_CONFIG_INVALID', `cannot read the streams folder ${dir}: ${errorMessage(error)}; set 'streams' in fastdata.config.yaml`, {
      context: { file: dir, field: 'streams' },
    });
  }
  const streams: LoadedStream[] = [];
  const failures: LoadFailure[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const module = await loadStreamFile(file, root);
      if (module) streams.push({ module, file });
    } catch (error) {
      failures.push({ file, error: error instanceof FastdataError ? error : new FastdataError('FD_STREAM_LOAD_FAILED', errorMessage(error), { cause: error }) });
    }
  }
  return { streams, failures };
}
