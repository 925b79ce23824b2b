/**
 * Hot swap of a model file: a module file that loads a model (`await onnxModel(...)` at its
 * top level) is known as the model's user; a changed model file makes the watcher of
 * `fastdata dev` reload that module (app/reload/model-watcher.ts), whose fresh import loads
 * the new file (new SHA-256 in the provenance); a model that fails to load (not ONNX, inputs
 * that no longer fit) makes the reload fail with the model's error, as a module that
 * fails to load does, so HotReloader keeps the running version (hot-reload.ts).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchModelFiles } from '../../../../src/app/reload/model-watcher.js';
import { modelFilesOf, modulesUsing } from '../../../../src/models/onnx/model-files.js';
import { loadStreamFile } from '../../../../src/stream/module-loader.js';
import { eventually } from '../../../helpers/eventually.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/onnx/${name}`, import.meta.url));
const ONNX_MODEL = fileURLToPath(new URL('../../../../src/models/onnx/onnx-model.ts', import.meta.url));
const DEFINE = fileURLToPath(new URL('../../../../src/stream/define.ts', import.meta.url));
const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

const moduleText = `import { onnxModel } from ${JSON.stringify(ONNX_MODEL)};
import { defineStream } from ${JSON.stringify(DEFINE)};
import { map } from 'rxjs';

const model = await onnxModel(new URL('../models/scorer.onnx', import.meta.url), {
  inputs: { features: { type: 'float32', shape: [4], from: (r: { x: number[] }) => r.x } },
});

export default defineStream<{ readings: { x: number[] } }, { y: number }>({
  name: 'scorer',
  inputs: { readings: 'readings' },
  output: { topic: 'scored', schema: { type: 'record', name: 'Y', fields: [{ name: 'y', type: 'double' }] }, key: () => 'k' },
  pipeline: ({ readings }) => readings.pipe(map(() => ({ y: model.maxBatch }))),
});
`;

describe('a model file changed under a running module', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  it('reloads the module that loaded it; the new hash is what it reports; a model that fails to load fails the reload with its reason', async () => {
    const models = join(dir.path, 'models');
    const moduleFile = join(dir.path, 'streams', 'scorer.ts');
    const modelFile = join(models, 'scorer.onnx');
    await mkdir(models);
    await mkdir(join(dir.path, 'streams'));
    await copyFile(fixture('linear.onnx'), modelFile);
    await writeFile(moduleFile, moduleText);

    expect(await loadStreamFile(moduleFile, dir.path, { fresh: true })).toBeDefined();
    expect(modulesUsing(modelFile)).toEqual([moduleFile]);
    expect(modelFilesOf(moduleFile).map((m) => [m.file, m.sha256])).toEqual([[modelFile, await sha(fixture('linear.onnx'))]]);

    const reloads: string[] = [];
    const watcher = watchModelFiles(dir.path, { reload: (file) => reloads.push(file), onError: (_d, error) => reloads.push(`error: ${String(error)}`), debounceMs: 20 });
    try {
      await copyFile(fixture('linear-fixed.onnx'), modelFile);
      await eventually(() => reloads.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
      expect(reloads[0]).toBe(moduleFile);
    } finally {
      watcher.close();
    }
    // The reload (a fresh import, as HotReloader does) runs with the new model.
    expect(await loadStreamFile(moduleFile, dir.path, { fresh: true })).toBeDefined();
    expect(modelFilesOf(moduleFile).map((m) => m.sha256)).toEqual([await sha(fixture('linear-fixed.onnx'))]);

    // A broken model and one whose inputs no longer fit: the reload fails, naming why; what runs stays.
    await writeFile(modelFile, 'not a model');
    await expect(loadStreamFile(moduleFile, dir.path, { fresh: true })).rejects.toThrow(/streams\/scorer.ts failed to load: .*scorer.onnx is not a model onnxruntime can load/);
    await copyFile(fixture('int-input.onnx'), modelFile);
    await expect(loadStreamFile(moduleFile, dir.path, { fresh: true })).rejects.toThrow(/the model has an input 'counts' \(int64 \[N, 2\]\) that the module does not declare/);
    expect(modelFilesOf(moduleFile).map((m) => m.sha256)).toEqual([await sha(fixture('linear-fixed.onnx'))]);
  });
});
