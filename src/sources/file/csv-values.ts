/**
 * CSV cells are text; the target topic's Avro record schema says what each column is. A
 * column is the field of the same name, typed by the field's type: numbers and booleans
 * are parsed (and refused when they are not one: `"1.5"` is not an int), an empty cell is
 * null for a nullable field, enums are checked against their symbols, a timestamp also
 * takes an ISO date. Arrays, maps and records take JSON in the cell.
 *
 * The header line decides the column order. A header that does not fit the schema (a
 * column that is no field, a required field with no column) would fail every line the
 * same way, so a source checks it once (`checkCsvHeader`) and fails with one error instead
 * of dead-lettering the whole file; the per-record check stays, for callers that type
 * records without checking the header first.
 *
 * Parsers are built once per header (one closure per column), not per record: the per-cell
 * work is one call and, for numbers, a regular expression test.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { FastdataError } from '../../errors.js';
import { isoDateMicros } from './iso-date.js';
import { fieldSchemas, logicalTypeOf } from './target-fields.js';

/** The topic's record type, and the schema JSON (or text) it was parsed from, where the `logicalType`s that avsc drops are read. */
export interface CsvTarget {
  type: Type;
  /** Optional: without it a `timestamp-millis` column takes milliseconds only, not ISO dates. */
  schema?: unknown;
}

/** Why a cell is not a value of its column (never a value itself: parsers return this class for errors). */
class CellError {
  constructor(readonly message: string) {}
}

type CellParser = (text: string) => unknown;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_DOUBLES: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Infinity, '+Infinity': Infinity, '-Infinity': -Infinity };
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const DAY_MS = 86_400_000;

function shown(text: string): string {
  if (text === '') return 'an empty cell';
  const json = JSON.stringify(text);
  return json.length > 42 ? `${json.slice(0, 39)}..."` : json;
}

const bad = (expected: string, text: string) => new CellError(`expected ${expected}, got ${shown(text)}`);

function parseInt32(text: string): unknown {
  const t = text.trim();
  if (!INTEGER.test(t)) return bad('an int (a whole number)', text);
  const n = Number(t);
  return n >= INT_MIN && n <= INT_MAX ? n : bad(`an int (${INT_MIN} to ${INT_MAX})`, text);
}

function parseLong(text: string): unknown {
  const t = text.trim();
  if (!INTEGER.test(t)) return bad('a long (a whole number)', text);
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : bad('a long within ±2^53 (the whole numbers JavaScript holds exactly)', text);
}

function parseFloating(name: 'a float' | 'a double'): CellParser {
  return (text) => {
    const t = text.trim();
    if (DECIMAL.test(t)) return Number(t);
    return SPECIAL_DOUBLES[t] ?? bad(name, text);
  };
}

function parseBoolean(text: string): unknown {
  switch (text.trim().toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return bad('a boolean (true, false, 1 or 0)', text);
  }
}

/** A timestamp in `unit` since the epoch: a whole number, or an ISO date converted to that unit. */
function parseTimestamp(unit: 'milliseconds' | 'microseconds'): CellParser {
  const expected = `a timestamp (${unit} since the epoch, or an ISO 8601 date such as 2024-03-01T12:00:00Z)`;
  return (text) => {
    const t = text.trim();
    if (INTEGER.test(t)) {
      const n = Number(t);
      return Number.isSafeInteger(n) ? n : bad(expected, text);
    }
    const micros = isoDateMicros(t);
    if (micros === undefined) return bad(expected, text);
    return unit === 'milliseconds' ? Math.floor(micros / 1000) : micros;
  };
}

function parseDate(text: string): unknown {
  const t = text.trim();
  if (INTEGER.test(t)) return parseInt32(t);
  const micros = isoDateMicros(t);
  return micros === undefined ? bad('a date (days since the epoch, or an ISO 8601 date such as 2024-03-01)', text) : Math.floor(micros / 1000 / DAY_MS);
}

function parseJson(type: Type, what: string): CellParser {
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return bad(`JSON for ${what}`, text);
    }
    return type.isValid(value) ? value : bad(`JSON for ${what}`, text);
  };
}

