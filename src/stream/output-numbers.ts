/**
 * The number rule of a module's outputs: a field whose schema type is a plain number (int,
 * long, float or double, not in a union) holds a finite number. Avro itself takes NaN and
 * ±Infinity in a float or double, and fills a field left undefined from its default; but
 * every reader of an output in fastdata (REST, WebSocket, dashboards, alerts, `tail`) sees
 * JSON, where NaN and Infinity become `null`, a value the schema says the field never has.
 * And they are how a bug shows: `mean((r) => r.humidty)` (a misspelt field) reads
 * `undefined` from every record and gives NaN; `{ meanHumidity: w.humidty }` gives
 * `undefined`. So such an output is a dead letter naming the field, never a record.
 *
 * What stays allowed: a field absent from the object (not written at all) takes the
 * schema's default, as Avro's schema evolution means it to; a nullable field
 * (`["null", "double"]`) is not checked, and `null` there is how a module says "no value".
 *
 * The check is compiled once per output schema (checkerFor) into closures that only read
 * the numeric fields, so a schema with no plain float/double/int/long field costs nothing.
 */
import type { Type } from 'avsc';

/** A number field that breaks the rule: where, and what it held. */
export interface BadNumber {
  /** Dotted path from the output value (`stats.meanHumidity`, `values.3`). */
  path: string;
  /** The schema's type there (`double`). */
  type: string;
  /** `NaN`, `Infinity`, `-Infinity` or `undefined`. */
  found: string;
}

/** Every bad number field of a value, in schema order; empty when it keeps the rule. */
export type NumberCheck = (value: unknown) => BadNumber[];

const PLAIN_NUMBERS = new Set(['int', 'long', 'float', 'double']);

/** The check of `type`'s outputs, or undefined when the schema has no plain number field (nothing to check). */
export function checkerFor(type: Type): NumberCheck | undefined {
  const fast = compile(type, new Map());
  if (fast === undefined) return undefined;
  return (value) => {
    if (fast(value)) return [];
    const found: BadNumber[] = [];
    collect(type, value, '', found, new Set());
    return found;
  };
}

/** True when `value` keeps the rule (the hot path: no allocation). */
type Fast = (value: unknown) => boolean;

// `x - x` is 0 for finite numbers only (NaN and ±Infinity give NaN).
const finiteOrOther = (x: unknown): boolean => typeof x !== 'number' || x - x === 0;

/** `undefined` for a type with nothing to check; recursive record types are followed through `seen`. */
function compile(type: Type, seen: Map<Type, Fast | undefined | 'pending'>): Fast | undefined {
  const known = seen.get(type);
  if (known === 'pending') return (value) => (seen.get(type) as Fast | undefined)?.(value) ?? true;
  if (seen.has(type)) return known as Fast | undefined;
  seen.set(type, 'pending');
  const fast = compileNew(type, seen);
  seen.set(type, fast);
  return fast;
}

function compileNew(type: Type, seen: Map<Type, Fast | undefined | 'pending'>): Fast | undefined {
  const name = type.typeName;
  // Anything not a number: encoding checks its type; NaN in a float/double is the case Avro lets by.
  if (PLAIN_NUMBERS.has(name)) return finiteOrOther;
  if (name === 'record' || name === 'error') {
    const fields = (type as unknown as { fields: { name: string; type: Type }[] }).fields
      .map((field) => ({ name: field.name, plain: PLAIN_NUMBERS.has(field.type.typeName), check: compile(field.type, seen) }))
      .filter((field): field is { name: string; plain: boolean; check: Fast } => field.check !== undefined);
    if (fields.length === 0) return undefined;
    return (value) => {
      if (value === null || typeof value !== 'object') return true;
      const record = value as Record<string, unknown>;
      for (const field of fields) {
        const x = record[field.name];
        // Present but undefined: computed from something missing (an absent field takes its default).
        if (x === undefined) {
          if (field.plain && field.name in record) return false;
        } else if (!field.check(x)) return false;
      }
      return true;
    };
  }
  if (name === 'array') {
    const items = compile((type as unknown as { itemsType: Type }).itemsType, seen);
    return items && ((value) => !Array.isArray(value) || value.every(items));
  }
  if (name === 'map') {
    const values = compile((type as unknown as { valuesType: Type }).valuesType, seen);
    return values && ((value) => value === null || typeof value !== 'object' || Object.values(value).every(values));
  }
  // Unions (nullable fields among them), logical types, strings, bytes, enums, fixed: not checked.
  return undefined;
}

/** The slow path, only for a value the fast check refused: every bad field with its path. */
function collect(type: Type, value: unknown, path: string, out: BadNumber[], seen: Set<unknown>): void {
  const name = type.typeName;
  if (PLAIN_NUMBERS.has(name)) {
    if (typeof value === 'number' && value - value !== 0) out.push({ path: path || '(the value)', type: name, found: String(value) });
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const at = (part: string) => (path ? `${path}.${part}` : part);
  if (name === 'record' || name === 'error') {
    const record = value as Record<string, unknown>;
    for (const field of (type as unknown as { fields: { name: string; type: Type }[] }).fields) {
      const x = record[field.name];
      if (x === undefined && field.name in record && PLAIN_NUMBERS.has(field.type.typeName)) out.push({ path: at(field.name), type: field.type.typeName, found: 'undefined' });
      else if (x !== undefined) collect(field.type, x, at(field.name), out, seen);
    }
  } else if (name === 'array' && Array.isArray(value)) {
    const items = (type as unknown as { itemsType: Type }).itemsType;
    value.forEach((x, i) => collect(items, x, at(String(i)), out, seen));
  } else if (name === 'map') {
    const values = (type as unknown as { valuesType: Type }).valuesType;
    for (const [key, x] of Object.entries(value)) collect(values, x, at(key), out, seen);
  }
}

/** The bad fields in words: `meanHumidity is NaN (double)`. */
export function describeBadNumbers(bad: readonly BadNumber[]): string {
  return bad.map((b) => `${b.path} is ${b.found} (${b.type})`).join(', ');
}
