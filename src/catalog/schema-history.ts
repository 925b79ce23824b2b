/** Every version of a subject, oldest first, each with its field changes from the one before. */
import type { SchemaRegistry } from '../schema/types.js';
import { diffSchemas } from './schema-diff.js';
import type { SchemaHistory, SchemaVersionEntry } from './types.js';

/** FD_SUBJECT_NOT_FOUND (from the registry, naming the subject) when there is no such subject. */
export async function schemaHistory(registry: SchemaRegistry, subject: string): Promise<SchemaHistory> {
  const numbers = [...(await registry.listVersions(subject))].sort((a, b) => a - b);
  const versions: SchemaVersionEntry[] = [];
  let previous: string | undefined;
  for (const version of numbers) {
    const registered = await registry.getVersion(subject, version);
    versions.push({
      version,
      id: registered.id,
      schema: JSON.parse(registered.schema) as unknown,
      changes: previous === undefined ? [] : diffSchemas(previous, registered.schema),
    });
    previous = registered.schema;
  }
  return { subject, versions };
}
