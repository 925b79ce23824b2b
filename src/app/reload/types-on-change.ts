/**
 * `fastdata dev` keeps the generated TypeScript types (`fastdata schema gen`) in step with
 * the schemas: a changed `.avsc` file in schemas/ (not its subfolders: generated/ is
 * there) regenerates schemas/generated/index.ts. A schema that does not parse is reported
 * and the previous types stay; dev never exits over it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCHEMA_DIR, generateTypes } from '../../schema/tools/generate-types.js';
import { type FolderWatcher, watchFolder } from './module-watcher.js';

export interface TypesReport {
  onGenerated(file: string, types: string[]): void;
  onError(error: unknown): void;
}

/** Watches the project's schemas folder, if it has one. */
export function regenerateTypesOnChange(root: string, report: TypesReport): FolderWatcher | undefined {
  const dir = join(root, DEFAULT_SCHEMA_DIR);
  if (!existsSync(dir)) return undefined;
  let running = Promise.resolve();
  return watchFolder(dir, {
    accept: (name) => name.endsWith('.avsc'),
    onChange: () => {
      // One at a time: a second change while generating runs after it, on the newest files.
      running = running.then(async () => {
        try {
          const generated = await generateTypes({ root });
          if (generated.changed) report.onGenerated(generated.file, generated.types);
        } catch (error) {
          report.onError(error);
        }
      });
    },
    onError: report.onError,
  });
}
