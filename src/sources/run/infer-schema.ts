/**
 * An Avro record schema inferred from a source's first records (`schema: infer`), for an
 * author who has data and no schema yet. It is a starting point to save and edit, not a
 * contract: the source registers it and prints it with where to save it.
 *
 * - Numbers: `long` when every value seen is an integer, else `double`.
 * - Text that reads as numbers or booleans everywhere (CSV cells are all text) takes that
 *   type when `fromText` is set.
 * - A field missing or null in some record is `["null", T]` with default null.
 * - Nested objects and arrays are refused: their shape needs an author's decision.
 */
import { FastdataError } from '../../errors.js';

type Seen = 'long' | 'double' | 'boolean' | 'string';

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER = /^-?\d{1,15}$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function inferAvroSchema(name: string, samples: readonly Record<string, unknown>[], options: { fromText?: boolean } = {}): object {
  if (samples.length === 0) throw new FastdataError('FD_CONFIG_INVALID', `cannot infer a schema for ${name}: no record read yet; give schema: an .avsc file`);
  const order: string[] = [];
  const types = new Map<string, Set<Seen>>();
  const nullable = new Set<string>();
  for (const sample of samples) {
    for (const [field, value] of Object.entries(sample)) {
      if (!types.has(field)) {
        types.set(field, new Set());
        order.push(field);
      }
      if (value === null || value === undefined || (options.fromText && value === '')) {
        nullable.add(field);
        continue;
      }
      types.get(field)!.add(seenType(name, field, value, options.fromText ?? false));
    }
  }
  for (const field of order) if (samples.some((s) => !(field in s))) nullable.add(field);
  const fields = order.map((field) => {
    const type = merge(types.get(field)!);
    if (!AVRO_NAME.test(field)) {
      throw new FastdataError('FD_CONFIG_INVALID', `cannot infer a schema for ${name}: ${JSON.stringify(field)} is not an Avro field name (letters, digits and _, not starting with a digit); rename it in the input, or write the .avsc yourself`);
    }
    return nullable.has(field) ? { name: field, type: ['null', type], default: null } : { name: field, type };
  });
  const recordName = name.replace(/[^A-Za-z0-9_]/g, '_');
  return { type: 'record', name: /^[A-Za-z_]/.test(recordName) ? recordName : `_${recordName}`, fields };
}

function seenType(name: string, field: string, value: unknown, fromText: boolean): Seen {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'long' : 'double';
    case 'boolean':
      return 'boolean';
    case 'string':
      if (!fromText) return 'string';
      if (INTEGER.test(value)) return 'long';
      if (DECIMAL.test(value)) return 'double';
      if (value === 'true' || value === 'false') return 'boolean';
      return 'string';
    default:
      throw new FastdataError('FD_CONFIG_INVALID', `cannot infer a schema for ${name}: field ${field} holds ${Array.isArray(value) ? 'an array' : 'an object'}; write its .avsc yourself and give it as schema:`);
  }
}

function merge(seen: Set<Seen>): Seen {
  if (seen.size === 0) return 'string';
  if (seen.size === 1) return [...seen][0]!;
  if ([...seen].every((s) => s === 'long' || s === 'double')) return 'double';
  return 'string';
}
