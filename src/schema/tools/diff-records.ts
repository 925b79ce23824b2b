/**
 * `fastdata diff`: two outputs compared record by record, matched by key and window.
 *
 * A record's identity is its key (the log key, or `keyField` of the value) plus its
 * window (`windowField` of the value; by default `windowStart` when the records have one,
 * as the windowed outputs of fastdata do). When one side holds an identity twice (a
 * window written again after a restart, an `emit: 'update'` window) the last record
 * counts, as compaction would keep it, and the duplicates are counted. Matched records
 * are compared field by field (nested objects by dotted path, arrays as a whole),
 * numbers within a tolerance.
 */
import { FastdataError } from '../../errors.js';
import { isJsonObject } from './avro-json.js';
import type { SourceRecord } from './json-lines.js';

export const DEFAULT_WINDOW_FIELD = 'windowStart';

/** How far two numbers may differ and still be equal: absolute, or relative to the larger magnitude. */
export type Tolerance = { absolute: number } | { relative: number };

export interface DiffOptions {
  /** The value field that is the key; default the record key. */
  keyField?: string;
  /** The value field that is the window start; default `windowStart` when records have it. */
  windowField?: string;
  tolerance?: Tolerance;
  /** Examples kept per changed field and per one-sided list. Default 3. */
  examples?: number;
}

export interface DiffSide {
  source: string;
  records: number;
  /** Records whose identity came again later on the same side (the later one counts). */
  duplicates: number;
}

export interface Identity {
  key: string;
  window: unknown;
}

export interface FieldChange {
  field: string;
  changed: number;
  /** Largest |A - B| where both were numbers. */
  maxAbsDiff: number | undefined;
  examples: Array<Identity & { a: unknown; b: unknown }>;
}

export interface DiffReport {
  a: DiffSide;
  b: DiffSide;
  matchedBy: { key: string; window: string | null };
  tolerance: Tolerance | null;
  onlyInA: number;
  onlyInB: number;
  equal: number;
  changed: number;
  onlyInAExamples: Identity[];
  onlyInBExamples: Identity[];
  /** Changed fields, most often changed first. */
  fields: FieldChange[];
  identical: boolean;
}

/** Absent on one side: shown as such, never equal to anything present. */
const ABSENT = Symbol('absent');

