import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { type ErrorContext, FastdataError, errorMessage } from '../errors.js';
import type { SchemaInput } from './types.js';

/**
 * A schema given as a path (an `.avsc` file, relative to the project root) or inline as
 * an object: the schema itself, read from disk when it is a path.
 */
export async function readSchemaSource(schema: string | object, root: string, context: ErrorContext = {}): Promise<SchemaInput> {
  if (typeof schema !== 'string') return schema;
  const path = isAbsolute(schema) ? schema : resolve(root, schema);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FastdataError('FD_SCHEMA_NOT_FOUND', `cannot read schema file ${path}: ${errorMessage(error)}; schema paths are relative to the project root (${root})`, {
      context: { ...context, file: path },
      cause: error,
    });
  }
}
