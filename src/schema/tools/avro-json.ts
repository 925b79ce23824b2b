/**
 * Walking Avro schemas as JSON, with the naming rules of the Avro specification: a named
 * type (record, error, enum, fixed) has a full name; a simple name takes the namespace of
 * its own `namespace` attribute or of the nearest enclosing named type; a dotted name is
 * already full. The schema tools work on the JSON, not on avsc's types, because avsc
 * drops `logicalType` and docs that generated code and messages want to show.
 */

export const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
export const NAMED_KINDS = new Set(['record', 'error', 'enum', 'fixed']);

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

export function namespaceOf(full: string): string | undefined {
  const dot = full.lastIndexOf('.');
  return dot < 0 ? undefined : full.slice(0, dot);
}

export function simpleName(full: string): string {
  return full.slice(full.lastIndexOf('.') + 1);
}

/** A named type's definition: `{"type": "record" | "error" | "enum" | "fixed", "name": ...}`. */
export function isNamedDefinition(schema: unknown): schema is JsonObject & { type: string; name: string } {
  return isJsonObject(schema) && typeof schema.type === 'string' && NAMED_KINDS.has(schema.type) && typeof schema.name === 'string';
}

/** The full name a named definition gets inside `enclosing`. */
export function definitionName(definition: JsonObject & { name: string }, enclosing: string | undefined): string {
  const own = typeof definition.namespace === 'string' && definition.namespace !== '' ? definition.namespace : enclosing;
  return fullName(definition.name, definition.namespace === '' ? undefined : own);
}

export interface NamedVisit {
  definition: JsonObject & { type: string; name: string };
  fullName: string;
}

/**
 * Calls `visit` for every named definition of `schema`, outermost first, in the order
 * they appear (the order Avro defines names in).
 */
export function forEachDefinition(schema: unknown, enclosing: string | undefined, visit: (found: NamedVisit) => void): void {
  if (Array.isArray(schema)) {
    for (const branch of schema) forEachDefinition(branch, enclosing, visit);
    return;
  }
  if (!isJsonObject(schema)) return;
  let namespace = enclosing;
  if (isNamedDefinition(schema)) {
    const name = definitionName(schema, enclosing);
    visit({ definition: schema, fullName: name });
    namespace = namespaceOf(name);
  }
  if (Array.isArray(schema.fields)) {
    for (const field of schema.fields) if (isJsonObject(field)) forEachDefinition(field.type, namespace, visit);
  }
  if (schema.type === 'array') forEachDefinition(schema.items, namespace, visit);
  if (schema.type === 'map') forEachDefinition(schema.values, namespace, visit);
  // `{"type": {"type": "record", ...}}`: a schema wrapped in an object.
  if (isJsonObject(schema.type) || Array.isArray(schema.type)) forEachDefinition(schema.type, namespace, visit);
}

/** `plant-a.alerts` → `PlantAAlerts`: a type name made of any text (field paths, namespaces). */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
