/**
 * What a generated alert rule or dashboard needs to know of a topic's Avro schema: the
 * field that names the entity (the alert key, the table's rows), the numeric fields worth
 * charting or alerting on, and one valid record for a rule test's defaults. Picked from
 * the schema so that the generated files load and pass their tests as they are.
 */
import type { AvroType } from '../schema/avro.js';
import { parseAvroSchema } from '../schema/avro.js';
import { avroFieldPaths, type AvroFieldPath } from '../schema/avro-json-schema.js';
import { FastdataError } from '../errors.js';

export interface ScaffoldFields {
  /** A string field that names the entity: `sensorId`. */
  key: string;
  /** Numbers that are measurements rather than times, doubles first: `meanTemperature`, `count`. */
  numbers: AvroFieldPath[];
  /** Leaves a table can show (numbers, strings, booleans, enums), the key left out. */
  scalars: AvroFieldPath[];
}

const NUMBER = new Set(['int', 'long', 'float', 'double']);
const SCALAR = new Set([...NUMBER, 'string', 'boolean', 'enum']);
/** Times and dates are numbers too, but nobody alerts on "windowEnd > 100". */
const TIME_LOGICAL = /^(timestamp|local-timestamp|date|time)/;
const ENTITY_NAME = /(id|key|name)$/i;

const isMeasure = (f: AvroFieldPath) => NUMBER.has(f.type) && !(f.logicalType && TIME_LOGICAL.test(f.logicalType));

/**
 * The fields of `schema` (the schema of `topic`). The key is `keyField` when given (any
 * scalar field; FD_ARGUMENT_INVALID naming --key when it is not one), else the first
 * string field named like an id (`sensorId`), else the first string field.
 */
export function scaffoldFields(schema: object, topic: string, keyField?: string): ScaffoldFields {
  const leaves = avroFieldPaths(schema).filter((f) => f.path !== '');
  const strings = leaves.filter((f) => f.type === 'string' && !f.nullable);
  let key = strings.find((f) => ENTITY_NAME.test(f.path)) ?? strings[0];
  if (keyField !== undefined) {
    key = leaves.find((f) => f.path === keyField && SCALAR.has(f.type));
    if (!key) {
      const names = leaves.filter((f) => SCALAR.has(f.type)).map((f) => f.path);
      throw new FastdataError('FD_ARGUMENT_INVALID', `--key ${JSON.stringify(keyField)} is not a field of ${topic}; its fields are ${names.join(', ') || '(none)'}`, {
        context: { topic, field: '--key' },
      });
    }
  }
  if (!key) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `the schema of ${topic} has no string field to use as the key; pass --key <field>`, { context: { topic } });
  }
  const measures = leaves.filter(isMeasure);
  const numbers = [...measures.filter((f) => f.type === 'double' || f.type === 'float'), ...measures.filter((f) => f.type === 'int' || f.type === 'long')];
  const scalars = leaves.filter((f) => SCALAR.has(f.type) && f.path !== key.path);
  return { key: key.path, numbers, scalars };
}

/** The field `name` of `fields` when given (checked), else the first number. */
export function chooseNumber(fields: ScaffoldFields, topic: string, name: string | undefined, argument: string): AvroFieldPath {
  if (name === undefined) {
    const first = fields.numbers[0];
    if (!first) throw new FastdataError('FD_ARGUMENT_INVALID', `the schema of ${topic} has no numeric field to chart or alert on`, { context: { topic } });
    return first;
  }
  const field = fields.numbers.find((f) => f.path === name);
  if (!field) {
    throw new FastdataError(
      'FD_ARGUMENT_INVALID',
      `${argument} ${JSON.stringify(name)} is not a numeric field of ${topic}; its numeric fields are ${fields.numbers.map((f) => f.path).join(', ') || '(none)'}`,
      { context: { topic, field: argument } },
    );
  }
  return field;
}

/** A plain value of `type` that the type accepts: zeros, empty strings, the first enum symbol, null where allowed. */
function exampleOf(type: AvroType, keyValue: string | undefined): unknown {
  const t = type as AvroType & { symbols?: string[]; types?: AvroType[]; fields?: { name: string; type: AvroType }[]; size?: number; underlyingType?: AvroType };
  switch (type.typeName) {
    case 'null':
      return null;
    case 'boolean':
      return false;
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 0;
    case 'string':
      return keyValue ?? '';
    case 'enum':
      return t.symbols?.[0];
    case 'array':
      return [];
    case 'map':
      return {};
    case 'record':
    case 'error':
      return Object.fromEntries((t.fields ?? []).map((f) => [f.name, exampleOf(f.type, undefined)]));
    default: {
      if (type.typeName.startsWith('union')) {
        const branches = t.types ?? [];
        const branch = branches.find((b) => b.typeName === 'null') ?? branches[0];
        return branch ? exampleOf(branch, keyValue) : null;
      }
      // bytes and fixed have no YAML form a rule test could give; a test sets them itself.
      return '';
    }
  }
}

/** One record of `schema` with `key` set to `keyValue`: the `defaults` of a generated rule test. */
export function exampleRecord(schema: object, key: string, keyValue: string): Record<string, unknown> {
  const type = parseAvroSchema(schema).type as AvroType & { fields?: { name: string; type: AvroType }[] };
  if (type.typeName !== 'record') return {};
  return Object.fromEntries((type.fields ?? []).map((f) => [f.name, exampleOf(f.type, f.name === key ? keyValue : undefined)]));
}
