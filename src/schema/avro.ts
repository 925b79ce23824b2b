/**
 * Avro schemas as fastdata parses them: one place that decides the avsc options, so the
 * registry, the serde and the compatibility checks all see the same types.
 *
 * Values are plain JSON-like objects. Logical types get no avsc hook on purpose: avsc
 * then reads and writes the underlying type, so `timestamp-millis` and
 * `timestamp-micros` are numbers (ms / µs since the epoch, as `Date.now()` gives), `date`
 * is a number of days, `decimal` is the Buffer of its unscaled two's-complement value.
 * A model author's records therefore round-trip through JSON unchanged, and the
 * `logicalType` attribute stays in the registered schema for other readers.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { FastdataError, errorMessage, type ErrorContext } from '../errors.js';
import { boundedCollectionsHook } from './bounded-collections.js';
import { canonicalSchemaJson } from './canonical.js';
import { locateSchemaError } from './locate-schema-error.js';
import { checkSchemaJson, checkSchemaText } from './schema-limits.js';
import type { SchemaInput } from './types.js';

export type { Type as AvroType } from 'avsc';

/** A schema parsed once: the avsc type for encoding and decoding, and its canonical text. */
export interface ParsedSchema {
  readonly type: Type;
  /** Canonical JSON text (see `canonical.ts`): equal texts, same schema, same global id. */
  readonly canonical: string;
  /** Full name of the top-level named type (`demo.SensorReading`), if it has one. */
  readonly name: string | undefined;
}

/**
 * avsc options: anonymous records are refused (the Avro specification requires names,
 * and Confluent's clients need one), records carry no methods (plain objects), unions
 * are unwrapped where the JS value tells the branch (avsc's default, the same as
 * `@kafkajs/confluent-schema-registry`, so decoded values look the same in both), and
 * arrays and maps refuse block counts a payload cannot hold (`bounded-collections.ts`).
 */
const PARSE_OPTIONS = { noAnonymousTypes: true, omitRecordMethods: true, wrapUnions: 'auto', typeHook: boundedCollectionsHook } as const;

/** Options for `createResolver`, a fresh object each time (avsc writes into it). Names
 *  compare without namespace, as Java Avro and the Confluent registry do. */
export function resolverOptions(): { ignoreNamespaces: boolean } {
  return { ignoreNamespaces: true };
}

function forSchema(json: unknown): Type {
  // avsc's Schema typing is narrower than the JSON it accepts; it validates what it gets.
  return avro.Type.forSchema(json as Parameters<typeof avro.Type.forSchema>[0], { ...PARSE_OPTIONS });
}

function parses(json: unknown): boolean {
  try {
    forSchema(json);
    return true;
  } catch {
    return false;
  }
}

function schemaJson(input: SchemaInput, context: ErrorContext): unknown {
  if (typeof input !== 'string') return input;
  checkSchemaText(input, context);
  try {
    return JSON.parse(input) as unknown;
  } catch (error) {
    throw new FastdataError(
      'FD_SCHEMA_INVALID',
      `the schema is not valid JSON (${errorMessage(error)}); a primitive schema is written as a JSON string, e.g. "\\"string\\""`,
      { context, cause: error },
    );
  }
}

/**
 * Parses an Avro schema (JSON text or object); FD_SCHEMA_INVALID names what is wrong.
 * Schemas beyond the limits of schema-limits.ts (size, depth, named types, fields) are
 * refused before avsc parses them, naming the limit.
 */
export function parseAvroSchema(input: SchemaInput, context: ErrorContext = {}): ParsedSchema {
  const json = schemaJson(input, context);
  checkSchemaJson(json, context);
  if (typeof json !== 'string' && (typeof json !== 'object' || json === null)) {
    throw new FastdataError(
      'FD_SCHEMA_INVALID',
      `invalid Avro schema: ${JSON.stringify(json)} is not a schema; a schema is a type name ("string"), an object ({"type": "record", …}) or a union ([…])`,
      { context },
    );
  }
  let type: Type;
  try {
    type = forSchema(json);
  } catch (error) {
    const field = locateSchemaError(json, parses);
    const where = field === undefined ? '' : ` at field ${field}`;
    throw new FastdataError('FD_SCHEMA_INVALID', `invalid Avro schema${where}: ${errorMessage(error)}`, {
      context: field === undefined ? context : { ...context, field },
      cause: error,
    });
  }
  return { type, canonical: JSON.stringify(canonicalSchemaJson(json)), name: type.name };
}

/** Parses and canonicalizes: the canonical text of any accepted schema input. */
export function canonicalText(input: SchemaInput): string {
  return parseAvroSchema(input).canonical;
}

/** A short name of a type for messages: `"double"`, `demo.Status`, `array<string>`, `["null","string"]`. */
export function describeType(type: Type): string {
  if (type instanceof avro.types.ArrayType) return `array<${describeType(type.itemsType)}>`;
  if (type instanceof avro.types.MapType) return `map<${describeType(type.valuesType as Type)}>`;
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return `[${type.types.map(describeType).join(', ')}]`;
  }
  if (type.name !== undefined) return type.name;
  return `"${type.typeName}"`;
}

/** A value for messages: JSON, cut at 80 characters. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  let text: string;
  try {
    text = Buffer.isBuffer(value) ? `<Buffer of ${value.length} bytes>` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
