/**
 * A schema file made self-contained: each reference to a named type that another file
 * defines is replaced, at its first use, by a copy of that definition (under its full
 * name). avsc can then parse and validate the file on its own, with fastdata's options.
 *
 * Only the schema tools bundle. A module's output schema is registered as its file says
 * (`readSchemaSource`), so a module output must still be a self-contained file.
 */
import { FastdataError } from '../../errors.js';
import { type ParsedSchema, parseAvroSchema } from '../avro.js';
import { PRIMITIVES, definitionName, isJsonObject, isNamedDefinition, namespaceOf } from './avro-json.js';
import type { NameTable } from './named-types.js';
import type { SchemaFile } from './schema-files.js';

export function bundleSchema(file: SchemaFile, table: NameTable): unknown {
  const defined = new Set<string>();

  const walk = (schema: unknown, namespace: string | undefined, where: string): unknown => {
    if (typeof schema === 'string') {
      if (PRIMITIVES.has(schema)) return schema;
      const named = table.resolve(schema, namespace, where);
      if (defined.has(named.fullName)) return schema;
      // Inline the definition, with its full name so it keeps its namespace wherever it lands.
      const { namespace: _dropped, ...rest } = named.definition;
      return walk({ ...rest, name: named.fullName }, namespace, where);
    }
    if (Array.isArray(schema)) return schema.map((branch, i) => walk(branch, namespace, `${where}[${i}]`));
    if (!isJsonObject(schema)) return schema;
    let inner = namespace;
    if (isNamedDefinition(schema)) {
      const name = definitionName(schema, namespace);
      defined.add(name);
      inner = namespaceOf(name);
    }
    const out: Record<string, unknown> = { ...schema };
    if (Array.isArray(schema.fields)) {
      out.fields = schema.fields.map((field) =>
        isJsonObject(field) ? { ...field, type: walk(field.type, inner, `${where}.${String(field.name)}`) } : field,
      );
    }
    if (schema.type === 'array') out.items = walk(schema.items, inner, `${where}[]`);
    if (schema.type === 'map') out.values = walk(schema.values, inner, `${where}{}`);
    if (isJsonObject(schema.type) || Array.isArray(schema.type) || (typeof schema.type === 'string' && !PRIMITIVES.has(schema.type) && !['record', 'error', 'enum', 'fixed', 'array', 'map'].includes(schema.type))) {
      out.type = walk(schema.type, inner, where);
    }
    return out;
  };

  return walk(file.json, undefined, file.shown);
}

/** Bundles and parses with avsc: FD_SCHEMA_INVALID (naming the file and field) for a schema fastdata could not use. */
export function validateSchemaFile(file: SchemaFile, table: NameTable): ParsedSchema {
  const bundled = bundleSchema(file, table);
  try {
    return parseAvroSchema(bundled as object, { file: file.shown });
  } catch (error) {
    if (error instanceof FastdataError) {
      throw new FastdataError(error.code, `${file.shown}: ${error.message}`, { context: error.context, cause: error });
    }
    throw error;
  }
}
