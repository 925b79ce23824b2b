/**
 * Whether a record can be written to a topic: a plain object with only the fields of the
 * topic's schema, each of the right type, with a usable key and event time. HTTP ingest,
 * `fastdata produce` and every declared source check records here, so they accept and
 * refuse the same records with the same words.
 */
import { errorMessage } from '../errors.js';
import { type AvroEncoder, invalidFields } from '../schema/serde.js';

export interface RecordProblem {
  /** The field at fault (a dotted path), or '' for the record as a whole. */
  field: string;
  message: string;
}

const fieldSets = new WeakMap<object, Set<string> | undefined>();

/** The top-level field names of a record type, computed once per type. */
function fieldNames(type: AvroEncoder['type']): Set<string> | undefined {
  if (!fieldSets.has(type)) {
    const fields = (type as { fields?: { name: string }[] }).fields;
    fieldSets.set(type, fields ? new Set(fields.map((f) => f.name)) : undefined);
  }
  return fieldSets.get(type);
}

/** Why `record` cannot be written, or undefined. */
export function checkRecord(encoder: AvroEncoder, record: unknown, options: { key?: string; time?: string }): RecordProblem | undefined {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { field: '', message: `a record must be a JSON object with the fields of ${encoder.subject}, got ${Array.isArray(record) ? 'an array' : JSON.stringify(record)}` };
  }
  const r = record as Record<string, unknown>;
  // A field the schema does not have would be dropped silently by the encoding: refuse it.
  const fields = fieldNames(encoder.type);
  if (fields) {
    for (const name in r) {
      if (!fields.has(name)) return { field: name, message: `${name}: not a field of ${encoder.subject} (its fields are ${[...fields].join(', ')}); remove it, or add it to the schema` };
    }
  }
  // avsc's isValid without a hook is a compiled check; the hook that names the bad fields runs only for a bad record.
  if (!encoder.type.isValid(record)) {
    const bad = invalidFields(encoder.type, record);
    const first = bad[0] ?? { path: '(the value)', expected: encoder.subject, found: describe(record) };
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more: ${bad.slice(1, 4).map((b) => b.path).join(', ')})` : '';
    return { field: first.path, message: `${first.path}: expected ${first.expected}, got ${first.found}${more}` };
  }
  if (options.key !== undefined) {
    const key = r[options.key];
    if (!(typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)))) {
      return { field: options.key, message: `${options.key}: the key field must be a string or a finite number, got ${describe(key)}` };
    }
  }
  if (options.time !== undefined && timeOf(r[options.time]) === undefined) {
    return { field: options.time, message: `${options.time}: the event time must be milliseconds since the epoch (>= 0) or an ISO 8601 date, got ${describe(r[options.time])}` };
  }
  return undefined;
}

/** Milliseconds since the epoch from a number of them or an ISO 8601 date; undefined when neither or negative. */
export function timeOf(value: unknown): number | undefined {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms) : undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (error) {
    return errorMessage(error);
  }
}
