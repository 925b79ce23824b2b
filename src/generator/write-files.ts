/**
 * Writes the files of one generator command, all or nothing as far as overwriting goes:
 * every path is checked before the first is written, so a refused command leaves the
 * project exactly as it was, and the error lists every file in the way at once.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FastdataError } from '../errors.js';
import type { PlannedFile } from './planned-file.js';

export interface WriteOptions {
  /** Overwrite files that exist. */
  force: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The planned paths that exist under `root` already. */
export async function existingFiles(root: string, files: readonly PlannedFile[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) if (await exists(join(root, file.path))) found.push(file.path);
  return found;
}

/**
 * Writes `files` under `root` (creating folders); returns the paths written. Without
 * `force`, FD_ARGUMENT_INVALID when any of them exists, and nothing is written.
 */
export async function writeFiles(root: string, files: readonly PlannedFile[], options: WriteOptions): Promise<string[]> {
  await checkWritable(root, files, options);
  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  }
  return files.map((f) => f.path);
}

/** What writeFiles checks before writing anything: FD_ARGUMENT_INVALID naming every file in the way (without `force`). */
export async function checkWritable(root: string, files: readonly PlannedFile[], options: WriteOptions): Promise<void> {
  const duplicate = files.find((f, i) => files.findIndex((g) => g.path === f.path) !== i);
  if (duplicate) throw new FastdataError('FD_INTERNAL', `the generator planned ${duplicate.path} twice`);
  if (!options.force) {
    const found = await existingFiles(root, files);
    if (found.length > 0) {
      throw new FastdataError(
        'FD_ARGUMENT_INVALID',
        `${found.length === 1 ? 'this file exists' : 'these files exist'} already, so nothing was written: ${found.join(', ')}; pass --force to overwrite ${found.length === 1 ? 'it' : 'them'}, or choose another name`,
        { context: { file: found[0] } },
      );
    }
  }
}
