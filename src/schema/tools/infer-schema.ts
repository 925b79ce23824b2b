/**
 * `fastdata schema infer`: an Avro schema proposed from JSON samples, for a person to
 * review, not a final answer. Every sample is observed into a shape (how often each field
 * was present, null, a boolean, an int, a long, a double, a string, an object, an array);
 * the shape becomes a schema:
 *
 * - numbers: int when every one is an integer in 32 bits, long for larger integers,
 *   double as soon as one has a fraction;
 * - a field absent from some samples or null in some → ["null", T] with "default": null;
 * - objects → nested records named from the field path (Reading → ReadingLocation);
 * - arrays → items merged over every element of every sample;
 * - values of several kinds → a union of them (each kind once, so avsc reads it unwrapped),
 *   with a note in the field's doc; a field that was always null → "null", with a note.
 *
 * Notes are also returned, for the command to print: they are what to look at.
 */
import { FastdataError } from '../../errors.js';
import { pascalCase } from './avro-json.js';

interface Shape {
  /** Values observed here, null included. */
  values: number;
  nulls: number;
  booleans: number;
  ints: number;
  longs: number;
  doubles: number;
  strings: number;
  record: RecordShape | undefined;
  array: { count: number; items: Shape } | undefined;
}

interface RecordShape {
  count: number;
  /** By JSON key, in the order first seen (the schema keeps that order). */
  fields: Map<string, Shape>;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const emptyShape = (): Shape => ({ values: 0, nulls: 0, booleans: 0, ints: 0, longs: 0, doubles: 0, strings: 0, record: undefined, array: undefined });

function observe(shape: Shape, value: unknown): void {
  shape.values++;
  if (value === null) shape.nulls++;
  else if (typeof value === 'boolean') shape.booleans++;
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) shape.doubles++;
    else if (value >= INT_MIN && value <= INT_MAX) shape.ints++;
    else shape.longs++;
  } else if (typeof value === 'string') shape.strings++;
  else if (Array.isArray(value)) {
    shape.array ??= { count: 0, items: emptyShape() };
    shape.array.count++;
    for (const item of value) observe(shape.array.items, item);
  } else if (typeof value === 'object') {
    shape.record ??= { count: 0, fields: new Map() };
    observeRecord(shape.record, value as Record<string, unknown>);
  }
}

function observeRecord(record: RecordShape, value: Record<string, unknown>): void {
  record.count++;
  for (const [key, fieldValue] of Object.entries(value)) {
    let field = record.fields.get(key);
    if (field === undefined) record.fields.set(key, (field = emptyShape()));
    observe(field, fieldValue);
  }
}

export interface InferOptions {
  /** Name of the top-level record (an Avro name). */
  name: string;
  namespace?: string;
  /** Where the samples came from, for the record's doc. */
  source?: string;
}

export interface InferredSchema {
  schema: Record<string, unknown>;
  /** What to review: mixed types, fields always null, renamed keys, empty arrays. */
  notes: string[];
  samples: number;
}

/** A JSON key as an Avro field name: invalid characters become '_'. */
function avroFieldName(key: string): string {
  let name = key.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
  return name;
}

class Builder {
  readonly notes: string[] = [];
  private readonly names = new Set<string>();

  /** A record name from the path, unique in the schema. */
  private recordName(base: string): string {
    let name = base;
    for (let n = 2; this.names.has(name); n++) name = `${base}${n}`;
    this.names.add(name);
    return name;
  }

  /** The schema of the values observed in `shape` (null aside), as branches of a union. */
  private branches(shape: Shape, path: string, typeName: string, notes: string[]): unknown[] {
    const branches: unknown[] = [];
    const kinds: string[] = [];
    if (shape.booleans > 0) {
      branches.push('boolean');
      kinds.push(`boolean ×${shape.booleans}`);
    }
    const numbers = shape.ints + shape.longs + shape.doubles;
    if (numbers > 0) {
      branches.push(shape.doubles > 0 ? 'double' : shape.longs > 0 ? 'long' : 'int');
      kinds.push(`number ×${numbers}`);
    }
    if (shape.strings > 0) {
      branches.push('string');
      kinds.push(`string ×${shape.strings}`);
    }
    if (shape.record !== undefined) {
      branches.push(this.record(shape.record, path, typeName));
      kinds.push(`object ×${shape.record.count}`);
    }
    if (shape.array !== undefined) {
      branches.push({ type: 'array', items: this.items(shape.array.items, path, typeName) });
      kinds.push(`array ×${shape.array.count}`);
    }
    if (branches.length > 1) notes.push(`mixed types (${kinds.join(', ')}): a union; consider one type`);
    return branches;
  }

