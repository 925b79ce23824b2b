/**
 * `fastdata schema gen`: TypeScript types from the project's `schemas/*.avsc`, written to
 * `schemas/generated/index.ts` (or `--out <dir>`), for modules to import:
 * `import type { SensorStats } from '../schemas/generated/index.js'`.
 */
import { relative, resolve } from 'node:path';
import { generateTypes } from '../../schema/tools/generate-types.js';
import { info } from '../output.js';

export interface SchemaGenOptions {
  dir: string;
  schemas?: string;
  out?: string;
}

export async function schemaGen(options: SchemaGenOptions): Promise<void> {
  const root = resolve(options.dir);
  const result = await generateTypes({ root, ...(options.schemas ? { schemaDir: options.schemas } : {}), ...(options.out ? { outDir: options.out } : {}) });
  const file = relative(process.cwd(), result.file) || result.file;
  if (result.schemas.length === 0) info(`no .avsc files in ${options.schemas ?? 'schemas'}/ of ${root}: ${file} declares no types`);
  info(`${result.changed ? 'wrote' : 'unchanged:'} ${file}: ${result.types.length} type${result.types.length === 1 ? '' : 's'} from ${result.schemas.length} schema file${result.schemas.length === 1 ? '' : 's'}${result.types.length ? ` (${result.types.join(', ')})` : ''}`);
}
