/**
 * Where an invalid Avro schema goes wrong, as a field path (`SensorReading.location.lat`).
 *
 * avsc says what is wrong (`undefined type name: demo.strin`) but not where. Avro names
 * must be defined before they are used, so a prefix of the schema in document order parses
 * on its own: the error lies in the first field whose prefix fails. Once a prefix fails,
 * every longer one fails too, so that field is found by bisection, then we look inside it
 * the same way. Only runs when parsing failed.
 *
 * Bounded: each parse may cost up to a parse of the whole schema, so the number of parses
 * is budgeted by the schema's size (PARSE_BUDGET in all, at most MAX_PARSES parses; a
 * named type weighs NAMED_WEIGHT JSON values, as avsc compiles code for each). Past the
 * budget, the path found so far is the answer: a schema of thousands of fields took
 * minutes here when every prefix was tried in turn.
 */

type Json = Record<string, unknown>;
/** Builds the whole schema with the node being examined replaced, and what follows it dropped. */
type Rebuild = (replacement: unknown) => unknown;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function withoutKey(object: Json, key: string): Json {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

/** The weight of the schema parsed, summed over the locator's parses, before it settles for the path it has. */
const PARSE_BUDGET = 50_000;
const MAX_PARSES = 32;
const NAMED_WEIGHT = 100;
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

/** What parsing `json` costs, about: its JSON values, a named type as NAMED_WEIGHT of them (without recursion). */
function parseWeight(json: unknown): number {
  let weight = 0;
  const stack = [json];
  while (stack.length > 0) {
    const value = stack.pop();
    weight++;
    if (value === null || typeof value !== 'object') continue;
    if (NAMED.has((value as Json).type as string)) weight += NAMED_WEIGHT;
    for (const item of Object.values(value)) stack.push(item);
  }
  return weight;
}

class Locator {
  private parsesLeft: number;

  constructor(
    private readonly parsesOk: (schema: unknown) => boolean,
    size: number,
  ) {
    this.parsesLeft = Math.min(MAX_PARSES, Math.floor(PARSE_BUDGET / Math.max(1, size)));
  }

  /** Whether `schema` parses; undefined once the budget is spent. */
  private parses(schema: unknown): boolean | undefined {
    if (this.parsesLeft <= 0) return undefined;
    this.parsesLeft--;
    return this.parsesOk(schema);
  }

  /**
   * The first index whose prefix `[0..index]` fails to parse (prefix(index) builds the whole
   * schema with it), undefined when the budget ran out. The whole list is known to fail (the
   * caller only looks inside what failed), so a list of one costs no parse.
   */
  private firstFailing(length: number, prefix: (index: number) => unknown): number | undefined {
    let low = 0;
    let high = length - 1; // fails
    while (low < high) {
      const mid = (low + high) >>> 1;
      const ok = this.parses(prefix(mid));
      if (ok === undefined) return undefined;
      if (ok) low = mid + 1;
      else high = mid;
    }
    return high;
  }

  /** The path of the error inside `node` (a type schema at `path`), or `path` itself. */
  inType(node: unknown, path: string, rebuild: Rebuild): string {
    if (Array.isArray(node)) {
      if (node.length === 0) return path;
      const index = this.firstFailing(node.length, (i) => rebuild(node.slice(0, i + 1)));
      if (index === undefined) return path;
      return this.inType(node[index], path, (replacement) => rebuild([...node.slice(0, index), replacement]));
    }
    if (!isObject(node)) return path;
    if ((node.type === 'record' || node.type === 'error') && Array.isArray(node.fields)) {
      const name = typeof node.name === 'string' ? node.name.slice(node.name.lastIndexOf('.') + 1) : '';
      return this.inRecord(node, node.fields, path === '' ? name : path, rebuild);
    }
    if (node.type === 'array') return this.inType(node.items, `${path}[]`, (replacement) => rebuild({ ...node, items: replacement }));
    if (node.type === 'map') return this.inType(node.values, `${path}{}`, (replacement) => rebuild({ ...node, values: replacement }));
    return path;
  }

  private inRecord(node: Json, fields: unknown[], path: string, rebuild: Rebuild): string {
    if (fields.length === 0) return path;
    const index = this.firstFailing(fields.length, (i) => rebuild({ ...node, fields: fields.slice(0, i + 1) }));
    if (index === undefined) return path;
    const field = fields[index];
    const withFields = (last: unknown) => rebuild({ ...node, fields: [...fields.slice(0, index), last] });
    if (!isObject(field) || typeof field.name !== 'string') return `${path} (field #${index + 1})`;
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    if ('default' in field) {
      const withoutDefault = this.parses(withFields(withoutKey(field, 'default')));
      if (withoutDefault === undefined) return fieldPath;
      if (withoutDefault) return `${fieldPath} (its default)`;
    }
    return this.inType(field.type, fieldPath, (replacement) => withFields({ ...withoutKey(field, 'default'), type: replacement }));
  }
}

/** The field path where `schema` fails to parse, or undefined when it cannot be narrowed to a field. */
export function locateSchemaError(schema: unknown, parses: (schema: unknown) => boolean): string | undefined {
  const path = new Locator(parses, parseWeight(schema)).inType(schema, '', (replacement) => replacement);
  return path.includes('.') || path.includes('(') ? path : undefined;
}
