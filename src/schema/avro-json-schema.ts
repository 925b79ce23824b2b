/**
 * Avro schemas as JSON Schema (draft 2020-12, the dialect OpenAPI 3.1 embeds), for the
 * REST access layer: the schema describes the JSON the API returns for a decoded record,
 * so it follows how fastdata decodes (`schema/avro.ts`), not Avro's own JSON encoding:
 *
 * - `long` and the time logical types are plain JSON integers (avsc refuses longs beyond
 *   2^53 rather than losing precision), `int` is an integer in the int32 range.
 * - `bytes` and `fixed` are Buffers, which `toJsonValue` writes as base64 strings. So is
 *   `decimal`: without a logical-type hook the serde returns the Buffer of the unscaled
 *   two's-complement value, and the description says how to read it.
 * - Unions are unwrapped (`wrapUnions: 'auto'`): a value is the branch's value itself,
 *   except for unions avsc cannot tell apart by JS value (two records, int and long,
 *   string and enum...), whose values are `{ "<branch name>": value }`.
 * - `float`/`double` are JSON numbers. NaN and ±Infinity have no JSON form
 *   (JSON.stringify writes null): the schema does not admit them, as no generated client
 *   wants every double nullable for a value the demo never produces.
 *
 * Named types that are referenced again by name (and recursive records) become `$ref`s
 * into `$defs`; the others are inlined, so a typical output schema stays one flat object.
 */
import { FastdataError } from '../errors.js';
import { parseAvroSchema } from './avro.js';
import type { SchemaInput } from './types.js';

export type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

