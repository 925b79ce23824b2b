/**
 * Every named type defined in a set of schema files, by full name, so a schema can refer
 * to a type defined in another file (`"type": "fastdata.demo.Location"`) or to one of
 * its own namespace by its simple name.
 */
import { FastdataError } from '../../errors.js';
import { canonicalSchemaJson } from '../canonical.js';
import { type JsonObject, PRIMITIVES, forEachDefinition, fullName } from './avro-json.js';
import type { SchemaFile } from './schema-files.js';

export interface NamedType {
  fullName: string;
  kind: 'record' | 'error' | 'enum' | 'fixed';
  definition: JsonObject & { type: string; name: string };
  /** The file that defines it (the first one, when several define the same type). */
  file: string;
}

function sameDefinition(a: JsonObject, b: JsonObject): boolean {
  try {
    return JSON.stringify(canonicalSchemaJson(a)) === JSON.stringify(canonicalSchemaJson(b));
  } catch {
    return JSON.stringify(a) === JSON.stringify(b);
  }
}

export class NameTable {
  private readonly types = new Map<string, NamedType>();

  /** Collects the definitions of `files`; two different definitions of one full name are an error naming both files. */
  static fromFiles(files: readonly SchemaFile[]): NameTable {
    const table = new NameTable();
    for (const file of files) {
      forEachDefinition(file.json, undefined, ({ definition, fullName: name }) => {
        const existing = table.types.get(name);
        if (existing === undefined) {
          table.types.set(name, { fullName: name, kind: definition.type as NamedType['kind'], definition, file: file.shown });
        } else if (existing.definition !== definition && !sameDefinition(existing.definition, definition)) {
          throw new FastdataError(
            'FD_SCHEMA_INVALID',
            `${file.shown} defines type ${name} differently from ${existing.file}; a full name means one type: rename one of them (or give it another namespace), or refer to the other by name`,
            { context: { file: file.shown, field: name } },
          );
        }
      });
    }
    return table;
  }

  /** The named type a reference means inside `namespace`: the qualified name first, then the name as given. */
  lookup(reference: string, namespace: string | undefined): NamedType | undefined {
    return this.types.get(fullName(reference, namespace)) ?? this.types.get(reference);
  }

  /** Like `lookup`, or FD_SCHEMA_INVALID naming the reference, where it is and the known types. */
  resolve(reference: string, namespace: string | undefined, where: string): NamedType {
    const found = this.lookup(reference, namespace);
    if (found !== undefined) return found;
    const known = [...this.types.keys()].sort();
    throw new FastdataError(
      'FD_SCHEMA_INVALID',
      `${where}: unknown type ${JSON.stringify(reference)}${namespace ? ` (looked for ${fullName(reference, namespace)} too)` : ''}; ` +
        `use a primitive (${[...PRIMITIVES].join(', ')}) or a named type defined in the schema folder${known.length ? ` (${known.join(', ')})` : ''}`,
      { context: { field: where } },
    );
  }

  all(): NamedType[] {
    return [...this.types.values()];
  }
}
