/**
 * Operator state goes to the changelog as JSON (changelog.ts), so a value that JSON does
 * not carry back unchanged (a Date comes back a string, a Map an empty object, NaN null; a
 * bigint does not serialise at all) would be right until the first restore and wrong after
 * it. Operators that keep the author's values (reduce's accumulator, collected and top
 * records, records kept for sliding windows) check them with this as they keep them.
 */

/** Deeper than this is taken for a cycle (or a structure no window should hold). */
const MAX_DEPTH = 64;

/**
 * Where `value` stops being plain JSON, e.g. `.readings[3].at is a Date`, or undefined when
 * JSON keeps it as it is. Object properties that are undefined are allowed: JSON drops them,
 * and reading them back gives undefined again.
 */
export function jsonProblem(value: unknown, path = '', depth = 0): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  const at = path === '' ? 'the value' : path;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${at} is ${value}, which JSON turns into null`;
  if (typeof value !== 'object') return `${at} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON does not keep`;
  if (depth >= MAX_DEPTH) return `${at} is nested more than ${MAX_DEPTH} levels deep (a cycle?)`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  // Decoded Avro records are instances of generated classes: their own fields are what
  // JSON keeps, and that is all a window needs. What JSON changes is refused: a Date,
  // Buffer (anything with toJSON), typed array, Map, Set or RegExp.
  if (
    typeof (value as { toJSON?: unknown }).toJSON === 'function' ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof RegExp
  ) {
    return `${at} is a ${(value as object).constructor?.name ?? 'special object'}, which JSON does not keep as it is`;
  }
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    const problem = jsonProblem(field, `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** The dead letter's message for a value that cannot be kept in state. */
export function notJsonMessage(operator: string, what: string, problem: string): string {
  return (
    `${operator} keeps ${what} in its state, which is checkpointed as JSON, but ${problem}; ` +
    'map the record to plain JSON (numbers, strings, booleans, null, arrays, plain objects; a Date as its getTime()) before the window'
  );
}