/** The subset of JSON Schema 2020-12 this module writes. */
export interface JsonSchema {
  $schema?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  format?: string;
  contentEncoding?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: (string | null)[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
}

export interface JsonSchemaOptions {
  /**
   * Where `$ref`s point, `#/$defs/` by default. An OpenAPI document that hoists `$defs`
   * into `components.schemas` passes `#/components/schemas/`: a `#/...` reference in an
   * embedded schema resolves against the whole document, not against the schema.
   */
  refPrefix?: string;
}

/** A leaf of a record: what a CSV column or a dashboard series reads. */
export interface AvroFieldPath {
  /** Field names joined with dots (`location.lat`; Avro names cannot hold a dot); `''` for a value that is not a record. */
  path: string;
  /** The Avro type: a primitive (`long`), `enum`, `fixed`, `array`, `map`, `union` (two or more non-null branches), or `record` (a recursive one, not flattened). */
  type: string;
  /** Full name of a named type (`fastdata.demo.Status`). */
  name?: string;
  /** A logical type that applies (`timestamp-millis`); ignored ones (on the wrong base type) are left out, as avsc ignores them. */
  logicalType?: string;
  /** A null branch in its union, or in the union of an enclosing record. */
  nullable: boolean;
  doc?: string;
}

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const INT32 = { minimum: -2_147_483_648, maximum: 2_147_483_647 } as const;
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

type AvroObject = Record<string, unknown>;

function isObject(value: unknown): value is AvroObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object that defines a type itself, not `{"type": <another schema>, ...}` around one. */
function isTypeDefinition(schema: AvroObject): boolean {
  const kind = schema.type;
  return typeof kind === 'string' && (PRIMITIVES.has(kind) || NAMED.has(kind) || kind === 'array' || kind === 'map');
}

/** Base types each logical type applies to (Avro 1.12); on another base avsc ignores it, and so do we. */
const LOGICAL_BASES: Record<string, readonly string[]> = {
  'timestamp-millis': ['long'],
  'timestamp-micros': ['long'],
  'timestamp-nanos': ['long'],
  'local-timestamp-millis': ['long'],
  'local-timestamp-micros': ['long'],
  'local-timestamp-nanos': ['long'],
  date: ['int'],
  'time-millis': ['int'],
  'time-micros': ['long'],
  uuid: ['string', 'fixed'],
  decimal: ['bytes', 'fixed'],
  duration: ['fixed'],
};

/** What the number or bytes of a logical type mean: the description a reader needs. */
function logicalNote(logicalType: string, schema: AvroObject): string {
  switch (logicalType) {
    case 'timestamp-millis':
      return 'milliseconds since the epoch';
    case 'timestamp-micros':
      return 'microseconds since the epoch';
    case 'timestamp-nanos':
      return 'nanoseconds since the epoch';
    case 'local-timestamp-millis':
      return 'milliseconds since 1970-01-01T00:00 in local time, no time zone';
    case 'local-timestamp-micros':
      return 'microseconds since 1970-01-01T00:00 in local time, no time zone';
    case 'local-timestamp-nanos':
      return 'nanoseconds since 1970-01-01T00:00 in local time, no time zone';
    case 'date':
      return 'days since the epoch (1970-01-01)';
    case 'time-millis':
      return 'milliseconds after midnight';
    case 'time-micros':
      return 'microseconds after midnight';
    case 'uuid':
      return schema.type === 'fixed' ? 'a UUID as its 16 bytes, base64' : 'a UUID';
    case 'decimal':
      return `decimal(${String(schema.precision)}, ${String(schema.scale ?? 0)}): the unscaled value as big-endian two's-complement bytes, base64; the number is unscaled × 10^-${String(schema.scale ?? 0)}`;
    case 'duration':
      return 'an Avro duration: 12 bytes, base64, three little-endian unsigned 32-bit integers (months, days, milliseconds)';
    default:
      return '';
  }
}

/** The named definitions of a schema and the names used as references. */
interface SchemaIndex {
  root: unknown;
  named: Map<string, AvroObject>;
  referenced: Set<string>;
}

/**
 * Validates with fastdata's own parser (bad input: FD_SCHEMA_INVALID) and walks the
 * canonical JSON, where every named type and reference carries its full name.
 */
function indexSchema(input: SchemaInput): SchemaIndex {
  const root = JSON.parse(parseAvroSchema(input).canonical) as unknown;
  const named = new Map<string, AvroObject>();
  const referenced = new Set<string>();
  const scan = (schema: unknown): void => {
    if (typeof schema === 'string') {
      if (!PRIMITIVES.has(schema)) referenced.add(schema);
    } else if (Array.isArray(schema)) {
      schema.forEach(scan);
    } else if (isObject(schema)) {
      if (!isTypeDefinition(schema)) return scan(schema.type);
      if (NAMED.has(String(schema.type))) named.set(String(schema.name), schema);
      if (Array.isArray(schema.fields)) for (const field of schema.fields) if (isObject(field)) scan(field.type);
      if (schema.type === 'array') scan(schema.items);
      if (schema.type === 'map') scan(schema.values);
    }
  };
  scan(root);
  return { root, named, referenced };
}

/** A name reference or a `{"type": <schema>, ...}` wrapper replaced by the definition it stands for. */
function resolve(index: SchemaIndex, schema: unknown): unknown {
  if (typeof schema === 'string' && !PRIMITIVES.has(schema)) {
    const found = index.named.get(schema);
    if (!found) throw new FastdataError('FD_INTERNAL', `avro-json-schema: the type name ${schema} has no definition after parsing`);
    return found;
  }
  if (isObject(schema) && !isTypeDefinition(schema)) return resolve(index, schema.type);
  return schema;
}

/** The Avro type name of a resolved schema: `long`, `record`, `union`... */
function kindOf(schema: unknown): string {
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return 'union';
  return isObject(schema) ? String(schema.type) : 'unknown';
}

/** The logical type of a resolved schema, when avsc would honour it on this base type. */
function validLogicalType(schema: unknown): string | undefined {
  if (!isObject(schema) || typeof schema.logicalType !== 'string') return undefined;
  return LOGICAL_BASES[schema.logicalType]?.includes(kindOf(schema)) ? schema.logicalType : undefined;
}

/** What a reader must know to read a value of this resolved type that JSON does not say. */
function typeNote(schema: unknown): string | undefined {
  const logicalType = validLogicalType(schema);
  if (logicalType !== undefined) return logicalNote(logicalType, schema as AvroObject);
  if (kindOf(schema) === 'fixed') return `${String((schema as AvroObject).size)} bytes, base64`;
  return undefined;
}

/** avsc's bucket of a branch (`getTypeBucket`): two branches in one bucket make the union wrapped. */
function bucketOf(kind: string): string {
  if (kind === 'int' || kind === 'long' || kind === 'float' || kind === 'double') return 'number';
  if (kind === 'bytes' || kind === 'fixed') return 'buffer';
  if (kind === 'enum') return 'string';
  if (kind === 'map' || kind === 'record' || kind === 'error') return 'object';
  return kind;
}

function isWrappedUnion(index: SchemaIndex, branches: unknown[]): boolean {
  const buckets = branches.map((branch) => bucketOf(kindOf(resolve(index, branch))));
  return new Set(buckets).size !== buckets.length;
}

/** The key of a branch in a wrapped union value, avsc's `branchName`. */
function branchName(resolved: unknown): string {
  if (isObject(resolved) && typeof resolved.name === 'string') return resolved.name;
  return kindOf(resolved);
}

/** The non-null branches of a union and whether it has a null one. */
function splitNull(index: SchemaIndex, branches: unknown[]): { others: unknown[]; nullable: boolean } {
  const others = branches.filter((branch) => kindOf(resolve(index, branch)) !== 'null');
  return { others, nullable: others.length < branches.length };
}

/** `schema` or null: widens `type` where it can (and `enum`, which would refuse null otherwise), else anyOf. */
function orNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string' && schema.$ref === undefined && schema.anyOf === undefined) {
    const widened: JsonSchema = { ...schema, type: [schema.type, 'null'] };
    if (schema.enum) widened.enum = [...schema.enum, null];
    return widened;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

class Converter {
  readonly defs: Record<string, JsonSchema> = {};

