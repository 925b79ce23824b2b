/**
 * Hot swap of trained models in `fastdata dev`: a changed model file (`.onnx`) reloads the
 * modules that loaded it (models/onnx/model-files.ts knows which), exactly as an edit of
 * theirs would (hot-reload.ts): the module file is imported afresh, its `await onnxModel(...)`
 * loads and checks the new file, and the module restarts from its state; a model that
 * fails to load is reported like a failed reload, and the running version keeps scoring
 * with the previous model.
 *
 * Watched: the project's `models/` folder and the folder of every model file loaded when
 * dev started (a model in another folder, first loaded later, is watched after a restart).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadedModelFiles, modulesUsing } from '../../models/onnx/model-files.js';
import { type FolderWatcher, watchFolder } from './module-watcher.js';

const MODEL_FILE = /\.onnx$/i;

export function watchModelFiles(root: string, options: { reload: (moduleFile: string) => void; onError: (dir: string, error: unknown) => void; debounceMs?: number }): FolderWatcher {
  const dirs = new Set(loadedModelFiles().map((file) => dirname(file)));
  const models = join(root, 'models');
  if (existsSync(models)) dirs.add(models);
  const watchers = [...dirs].map((dir) =>
    watchFolder(dir, {
      accept: (name) => MODEL_FILE.test(name),
      ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
      onChange: (file) => {
        for (const moduleFile of modulesUsing(file)) options.reload(moduleFile);
      },
      onError: (error) => options.onError(dir, error),
    }),
  );
  return { close: () => watchers.forEach((w) => w.close()) };
}
