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

/** Loads one module file; FD_STREAM_LOAD_FAILED says what is wrong with it. */
export async function loadStreamFile(file: string, root: string): Promise<StreamModule | undefined> {
  await ensureTypeScriptLoader();
  const shown = relative(root, file) || file;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
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
    names = (await readdir(dir)).filter((n) => MODULE_FILE.test(n) && !NOT_A_MODULE.test(n)).sort();
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
