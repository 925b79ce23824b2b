/**
 * The schema of a topic that alert rules read: the output schema of the project's module
 * that writes it (as the module will register it), else the registry's latest version
 * (an output of a module this process does not run).
 */
import { readSchemaSource } from '../../schema/schema-file.js';
import { valueSubject, type SchemaRegistry } from '../../schema/types.js';
import type { StreamModule } from '../../stream/define.js';
import type { SchemaOf } from '../rules/index.js';

export function outputSchemaOf(modules: readonly StreamModule[], root: string, registry?: SchemaRegistry): SchemaOf {
  const writers = new Map(modules.map((m) => [m.output.topic, m]));
  return async (topic: string) => {
    const module = writers.get(topic);
    if (module) {
      const source = await readSchemaSource(module.output.schema, root, { stream: module.name });
      return typeof source === 'string' ? (JSON.parse(source) as object) : source;
    }
    if (!registry) return undefined;
    try {
      return JSON.parse((await registry.getLatest(valueSubject(topic))).schema) as object;
    } catch {
      return undefined;
    }
  };
}
