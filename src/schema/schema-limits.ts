/**
 * Bounds on an Avro schema, checked before avsc sees it.
 *
 * avsc parses recursively and generates code for every named type: a schema nested a few
 * thousand levels deep overflows the stack ("Maximum call stack size exceeded" after
 * seconds of work), and a few thousand named records take seconds to compile, during
 * which the process (streams, HTTP, WebSocket) answers nothing. The schema is one JSON
 * document, so the check is one iterative walk over it, linear in its size, and refuses
 * with FD_SCHEMA_INVALID naming the limit (the registry API answers 422, 42201).
 *
 * The limits are far above hand-written schemas (the demo's largest: 3 levels of types,
 * 20 fields) and keep the worst accepted schema to tens of milliseconds of parsing:
 *
 * - text:        256 KiB (a 4096-field record with docs is about 200 KiB)
 * - depth:       100 levels of JSON objects and arrays (about 33 records nested in each other)
 * - named types: 256 records, enums and fixed types (avsc compiles each: about 0.2 ms apiece)
 * - fields:      4096 in all records together
 */
import { FastdataError, type ErrorContext } from '../errors.js';

export interface SchemaLimits {
  /** Most UTF-16 code units of the schema's JSON text (about bytes, for ASCII schemas). */
  maxBytes: number;
  /** Most levels of JSON objects and arrays, the outermost being level 1. */
  maxDepth: number;
  /** Most named types (record, error, enum, fixed). */
  maxNamedTypes: number;
  /** Most fields of all records together. */
  maxFields: number;
}

export const SCHEMA_LIMITS: Readonly<SchemaLimits> = Object.freeze({ maxBytes: 256 * 1024, maxDepth: 100, maxNamedTypes: 256, maxFields: 4096 });

const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

function refuse(limit: keyof SchemaLimits, message: string, context: ErrorContext): never {
  throw new FastdataError('FD_SCHEMA_INVALID', message, { context: { ...context, limit } });
}

const DEPTH_MESSAGE = (limits: SchemaLimits) =>
  `the schema is nested more than ${limits.maxDepth} levels deep (JSON objects and arrays, the limit); flatten it: name a record once and refer to it by name`;

/**
 * The size and depth limits on a schema's text, checked before it is parsed as JSON: one
 * pass over the characters (parsing a deeply nested text costs far more than refusing it).
 */
export function checkSchemaText(text: string, context: ErrorContext = {}, limits: SchemaLimits = SCHEMA_LIMITS): void {
  if (text.length > limits.maxBytes) {
    refuse('maxBytes', `the schema is ${text.length} characters long, over the limit of ${limits.maxBytes} (${limits.maxBytes / 1024} KiB); split it or drop what it does not need (docs, unused types)`, context);
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limits.maxDepth) refuse('maxDepth', DEPTH_MESSAGE(limits), context);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/**
 * Checks a schema's JSON (parsed already; JSON.parse itself does not recurse) against the
 * limits without recursion. A schema given as an object, not as text, is held to the size
 * limit by its number of JSON values: a text within the limit holds at most one value per
 * 2 characters (`1,`).
 */
export function checkSchemaJson(json: unknown, context: ErrorContext = {}, limits: SchemaLimits = SCHEMA_LIMITS): void {
  if (json === null || typeof json !== 'object') return;
  let named = 0;
  let fields = 0;
  let nodes = 0;
  const maxNodes = Math.ceil(limits.maxBytes / 2);
  const stack: { value: unknown; depth: number }[] = [{ value: json, depth: 1 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (++nodes > maxNodes) refuse('maxBytes', `the schema has over ${maxNodes} JSON values, more than a schema of ${limits.maxBytes / 1024} KiB (the limit) can hold; split it`, context);
    if (value === null || typeof value !== 'object') continue;
    if (depth > limits.maxDepth) refuse('maxDepth', DEPTH_MESSAGE(limits), context);
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    const object = value as Record<string, unknown>;
    if (typeof object['type'] === 'string' && NAMED.has(object['type']) && typeof object['name'] === 'string') {
      if (++named > limits.maxNamedTypes) {
        refuse('maxNamedTypes', `the schema defines more than ${limits.maxNamedTypes} named types (records, enums, fixed: the limit); reuse a type by its name instead of defining copies`, context);
      }
      if (Array.isArray(object['fields'])) {
        fields += object['fields'].length;
        if (fields > limits.maxFields) refuse('maxFields', `the schema has more than ${limits.maxFields} fields in all its records (the limit); split it`, context);
      }
    }
    for (const key in object) stack.push({ value: object[key], depth: depth + 1 });
  }
}