/** The parser of a column of `type` (whose schema JSON is `json`, when known), or why a CSV cell cannot hold that type. */
function parserFor(type: Type, json: unknown): CellParser | string {
  const logical = logicalTypeOf(json);
  switch (type.typeName) {
    case 'null':
      return (text) => (text === '' ? null : bad('an empty cell (the type is null)', text));
    case 'boolean':
      return parseBoolean;
    case 'int':
      return logical === 'date' ? parseDate : parseInt32;
    case 'long':
      if (logical === 'timestamp-millis' || logical === 'local-timestamp-millis') return parseTimestamp('milliseconds');
      if (logical === 'timestamp-micros' || logical === 'local-timestamp-micros') return parseTimestamp('microseconds');
      return parseLong;
    case 'float':
      return parseFloating('a float');
    case 'double':
      return parseFloating('a double');
    case 'string':
      return (text) => text;
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols;
      const set = new Set(symbols);
      const expected = `one of ${symbols.join(', ')}`;
      return (text) => {
        const t = text.trim();
        return set.has(t) ? t : bad(expected, text);
      };
    }
    case 'array':
      return parseJson(type, 'an array');
    case 'map':
      return parseJson(type, 'a map');
    case 'record':
    case 'error':
      return parseJson(type, `a ${type.name ?? 'record'}`);
    case 'union:unwrapped':
    case 'union:wrapped':
      return unionParser(type as avro.types.UnwrappedUnionType, Array.isArray(json) ? json : [], type.typeName === 'union:wrapped');
    default:
      // bytes and fixed: a cell is text, and whether it holds hex, base64 or the bytes of
      // the text is a guess we do not make.
      return `a CSV cell cannot hold ${type.typeName} (it is text; declare the field a string, or read the file as JSON lines)`;
  }
}

/** A union: an empty cell is null when a branch is null; otherwise the first non-null branch that takes the text. */
function unionParser(type: avro.types.UnwrappedUnionType, json: unknown[], wrapped: boolean): CellParser | string {
  const nullable = type.types.some((t) => t.typeName === 'null');
  const branches: { parse: CellParser; name: string }[] = [];
  for (const [i, branch] of type.types.entries()) {
    if (branch.typeName === 'null') continue;
    const parse = parserFor(branch, json[i]);
    if (typeof parse !== 'string') branches.push({ parse, name: branch.branchName ?? branch.typeName });
  }
  if (branches.length === 0) return `a CSV cell cannot hold any branch of this union but null`;
  const wrap = wrapped ? (name: string, value: unknown) => ({ [name]: value }) : (_: string, value: unknown) => value;
  if (branches.length === 1) {
    const { parse, name } = branches[0]!;
    return (text) => {
      if (text === '' && nullable) return null;
      const value = parse(text);
      return value instanceof CellError ? value : wrap(name, value);
    };
  }
  const expected = `one of ${branches.map((b) => b.name).join(', ')}${nullable ? ' or an empty cell' : ''}`;
  return (text) => {
    if (text === '' && nullable) return null;
    for (const { parse, name } of branches) {
      const value = parse(text);
      if (!(value instanceof CellError)) return wrap(name, value);
    }
    return bad(expected, text);
  };
}

function recordFields(type: Type): readonly avro.types.Field[] {
  if (type.typeName !== 'record') {
    throw new FastdataError('FD_ARGUMENT_INVALID', `type: CSV columns are typed by a record schema, got a ${type.typeName}`, { context: { field: 'type' } });
  }
  return (type as avro.types.RecordType).fields;
}

const isNullable = (type: Type) => type.typeName === 'null' || ((type.typeName === 'union:unwrapped' || type.typeName === 'union:wrapped') && (type as avro.types.UnwrappedUnionType).types.some((t) => t.typeName === 'null'));

interface Column {
  name: string;
  parse: CellParser;
}

/** What a field with no column gets: its default, null when nullable, or nothing (a required field). */
interface Filler {
  name: string;
  value: () => unknown;
}

interface CompiledHeader {
  columns: (Column | undefined)[];
  fillers: Filler[];
  problems: string[];
}

