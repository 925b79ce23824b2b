/**
 * The project's schema files: every `*.avsc` of a folder (not its subfolders, so
 * `schemas/generated/` is never read back), in name order so everything built from them
 * is deterministic, each parsed as JSON with an error that names the file.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FastdataError, errorMessage } from '../../errors.js';

export interface SchemaFile {
  /** Absolute path. */
  path: string;
  /** Path as messages and generated comments show it: relative to the project root. */
  shown: string;
  /** The parsed JSON, not yet validated as Avro. */
  json: unknown;
}

/** The `.avsc` file names of `dir`, sorted; an empty list when the folder does not exist. */
export async function listAvscFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new FastdataError('FD_SCHEMA_NOT_FOUND', `cannot read the schema folder ${dir}: ${errorMessage(error)}`, { context: { file: dir }, cause: error });
  }
  return names.filter((name) => name.endsWith('.avsc')).sort();
}

/** Reads and JSON-parses one schema file. */
export async function readSchemaFile(path: string, root: string): Promise<SchemaFile> {
  const shown = relative(root, path) || path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FastdataError('FD_SCHEMA_NOT_FOUND', `cannot read schema file ${shown}: ${errorMessage(error)}`, { context: { file: shown }, cause: error });
  }
  try {
    return { path, shown, json: JSON.parse(text) as unknown };
  } catch (error) {
    throw new FastdataError('FD_SCHEMA_INVALID', `${shown} is not valid JSON (${errorMessage(error)}); an .avsc file holds one Avro schema as JSON`, {
      context: { file: shown },
      cause: error,
    });
  }
}

/** Every schema file of `dir`, in name order. */
export async function readSchemaFiles(dir: string, root: string): Promise<SchemaFile[]> {
  const names = await listAvscFiles(dir);
  return Promise.all(names.map((name) => readSchemaFile(join(dir, name), root)));
}
