/**
 * Loads a YAML (or JSON: YAML is a superset) file and validates it against a JSON Schema
 * (written with TypeBox, checked by Ajv, the validator fastify uses for routes), reporting
 * every problem at once with its file, line and field. Config files, alert rules and
 * dashboards all come in through here.
 */
import { readFile } from 'node:fs/promises';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document, type Node } from 'yaml';
import { FastdataError } from '../errors.js';
import { unknownKeyMessage } from './nearest-name.js';

export interface Problem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the field, `server.port`, or `(file)` for the whole document. */
  field: string;
  message: string;
}

/** A string that must be one of `values`: one clear error instead of one per union branch. */
export function stringEnum<T extends string>(values: readonly T[], options: Record<string, unknown> = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `${where} ${p.field}: ${p.message}`;
}

/** Aliases a file may expand: enough for any hand-written config, far below an alias bomb. */
const MAX_ALIAS_COUNT = 100;

// verbose: errors carry their parent schema, so 'unknown setting' can list the known ones.
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false, verbose: true });
const validators = new WeakMap<TSchema, ValidateFunction>();

function validatorFor(schema: TSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** Ajv's instance path (`/server/port`) as the path segments. */
function segments(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const HIDDEN = Symbol('hidden');

function describeValue(value: unknown): string {
  if (value === HIDDEN) return 'a value not shown: it is a secret';
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** Settings whose values are secrets: a problem with one never repeats its value. */
const SECRET = /password|secret|token|credential|sha256/i;

/** Turns Ajv's errors into messages a person can act on. */
export function describeAjvError(error: ErrorObject, data: unknown): { path: (string | number)[]; message: string } {
  const path = segments(error.instancePath);
  const found = path.some((segment) => typeof segment === 'string' && SECRET.test(segment)) ? HIDDEN : getAt(data, path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {});
      return { path: [...path, extra], message: unknownKeyMessage(extra, known, 'setting') };
    }
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { path: [...path, missing], message: 'is required' };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return { path, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(found)})` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)} (got ${describeValue(found)})` };
    default:
      return { path, message: `${error.message ?? 'is not valid'} (got ${describeValue(found)})` };
  }
}

/** Where a path points in the YAML document: the value node, or for a missing key its parent. */
function locate(doc: Document, lines: LineCounter, path: (string | number)[], keyOnly: boolean): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const parentPath = path.slice(0, Math.max(0, depth - 1));
    if (keyOnly && depth === path.length && path.length > 0) {
      const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === path[path.length - 1]);
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) {
          const pos = lines.linePos(range[0]);
          return { line: pos.line, column: pos.col };
        }
      }
      continue;
    }
    const node = (depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)) as Node | null | undefined;
    const range = node && typeof node === 'object' && 'range' in node ? node.range : undefined;
    if (range) {
      const pos = lines.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

export interface LoadedFile<T> {
  value: T;
  problems: Problem[];
}

/**
 * Parses `text` (named `file` in messages) and validates it. Defaults from the schema are
 * filled in. Problems are returned, not thrown, so a caller loading many files (alert
 * rules) can keep the good ones.
 */
export function parseAndValidate<S extends TSchema>(file: string, text: string, schema: S): LoadedFile<Static<S>> {
  const lines = new LineCounter();
  const problems: Problem[] = [];
  let doc: Document;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    for (const error of doc.errors) {
      const pos = error.pos ? lines.linePos(error.pos[0]) : undefined;
      problems.push({ file, line: pos?.line, column: pos?.col, field: '(file)', message: error.message.split('\n')[0]! });
    }
    if (problems.length > 0) return { value: undefined as Static<S>, problems };
    // The yaml package refuses alias bombs ("billion laughs") here, and a deep enough document overflows the stack:
    // either is this file's problem, never the process's.
    data = (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown) ?? {};
  } catch (error) {
    const reason = error instanceof RangeError ? 'it is nested too deeply to read' : (error as Error).message;
    return { value: undefined as Static<S>, problems: [{ file, field: '(file)', message: `cannot be read as YAML: ${reason}; simplify the file` }] };
  }
  const validate = validatorFor(schema);
  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      // Union schemas report one error per branch; the "must match a schema in anyOf" summary adds nothing.
      if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
      const { path, message } = describeAjvError(error, data);
      const keyOnly = error.keyword === 'additionalProperties';
      problems.push({ file, ...locate(doc, lines, path, keyOnly), field: path.join('.') || '(file)', message });
    }
  }
  return { value: data as Static<S>, problems };
}

/** Validates a value that did not come from a file (environment, CLI flags, an HTTP body). */
export function validateValue<S extends TSchema>(source: string, value: unknown, schema: S): LoadedFile<Static<S>> {
  const validate = validatorFor(schema);
  const problems: Problem[] = [];
  if (!validate(value)) {
    for (const error of validate.errors ?? []) {
      if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
      const { path, message } = describeAjvError(error, value);
      problems.push({ file: source, field: path.join('.') || '(value)', message });
    }
  }
  return { value: value as Static<S>, problems };
}

export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FastdataError('FD_CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`, { context: { file: path }, cause: error });
  }
}

/** Throws FD_CONFIG_INVALID listing every problem, one bullet each. */
export function throwProblems(what: string, problems: Problem[]): never {
  throw new FastdataError('FD_CONFIG_INVALID', `${what} is not valid:\n  - ${problems.map(formatProblem).join('\n  - ')}`, {
    context: { file: problems[0]?.file, field: problems[0]?.field },
  });
}