function compileHeader(header: readonly string[], target: CsvTarget): CompiledHeader {
  const fields = recordFields(target.type);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const jsonOf = fieldSchemas(target.schema);
  const problems: string[] = [];
  const seen = new Set<string>();
  const columns: (Column | undefined)[] = header.map((name, i) => {
    if (name === '') {
      problems.push(`column ${i + 1} has no name`);
      return undefined;
    }
    if (seen.has(name)) {
      problems.push(`column "${name}" appears twice`);
      return undefined;
    }
    seen.add(name);
    const field = byName.get(name);
    if (!field) {
      problems.push(`column "${name}" is not a field of ${target.type.name ?? 'the record'} (its fields: ${fields.map((f) => f.name).join(', ')})`);
      return undefined;
    }
    const parse = parserFor(field.type, jsonOf.get(name));
    if (typeof parse === 'string') {
      problems.push(`column "${name}": ${parse}`);
      return undefined;
    }
    return { name, parse };
  });
  const fillers: Filler[] = [];
  for (const field of fields) {
    if (seen.has(field.name)) continue;
    const fallback = field.defaultValue() as unknown;
    if (fallback !== undefined) {
      // defaultValue() copies: a record's default object is not shared between records.
      const primitive = fallback === null || typeof fallback !== 'object';
      fillers.push({ name: field.name, value: primitive ? () => fallback : () => field.defaultValue() as unknown });
    } else if (isNullable(field.type)) {
      fillers.push({ name: field.name, value: () => null });
    } else {
      problems.push(`field "${field.name}" has no column, and no default to fill it with`);
    }
  }
  return { columns, fillers, problems };
}

/** What is wrong with a header for `target`, one problem a line; empty when it fits. */
export function csvHeaderProblems(header: readonly string[], target: CsvTarget): string[] {
  return compileHeader(header, target).problems;
}

/** Throws FD_CONFIG_INVALID listing every problem of the header, naming the file: the whole file would fail otherwise. */
export function checkCsvHeader(header: readonly string[], target: CsvTarget, file: string): void {
  const problems = csvHeaderProblems(header, target);
  if (problems.length === 0) return;
  throw new FastdataError(
    'FD_CONFIG_INVALID',
    `the header of ${file} (line 1: ${header.join(',')}) does not fit the topic's schema ${target.type.name ?? ''}: ${problems.join('; ')}. ` +
      `Rename the columns to the schema's fields, or read into a topic whose schema has these columns`,
    { context: { file, problems } },
  );
}

/** Types the cells of CSV records by the columns of one header. */
export class CsvRecordTyper {
  private readonly columns: (Column | undefined)[];
  private readonly fillers: Filler[];
  /** The header's problems as one text, when it has any: then every record fails with it. */
  private readonly headerProblem: string | undefined;
  private readonly headerText: string;

  constructor(readonly header: readonly string[], target: CsvTarget) {
    const compiled = compileHeader(header, target);
    this.columns = compiled.columns;
    this.fillers = compiled.fillers;
    this.headerProblem = compiled.problems.length > 0 ? compiled.problems.join('; ') : undefined;
    this.headerText = header.join(', ');
  }

  /** The record of `cells` (a plain object), or why it is not one: text that starts `line N`, for `SourceRecord.error`. */
  typeRecord(cells: readonly string[], line: number): Record<string, unknown> | string {
    if (this.headerProblem !== undefined) return `line ${line}: ${this.headerProblem}`;
    const columns = this.columns;
    if (cells.length !== columns.length) {
      return `line ${line}: ${cells.length} ${cells.length === 1 ? 'cell' : 'cells'} where the header has ${columns.length} columns (${this.headerText})`;
    }
    const value: Record<string, unknown> = {};
    let errors: string[] | undefined;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const parsed = column.parse(cells[i]!);
      if (parsed instanceof CellError) (errors ??= []).push(`column "${column.name}": ${parsed.message}`);
      else value[column.name] = parsed;
    }
    // Every bad cell of the line, so one look at the dead letter shows them all.
    if (errors !== undefined) return `line ${line}, ${errors.join('; ')}`;
    for (const filler of this.fillers) value[filler.name] = filler.value();
    return value;
  }
}
