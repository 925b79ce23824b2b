/**
 * avsc decodes records into instances of a generated class per record type, and wrapped
 * union values into instances of a class per branch. The source writer wants what JSON
 * lines and CSV give, plain objects, so values compare, print and serialise the same
 * whatever file they came from: this copies every non-plain object into a plain one.
 * Buffers (`bytes`, `fixed`, `decimal`) stay Buffers: the topic's schema encodes them as
 * they are. Longs are already numbers: avsc refuses, as a decode error, a long beyond
 * 2^53 rather than rounding it.
 */
export function plainValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plainValue(value[i]);
    return value;
  }
  const source = value as Record<string, unknown>;
  const proto = Object.getPrototypeOf(value) as unknown;
  // Maps decode as plain objects already: changed in place, not copied.
  const target: Record<string, unknown> = proto === Object.prototype || proto === null ? source : {};
  for (const key of Object.keys(source)) target[key] = plainValue(source[key]);
  return target;
}