function fieldAt(value: unknown, path: string): unknown {
  let node = value;
  for (const part of path.split('.')) {
    if (!isJsonObject(node) || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Leaves of a value by dotted path: nested objects are walked, arrays and scalars are leaves. */
function leaves(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (isJsonObject(value) && (prefix === '' || Object.keys(value).length > 0)) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix === '' ? key : `${prefix}.${key}`, out);
  } else {
    out.set(prefix === '' ? '(value)' : prefix, value);
  }
  return out;
}

function numbersEqual(a: number, b: number, tolerance: Tolerance | undefined): boolean {
  if (a === b) return true;
  if (tolerance === undefined) return false;
  const difference = Math.abs(a - b);
  if ('absolute' in tolerance) return difference <= tolerance.absolute;
  return difference <= tolerance.relative * Math.max(Math.abs(a), Math.abs(b));
}

function leavesEqual(a: unknown, b: unknown, tolerance: Tolerance | undefined): boolean {
  if (a === ABSENT || b === ABSENT) return a === b;
  if (typeof a === 'number' && typeof b === 'number') return numbersEqual(a, b, tolerance);
  return JSON.stringify(a) === JSON.stringify(b);
}

function compareIdentities(x: Identity, y: Identity): number {
  if (x.key !== y.key) return x.key < y.key ? -1 : 1;
  const wx = JSON.stringify(x.window) ?? '';
  const wy = JSON.stringify(y.window) ?? '';
  return wx < wy ? -1 : wx > wy ? 1 : 0;
}

interface Indexed {
  side: DiffSide;
  byIdentity: Map<string, { identity: Identity; value: unknown }>;
}

function index(source: string, records: readonly SourceRecord[], keyField: string | undefined, windowField: string | null, explicitWindow: boolean): Indexed {
  const byIdentity = new Map<string, { identity: Identity; value: unknown }>();
  let duplicates = 0;
  for (const record of records) {
    const rawKey = keyField === undefined ? record.key : fieldAt(record.value, keyField);
    if (rawKey === null || rawKey === undefined) {
      throw new FastdataError(
        'FD_RECORD_INVALID',
        keyField === undefined
          ? `${record.where} has no record key; give --key-field <field> to match records by a field of the value (a .jsonl line has a key only when it is a line of fastdata tail)`
          : `${record.where} has no field ${keyField} (--key-field); check the field name, or leave --key-field out to match by the record key`,
        { context: { field: keyField ?? '--key-field' } },
      );
    }
    const key = typeof rawKey === 'string' ? rawKey : JSON.stringify(rawKey);
    let window: unknown = null;
    if (windowField !== null) {
      window = fieldAt(record.value, windowField);
      if (window === undefined) {
        if (explicitWindow) {
          throw new FastdataError('FD_RECORD_INVALID', `${record.where} has no field ${windowField} (--window-field); check the field name`, { context: { field: '--window-field' } });
        }
        window = null;
      }
    }
    const id = JSON.stringify([key, window]);
    if (byIdentity.has(id)) duplicates++;
    byIdentity.set(id, { identity: { key, window }, value: record.value });
  }
  return { side: { source, records: records.length, duplicates }, byIdentity };
}

export function diffRecords(a: { source: string; records: readonly SourceRecord[] }, b: { source: string; records: readonly SourceRecord[] }, options: DiffOptions = {}): DiffReport {
  const examples = options.examples ?? 3;
  const explicitWindow = options.windowField !== undefined;
  const hasDefaultWindow = [...a.records, ...b.records].some((r) => fieldAt(r.value, DEFAULT_WINDOW_FIELD) !== undefined);
  const windowField = options.windowField ?? (hasDefaultWindow ? DEFAULT_WINDOW_FIELD : null);
  const left = index(a.source, a.records, options.keyField, windowField, explicitWindow);
  const right = index(b.source, b.records, options.keyField, windowField, explicitWindow);

  const onlyInA: Identity[] = [];
  const onlyInB: Identity[] = [];
  const fields = new Map<string, FieldChange>();
  let equal = 0;
  let changed = 0;
  const matched = [...left.byIdentity.entries()].sort(([, x], [, y]) => compareIdentities(x.identity, y.identity));
  for (const [id, { identity, value }] of matched) {
    const other = right.byIdentity.get(id);
    if (other === undefined) {
      onlyInA.push(identity);
      continue;
    }
    const leftLeaves = leaves(value);
    const rightLeaves = leaves(other.value);
    let differs = false;
    for (const field of new Set([...leftLeaves.keys(), ...rightLeaves.keys()])) {
      const va = leftLeaves.has(field) ? leftLeaves.get(field) : ABSENT;
      const vb = rightLeaves.has(field) ? rightLeaves.get(field) : ABSENT;
      if (leavesEqual(va, vb, options.tolerance)) continue;
      differs = true;
      let change = fields.get(field);
      if (change === undefined) fields.set(field, (change = { field, changed: 0, maxAbsDiff: undefined, examples: [] }));
      change.changed++;
      if (typeof va === 'number' && typeof vb === 'number') change.maxAbsDiff = Math.max(change.maxAbsDiff ?? 0, Math.abs(va - vb));
      if (change.examples.length < examples) change.examples.push({ ...identity, a: va === ABSENT ? '(absent)' : va, b: vb === ABSENT ? '(absent)' : vb });
    }
    if (differs) changed++;
    else equal++;
  }
  for (const [id, { identity }] of right.byIdentity) if (!left.byIdentity.has(id)) onlyInB.push(identity);
  onlyInB.sort(compareIdentities);

  return {
    a: left.side,
    b: right.side,
    matchedBy: { key: options.keyField ?? 'record key', window: windowField },
    tolerance: options.tolerance ?? null,
    onlyInA: onlyInA.length,
    onlyInB: onlyInB.length,
    equal,
    changed,
    onlyInAExamples: onlyInA.slice(0, examples),
    onlyInBExamples: onlyInB.slice(0, examples),
    fields: [...fields.values()].sort((x, y) => y.changed - x.changed || (x.field < y.field ? -1 : 1)),
    identical: onlyInA.length === 0 && onlyInB.length === 0 && changed === 0,
  };
}
