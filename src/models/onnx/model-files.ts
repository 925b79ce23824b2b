/**
 * The model files this process loaded, with their SHA-256 and the module file that loaded
 * each: what the catalog's provenance shows beside a module's code version, and what hot
 * reload watches (a changed model file reloads the modules that loaded it, as an edit of
 * theirs would). Kept on globalThis, as the task context is (stream/task-context.ts): a
 * module file may reach a second copy of fastdata, and the runtime's copy must still see it.
 */
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LoadedModelFile {
  /** Absolute path of the model file. */
  file: string;
  /** SHA-256 of the bytes the running session was made from, hex. */
  sha256: string;
  bytes: number;
  /** When it was loaded (ms since the epoch). */
  loadedAt: number;
  /** The module (or helper) file whose code loaded it, when it could be told from the call stack. */
  loadedBy: string | undefined;
}

const KEY = Symbol.for('fastdata.loadedModelFiles');
const shared = globalThis as { [KEY]?: Map<string, LoadedModelFile> };
/** By `${loadedBy}\0${file}`: the latest load of each file by each module file. */
const loads = (shared[KEY] ??= new Map());

/** fastdata's own code (src/ or dist/): frames there are not the module that loaded a model. */
const OWN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..') + sep;

export function recordModelLoad(entry: LoadedModelFile): void {
  loads.set(`${entry.loadedBy ?? ''}\u0000${entry.file}`, entry);
}

/** The model files `moduleFile` loaded (latest load of each), sorted by path. */
export function modelFilesOf(moduleFile: string): LoadedModelFile[] {
  return [...loads.values()].filter((l) => l.loadedBy === moduleFile).sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** The module files that loaded `modelFile`. */
export function modulesUsing(modelFile: string): string[] {
  return [...new Set([...loads.values()].filter((l) => l.file === modelFile && l.loadedBy !== undefined).map((l) => l.loadedBy!))].sort();
}

/** Every model file loaded in this process. */
export function loadedModelFiles(): string[] {
  return [...new Set([...loads.values()].map((l) => l.file))].sort();
}

/**
 * The file of the code that called into fastdata: the first frame of the call stack outside
 * fastdata's own code, node's internals and node_modules (a module's top level, where
 * `await onnxModel(...)` runs). Hot reload imports a module under a query string: dropped.
 */
export function callerFile(stack: string | undefined = new Error().stack): string | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const match = /((?:file:\/\/)?\/[^\s()]+?):\d+:\d+\)?\s*$/.exec(line);
    if (!match) continue;
    let file = match[1]!;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file.replace(/[?#].*$/, ''));
      } catch {
        continue;
      }
    } else file = file.replace(/[?#].*$/, '');
    if (file.startsWith(OWN) || file.includes(`${sep}node_modules${sep}`)) continue;
    return file;
  }
  return undefined;
}
