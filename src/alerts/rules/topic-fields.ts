/**
 * The fields of a source topic as rule expressions see them: each leaf field path of the
 * registered Avro schema (avroFieldPaths) with the expression type of its values.
 */
import { avroFieldPaths } from '../../schema/avro-json-schema.js';

export type ValueType = 'number' | 'string' | 'boolean';

export interface TopicField {
  path: string;
  /** Undefined for Avro types an expression cannot compare (bytes, arrays, maps, unions...). */
  type: ValueType | undefined;
  avroType: string;
  nullable: boolean;
}

export interface TopicFields {
  topic: string;
  byPath: ReadonlyMap<string, TopicField>;
}

const TYPES: Record<string, ValueType> = {
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  string: 'string',
  // Enums decode to their symbol, a string.
  enum: 'string',
  boolean: 'boolean',
};

/** Throws FD_SCHEMA_INVALID when `avro` is not a schema. */
export function topicFields(topic: string, avro: object): TopicFields {
  const byPath = new Map<string, TopicField>();
  for (const leaf of avroFieldPaths(avro)) {
    byPath.set(leaf.path, { path: leaf.path, type: TYPES[leaf.type], avroType: leaf.type, nullable: leaf.nullable });
  }
  return { topic, byPath };
}

/** `unknown field "x" in topic; fields are a, b, c`: the one message for a name that is not there. */
export function unknownField(name: string, fields: TopicFields): string {
  return `unknown field ${JSON.stringify(name)} in ${fields.topic}; fields are ${[...fields.byPath.keys()].join(', ') || '(none)'}`;
}

/** The field at `path`, or the message that says why it cannot be read in a rule. */
export function readableField(path: string, fields: TopicFields): TopicField | string {
  const field = fields.byPath.get(path);
  if (!field) return unknownField(path, fields);
  if (!field.type) return `field ${JSON.stringify(path)} of ${fields.topic} is of Avro type ${field.avroType}; rules read numbers, strings, enums and booleans`;
  return field;
}
