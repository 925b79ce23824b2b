/**
 * The schemas a project would register, each with the subject it goes to:
 *
 * - every stream module's output schema, under `<topic>-value`, read exactly as the
 *   runner reads it at start (`readSchemaSource`), so what passes here passes there;
 * - every other `schemas/*.avsc` (an input written by a source, a schema shared with
 *   another team), under each subject whose latest registered schema has the same full
 *   name: the registry's own record of where that type is used. A file no subject
 *   matches is reported as such, not failed.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { LoadedConfig } from '../../config/project-config.js';
import { errorMessage, isFastdataError } from '../../errors.js';
import { loadStreamModules } from '../../stream/module-loader.js';
import { readSchemaSource } from '../../schema/schema-file.js';
import { valueSubject } from '../../schema/types.js';
import { DEFAULT_SCHEMA_DIR } from '../../schema/tools/generate-types.js';
import { listAvscFiles, readSchemaFile } from '../../schema/tools/schema-files.js';

/** A schema with the subject it is for. */
export interface ModuleSchema {
  kind: 'module';
  subject: string;
  /** `module sensor-stats (schemas/sensor-stats.avsc)`. */
  label: string;
  schema: string | object;
}

/** A schema file. When no module writes with it, its subjects are found by name in the registry. */
export interface FileSchema {
  kind: 'file';
  label: string;
  /** The JSON as the file holds it. */
  json: unknown;
  path: string;
  /** A module's output schema: checked as the module's (above); here only for the types it defines. */
  moduleOutput: boolean;
}

/** Something that could not even be read: a module that fails to load, a file that is not JSON. */
export interface LocalProblem {
  kind: 'problem';
  label: string;
  message: string;
}

export type LocalSchema = ModuleSchema | FileSchema | LocalProblem;

export async function collectLocalSchemas(loaded: LoadedConfig, schemaDir = DEFAULT_SCHEMA_DIR): Promise<LocalSchema[]> {
  const { root, config } = loaded;
  const found: LocalSchema[] = [];
  const moduleFiles = new Set<string>();
  const streamsDir = resolve(root, config.streams);
  if (existsSync(streamsDir)) {
    const { streams, failures } = await loadStreamModules(streamsDir, root);
    for (const failure of failures) found.push({ kind: 'problem', label: relative(root, failure.file), message: failure.error.message });
    for (const { module } of streams) {
      const { topic, schema } = module.output;
      const shownSchema = typeof schema === 'string' ? schema : 'inline schema';
      const label = `module ${module.name} (${shownSchema})`;
      if (typeof schema === 'string') moduleFiles.add(resolve(root, schema));
      try {
        found.push({ kind: 'module', subject: valueSubject(topic), label, schema: await readSchemaSource(schema, root, { stream: module.name }) });
      } catch (error) {
        found.push({ kind: 'problem', label, message: errorMessage(error) });
      }
    }
  }
  const dir = resolve(root, schemaDir);
  let names: string[];
  try {
    names = await listAvscFiles(dir);
  } catch (error) {
    if (!isFastdataError(error)) throw error;
    found.push({ kind: 'problem', label: schemaDir, message: error.message });
    return found;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const file = await readSchemaFile(path, root);
      found.push({ kind: 'file', label: file.shown, json: file.json, path, moduleOutput: moduleFiles.has(path) });
    } catch (error) {
      if (!isFastdataError(error)) throw error;
      found.push({ kind: 'problem', label: relative(root, path), message: error.message });
    }
  }
  return found;
}