  private items(shape: Shape, path: string, typeName: string): unknown {
    if (shape.values === 0) {
      this.notes.push(`${path}: every array was empty; items typed "string" as a placeholder`);
      return 'string';
    }
    const notes: string[] = [];
    const branches = this.branches(shape, `${path}[]`, `${typeName}Item`, notes);
    for (const note of notes) this.notes.push(`${path}[]: ${note}`);
    if (branches.length === 0) {
      this.notes.push(`${path}[]: items were always null; typed "null"`);
      return 'null';
    }
    const withNull = shape.nulls > 0 ? ['null', ...branches] : branches;
    return withNull.length === 1 ? withNull[0] : withNull;
  }

  record(record: RecordShape, path: string, typeName: string): Record<string, unknown> {
    const name = this.recordName(typeName);
    const used = new Set<string>();
    const fields: Record<string, unknown>[] = [];
    if (record.fields.size === 0) this.notes.push(`${path || name}: always an empty object; a record without fields`);
    for (const [key, shape] of record.fields) {
      const fieldPath = path === '' ? key : `${path}.${key}`;
      const notes: string[] = [];
      let fieldName = avroFieldName(key);
      for (let n = 2; used.has(fieldName); n++) fieldName = `${avroFieldName(key)}_${n}`;
      used.add(fieldName);
      if (fieldName !== key) notes.push(`JSON key ${JSON.stringify(key)} is not an Avro name; renamed`);
      const branches = this.branches(shape, fieldPath, `${typeName}${pascalCase(key)}`, notes);
      const absent = record.count - shape.values;
      const optional = absent > 0 || shape.nulls > 0;
      let type: unknown;
      if (branches.length === 0) {
        notes.push('always null (or absent) in the samples: typed "null"; give it a type');
        type = 'null';
      } else if (optional) {
        type = ['null', ...branches];
      } else {
        type = branches.length === 1 ? branches[0] : branches;
      }
      if (absent > 0 && branches.length > 0) notes.push(`absent from ${absent} of ${record.count} records`);
      const field: Record<string, unknown> = { name: fieldName, type };
      if (optional || branches.length === 0) field.default = null;
      if (notes.length > 0) {
        field.doc = `Inferred: ${notes.join('; ')}.`;
        for (const note of notes) this.notes.push(`${fieldPath}: ${note}`);
      }
      fields.push(field);
    }
    return { type: 'record', name, fields };
  }
}

function checkName(value: string, flag: string): string {
  if (!AVRO_NAME.test(value)) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `${flag} ${JSON.stringify(value)} is not an Avro name: letters, digits and '_', not starting with a digit (e.g. SensorReading)`, {
      context: { field: flag },
    });
  }
  return value;
}

/** An Avro name for a source: `sensor.readings` → SensorReadings, `samples/a-b.jsonl` → AB. */
export function nameFromSource(source: string): string {
  const base = source.replace(/^.*[\\/]/, '').replace(/\.(jsonl|ndjson)$/i, '');
  const name = pascalCase(base);
  return AVRO_NAME.test(name) ? name : `Record${name}`;
}

export function inferSchema(samples: readonly unknown[], options: InferOptions): InferredSchema {
  checkName(options.name, '--name');
  if (options.namespace !== undefined && options.namespace !== '') {
    for (const part of options.namespace.split('.')) checkName(part, '--namespace');
  }
  if (samples.length === 0) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `no samples to infer from${options.source ? ` in ${options.source}` : ''}; give a topic or a .jsonl file with at least one record`, {
      context: { field: 'source' },
    });
  }
  const root: RecordShape = { count: 0, fields: new Map() };
  samples.forEach((sample, i) => {
    if (sample === null || typeof sample !== 'object' || Array.isArray(sample)) {
      throw new FastdataError('FD_RECORD_INVALID', `sample ${i + 1} is ${Array.isArray(sample) ? 'an array' : JSON.stringify(sample)}, not a JSON object; a record's samples are objects`, {
        context: { field: 'source', sample: i + 1 },
      });
    }
    observeRecord(root, sample as Record<string, unknown>);
  });
  const builder = new Builder();
  const record = builder.record(root, '', options.name);
  const doc = `Inferred by fastdata schema infer from ${samples.length} sample${samples.length === 1 ? '' : 's'}${options.source ? ` of ${options.source}` : ''}; review before use.`;
  const schema: Record<string, unknown> = {
    type: 'record',
    name: options.name,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    doc,
    fields: record.fields,
  };
  return { schema, notes: builder.notes, samples: samples.length };
}
