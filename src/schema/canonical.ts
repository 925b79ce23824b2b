/**
 * The canonical text of an Avro schema: what decides "same schema => same global id".
 *
 * Two texts that describe the same schema (other whitespace, other attribute order,
 * `{"type": "string"}` for `"string"`, `"namespace": "a", "name": "X"` for
 * `"name": "a.X"`, a short reference to a type of the enclosing namespace) get the same
 * canonical text. Unlike Avro's Parsing Canonical Form it keeps what a reader of the
 * registry wants to see: docs, defaults, aliases, logical types and custom attributes.
 *
 * It works on the JSON, not on avsc's `Type#schema()`, because that export drops
 * `logicalType` (without a logical-type hook), enum defaults and custom attributes.
 * The input must already have been validated by avsc (see `avro.ts`).
 */

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

/** Attributes first in this order (the order of Avro's specification), then the others sorted. */
const ATTRIBUTE_ORDER = [
  'name',
  'type',
  'fields',
  'symbols',
  'items',
  'values',
  'size',
  'logicalType',
  'precision',
  'scale',
  'default',
  'doc',
  'aliases',
  'order',
];
const ATTRIBUTE_RANK = new Map(ATTRIBUTE_ORDER.map((name, rank) => [name, rank]));

function compareAttributes(a: string, b: string): number {
  const rankA = ATTRIBUTE_RANK.get(a) ?? ATTRIBUTE_ORDER.length;
  const rankB = ATTRIBUTE_RANK.get(b) ?? ATTRIBUTE_ORDER.length;
  if (rankA !== rankB) return rankA - rankB;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plain JSON value with object keys sorted, for defaults and custom attributes. */
function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedJson(value[key]);
  return out;
}

function withOrderedKeys(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort(compareAttributes)) out[key] = object[key];
  return out;
}

class Canonicalizer {
  /** Full names of the named types defined so far, to resolve short references. */
  private readonly defined = new Set<string>();

  fullName(name: string, namespace: string): string {
    if (name.includes('.') || namespace === '') return name;
    return `${namespace}.${name}`;
  }

  /** A reference by name: qualified with the enclosing namespace when that is what it denotes. */
  reference(name: string, namespace: string): string {
    if (PRIMITIVES.has(name)) return name;
    const qualified = this.fullName(name, namespace);
    if (this.defined.has(qualified)) return qualified;
    return name;
  }

  type(schema: unknown, namespace: string): unknown {
    if (typeof schema === 'string') return this.reference(schema, namespace);
    if (Array.isArray(schema)) return schema.map((branch) => this.type(branch, namespace));
    if (!isObject(schema)) return schema;

    const kind = schema.type;
    if (typeof kind === 'string' && PRIMITIVES.has(kind)) {
      const rest = Object.keys(schema).filter((key) => key !== 'type');
      if (rest.length === 0) return kind;
      return this.attributes(schema, new Set(['type']), { type: kind });
    }
    if (typeof kind === 'string' && NAMED.has(kind)) return this.named(schema, kind, namespace);
    if (kind === 'array') {
      return this.attributes(schema, new Set(['type', 'items']), { type: 'array', items: this.type(schema.items, namespace) });
    }
    if (kind === 'map') {
      return this.attributes(schema, new Set(['type', 'values']), { type: 'map', values: this.type(schema.values, namespace) });
    }
    // `{"type": <another schema>}`: the same as the inner schema when nothing else is said.
    if (Object.keys(schema).length === 1) return this.type(kind, namespace);
    return this.attributes(schema, new Set(['type']), { type: this.type(kind, namespace) });
  }

  private named(schema: Record<string, unknown>, kind: string, namespace: string): unknown {
    const ownNamespace = typeof schema.namespace === 'string' ? schema.namespace : namespace;
    const name = String(schema.name);
    const full = this.fullName(name, ownNamespace);
    this.defined.add(full);
    const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
    const known: Record<string, unknown> = { name: full, type: kind };
    if (kind === 'record' || kind === 'error') {
      const fields = Array.isArray(schema.fields) ? schema.fields : [];
      known.fields = fields.map((field) => this.field(field, inner));
    }
    return this.attributes(schema, new Set(['name', 'namespace', 'type', 'fields']), known);
  }

  private field(field: unknown, namespace: string): unknown {
    if (!isObject(field)) return field;
    const known: Record<string, unknown> = { name: field.name, type: this.type(field.type, namespace) };
    const skip = new Set(['name', 'type']);
    // "ascending" is the default order: saying it or not is the same schema.
    if (field.order === 'ascending') skip.add('order');
    return this.attributes(field, skip, known);
  }

  /** `known` plus every other attribute of `source` (docs, defaults, custom ones), keys ordered. */
  private attributes(source: Record<string, unknown>, skip: Set<string>, known: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...known };
    for (const [key, value] of Object.entries(source)) {
      if (skip.has(key) || key in out) continue;
      out[key] = sortedJson(value);
    }
    return withOrderedKeys(out);
  }
}

/** The canonical JSON value of a validated Avro schema. */
export function canonicalSchemaJson(schema: unknown): unknown {
  return new Canonicalizer().type(schema, '');
}

/** The canonical text of a validated Avro schema: compact JSON of `canonicalSchemaJson`. */
export function canonicalSchemaText(schema: unknown): string {
  return JSON.stringify(canonicalSchemaJson(schema));
}
