/**
 * `fastdata schema check`: every local schema against the registry (embedded under the
 * data dir, read-only, or `registry.url` / `--registry-url`), one line per schema;
 * exit code 1 when one is incompatible or invalid, for CI.
 */
import { join } from 'node:path';
import { loadProjectConfig } from '../../config/project-config.js';
import { EmbeddedSchemaRegistry } from '../../schema/embedded-registry.js';
import { RemoteSchemaRegistry } from '../../schema/remote-registry.js';
import { FAILING, checkLocalSchemas, renderCheckResults } from '../../tools/schema/check-schemas.js';
import { collectLocalSchemas } from '../../tools/schema/local-schemas.js';
import type { SchemaRegistry } from '../../schema/types.js';
import { info, writeLine } from '../output.js';

export interface SchemaCheckOptions {
  dir: string;
  dataDir?: string;
  registryUrl?: string;
  schemas?: string;
}

/** Resolves to the exit code: 0 when every schema can be registered, 1 otherwise. */
export async function schemaCheck(options: SchemaCheckOptions): Promise<number> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.registryUrl !== undefined) overrides.registry = { url: options.registryUrl };
  const loaded = await loadProjectConfig({ dir: options.dir, overrides });
  const { config, dataDir } = loaded;
  // Only the registry: a check needs no log. The embedded one read-only, so it runs beside `fastdata dev`.
  const registry: SchemaRegistry = config.registry.url
    ? new RemoteSchemaRegistry({ url: config.registry.url, clientId: config.log.clientId, ...(config.registry.auth ? { auth: config.registry.auth } : {}) })
    : await EmbeddedSchemaRegistry.open(join(dataDir, 'registry'), { readOnly: true });
  try {
    const locals = await collectLocalSchemas(loaded, options.schemas);
    const results = await checkLocalSchemas(registry, locals);
    for (const line of renderCheckResults(results)) await writeLine(line);
    const failing = results.filter((r) => FAILING.has(r.status)).length;
    info(
      `${results.length} schema check${results.length === 1 ? '' : 's'} against registry ${config.registry.url ?? `embedded (${join(dataDir, 'registry')})`}: ` +
        (failing === 0 ? 'all can be registered' : `${failing} cannot be registered`),
    );
    return failing === 0 ? 0 : 1;
  } finally {
    await registry.close();
  }
}