  constructor(
    private readonly index: SchemaIndex,
    private readonly refPrefix: string,
  ) {}

  convert(schema: unknown): JsonSchema {
    if (typeof schema === 'string') {
      if (PRIMITIVES.has(schema)) return this.primitive(schema);
      return { $ref: this.refPrefix + schema };
    }
    if (Array.isArray(schema)) return this.union(schema);
    if (!isObject(schema)) throw new FastdataError('FD_INTERNAL', `avro-json-schema: unexpected schema ${JSON.stringify(schema)}`);
    if (!isTypeDefinition(schema)) return this.convert(schema.type);
    const kind = String(schema.type);
    const name = typeof schema.name === 'string' ? schema.name : undefined;
    if (name !== undefined && NAMED.has(kind)) {
      if (!this.index.referenced.has(name)) return this.named(schema, name);
      this.defs[name] = this.named(schema, name);
      return { $ref: this.refPrefix + name };
    }
    if (kind === 'array') return { type: 'array', items: this.convert(schema.items) };
    if (kind === 'map') return { type: 'object', additionalProperties: this.convert(schema.values) };
    const base = this.primitive(kind);
    const logicalType = validLogicalType(schema);
    if (logicalType === undefined) return base;
    const described: JsonSchema = { ...base, description: logicalNote(logicalType, schema) };
    if (logicalType === 'uuid') described.format = 'uuid';
    return described;
  }

  private primitive(kind: string): JsonSchema {
    switch (kind) {
      case 'null':
        return { type: 'null' };
      case 'boolean':
        return { type: 'boolean' };
      case 'int':
        // avsc accepts an int only when `value === (value | 0)`: the int32 range.
        return { type: 'integer', format: 'int32', ...INT32 };
      case 'long':
        return { type: 'integer', format: 'int64' };
      case 'float':
        return { type: 'number', format: 'float' };
      case 'double':
        return { type: 'number', format: 'double' };
      case 'bytes':
        return { type: 'string', contentEncoding: 'base64' };
      case 'string':
        return { type: 'string' };
      default:
        throw new FastdataError('FD_INTERNAL', `avro-json-schema: unknown primitive ${kind}`);
    }
  }

  private named(schema: AvroObject, name: string): JsonSchema {
    const doc = typeof schema.doc === 'string' ? { description: schema.doc } : {};
    if (schema.type === 'enum') {
      return { type: 'string', title: name, ...doc, enum: (schema.symbols as string[]).slice() };
    }
    if (schema.type === 'fixed') {
      const note = typeNote(schema) ?? '';
      // Base64 of n bytes, padded, is exactly 4 * ceil(n / 3) characters.
      const length = 4 * Math.ceil(Number(schema.size) / 3);
      const description = typeof schema.doc === 'string' ? `${schema.doc} (${note})` : note;
      return { type: 'string', title: name, description, contentEncoding: 'base64', minLength: length, maxLength: length };
    }
    return this.record(schema, name, doc);
  }

