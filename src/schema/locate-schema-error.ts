/**
 * Where an invalid Avro schema goes wrong, as a field path (`SensorReading.location.lat`).
 *
 * avsc says what is wrong (`undefined type name: demo.strin`) but not where. Avro names
 * must be defined before they are used, so a prefix of the schema in document order parses
 * on its own: the error lies in the first field whose prefix fails. We parse ever longer
 * prefixes, then look inside that field the same way. Only runs when parsing failed.
 */

type Json = Record<string, unknown>;
/** Builds the whole schema with the node being examined replaced, and what follows it dropped. */
type Rebuild = (replacement: unknown) => unknown;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function withoutKey(object: Json, key: string): Json {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

class Locator {
  constructor(private readonly parses: (schema: unknown) => boolean) {}

  /** The path of the error inside `node` (a type schema at `path`), or `path` itself. */
  inType(node: unknown, path: string, rebuild: Rebuild): string {
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        const prefix = node.slice(0, index + 1);
        if (!this.parses(rebuild(prefix))) {
          return this.inType(node[index], path, (replacement) => rebuild([...node.slice(0, index), replacement]));
        }
      }
      return path;
    }
    if (!isObject(node)) return path;
    if ((node.type === 'record' || node.type === 'error') && Array.isArray(node.fields)) {
      const name = typeof node.name === 'string' ? node.name.slice(node.name.lastIndexOf('.') + 1) : '';
      return this.inRecord(node, node.fields, path === '' ? name : path, rebuild);
    }
    if (node.type === 'array') return this.inType(node.items, `${path}[]`, (replacement) => rebuild({ ...node, items: replacement }));
    if (node.type === 'map') return this.inType(node.values, `${path}{}`, (replacement) => rebuild({ ...node, values: replacement }));
    return path;
  }

  private inRecord(node: Json, fields: unknown[], path: string, rebuild: Rebuild): string {
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index];
      const withFields = (last: unknown) => rebuild({ ...node, fields: [...fields.slice(0, index), last] });
      if (this.parses(withFields(field))) continue;
      if (!isObject(field) || typeof field.name !== 'string') return `${path} (field #${index + 1})`;
      const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
      if ('default' in field && this.parses(withFields(withoutKey(field, 'default')))) return `${fieldPath} (its default)`;
      return this.inType(field.type, fieldPath, (replacement) => withFields({ ...withoutKey(field, 'default'), type: replacement }));
    }
    return path;
  }
}

/** The field path where `schema` fails to parse, or undefined when it cannot be narrowed to a field. */
export function locateSchemaError(schema: unknown, parses: (schema: unknown) => boolean): string | undefined {
  const path = new Locator(parses).inType(schema, '', (replacement) => replacement);
  return path.includes('.') || path.includes('(') ? path : undefined;
}
