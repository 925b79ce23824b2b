/**
 * The module a replay runs: the one of that name in the streams folder, as its file is now.
 * In the CLI's own process any load is; inside a running `fastdata dev` (POST /api/replay)
 * the files are imported afresh (`fresh`), since dev imported them at its start and hot
 * reload may not have taken the latest save (a save that did not load keeps the old
 * version running). The file named like the module is tried first, so a replay in dev
 * usually imports one file, not the whole folder.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FastdataError, errorMessage } from '../../errors.js';
import type { StreamModule } from '../define.js';
import { isStreamFileName, loadStreamFile } from '../module-loader.js';

export interface FindModuleOptions {
  /** Import each file again even if this process imported it before. */
  fresh?: boolean;
}

/** The module `name` of the folder `dir`; FD_ARGUMENT_INVALID (field `module`) lists the modules when there is none. */
export async function findStreamModule(dir: string, root: string, name: string, options: FindModuleOptions = {}): Promise<StreamModule> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isStreamFileName).sort();
  } catch (error) {
    throw new FastdataError('FD_CONFIG_INVALID', `cannot read the streams folder ${dir}: ${errorMessage(error)}; set 'streams' in fastdata.config.yaml`, { context: { file: dir, field: 'streams' } });
  }
  const likely = names.filter((file) => file.replace(/\.[^.]+$/, '') === name);
  const ordered = [...likely, ...names.filter((file) => !likely.includes(file))];
  const found: string[] = [];
  const failed: string[] = [];
  for (const file of ordered) {
    try {
      const module = await loadStreamFile(join(dir, file), root, options.fresh ? { fresh: true } : {});
      if (module?.name === name) return module;
      if (module) found.push(module.name);
    } catch (error) {
      failed.push(errorMessage(error));
    }
  }
  const shown = relative(root, dir) || dir;
  throw new FastdataError(
    'FD_ARGUMENT_INVALID',
    `<module>: no module named ${name} in ${shown}/; the modules are ${found.sort().join(', ') || 'none'}${failed.length > 0 ? ` (not loaded: ${failed.join('; ')})` : ''}`,
    { context: { field: 'module' } },
  );
}
