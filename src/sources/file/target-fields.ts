/**
 * The top-level fields of the target schema as JSON, for what avsc's types no longer say:
 * without a logical-type hook avsc reads `{"type": "long", "logicalType":
 * "timestamp-millis"}` as a plain long and drops the attribute (see schema/avro.ts), yet
 * a CSV reader wants to know that a column takes ISO dates, and a Parquet reader which
 * unit a timestamp goes in.
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema JSON of each top-level field of a record schema (JSON or its text), by name; empty when it is neither. */
export function fieldSchemas(schema: unknown): Map<string, unknown> {
  let json = schema;
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json) as unknown;
    } catch {
      return new Map();
    }
  }
  const fields = isObject(json) && Array.isArray(json.fields) ? json.fields : [];
  return new Map(fields.filter(isObject).map((field) => [String(field.name), field.type]));
}

/** The logical type of a type's JSON, or of the one non-null branch of a union (`["null", {"type": "long", ...}]`). */
export function logicalTypeOf(json: unknown): string | undefined {
  if (Array.isArray(json)) {
    const branches = json.filter((branch) => branch !== 'null');
    return branches.length === 1 ? logicalTypeOf(branches[0]) : undefined;
  }
  return isObject(json) && typeof json.logicalType === 'string' ? json.logicalType : undefined;
}