  private record(schema: AvroObject, name: string, doc: { description?: string }): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of schema.fields as AvroObject[]) {
      const fieldName = String(field.name);
      const property = this.convert(field.type);
      if (typeof field.doc === 'string') property.description = this.fieldDescription(field.doc, field.type);
      properties[fieldName] = property;
      if (!this.admitsNull(field.type)) required.push(fieldName);
    }
    const out: JsonSchema = { type: 'object', title: name, ...doc, properties };
    if (required.length > 0) out.required = required;
    out.additionalProperties = false;
    return out;
  }

  /** The field's doc, plus what its logical type means unless the doc says it already. */
  private fieldDescription(doc: string, type: unknown): string {
    let schema = resolve(this.index, type);
    if (Array.isArray(schema)) {
      const { others } = splitNull(this.index, schema);
      schema = others.length === 1 ? resolve(this.index, others[0]) : undefined;
    }
    const note = typeNote(schema);
    if (note === undefined) return doc;
    return doc.toLowerCase().includes(note.toLowerCase()) ? doc : `${doc} (${note})`;
  }

  private admitsNull(type: unknown): boolean {
    const schema = resolve(this.index, type);
    if (Array.isArray(schema)) return splitNull(this.index, schema).nullable;
    return kindOf(schema) === 'null';
  }

  private union(branches: unknown[]): JsonSchema {
    if (isWrappedUnion(this.index, branches)) {
      // avsc writes these as { "<branch name>": value } (null stays null).
      return {
        anyOf: branches.map((branch) => {
          const resolved = resolve(this.index, branch);
          if (kindOf(resolved) === 'null') return { type: 'null' };
          const key = branchName(resolved);
          return { type: 'object', properties: { [key]: this.convert(branch) }, required: [key], additionalProperties: false };
        }),
      };
    }
    const { others, nullable } = splitNull(this.index, branches);
    if (others.length === 0) return { type: 'null' };
    if (others.length === 1) {
      const only = this.convert(others[0]);
      return nullable ? orNull(only) : only;
    }
    return { anyOf: branches.map((branch) => this.convert(branch)) };
  }
}

/**
 * The JSON Schema of the JSON that `toJsonValue` makes of a value decoded with `schema`
 * (an Avro schema as JSON text or parsed JSON; FD_SCHEMA_INVALID when it does not parse).
 * Records: objects with every field in `properties`, fields without a null branch in
 * `required`, `additionalProperties: false`, the record's full name as `title` and its
 * doc as `description`.
 */
export function avroToJsonSchema(schema: SchemaInput, options: JsonSchemaOptions = {}): JsonSchema {
  const index = indexSchema(schema);
  const converter = new Converter(index, options.refPrefix ?? '#/$defs/');
  const root = converter.convert(index.root);
  const out: JsonSchema = { $schema: JSON_SCHEMA_DIALECT, ...root };
  if (Object.keys(converter.defs).length > 0) out.$defs = converter.defs;
  return out;
}

/**
 * The leaf fields of a schema, depth first in field order: nested records (also as
 * `["null", record]`) are flattened into dotted paths, every other type is one leaf, and
 * a record already on the path (recursion) is a leaf of type `record`.
 */
export function avroFieldPaths(schema: SchemaInput): AvroFieldPath[] {
  const index = indexSchema(schema);
  const paths: AvroFieldPath[] = [];
  const walk = (type: unknown, segments: string[], parentNullable: boolean, doc: unknown, onPath: ReadonlySet<string>): void => {
    let resolved = resolve(index, type);
    let nullable = parentNullable;
    if (Array.isArray(resolved)) {
      const split = splitNull(index, resolved);
      nullable ||= split.nullable;
      // ["null", T] is T or null in JSON; a wrapped union is never of this shape.
      resolved = split.others.length === 1 ? resolve(index, split.others[0]) : split.others.length === 0 ? 'null' : resolved;
    }
    const kind = kindOf(resolved);
    if (kind === 'null') nullable = true;
    const name = isObject(resolved) && typeof resolved.name === 'string' ? resolved.name : undefined;
    if ((kind === 'record' || kind === 'error') && name !== undefined && !onPath.has(name)) {
      const inner = new Set(onPath).add(name);
      for (const field of (resolved as AvroObject).fields as AvroObject[]) {
        walk(field.type, [...segments, String(field.name)], nullable, field.doc, inner);
      }
      return;
    }
    const leaf: AvroFieldPath = { path: segments.join('.'), type: kind === 'error' ? 'record' : kind, nullable };
    if (name !== undefined) leaf.name = name;
    const logicalType = validLogicalType(resolved);
    if (logicalType !== undefined) leaf.logicalType = logicalType;
    if (typeof doc === 'string') leaf.doc = doc;
    paths.push(leaf);
  };
  walk(index.root, [], false, undefined, new Set());
  return paths;
}

/** The JSON form of a decoded value, which `avroToJsonSchema` describes (lives with the schema code: the CLI uses it too). */
export { toJsonValue } from '../schema/json-value.js';
