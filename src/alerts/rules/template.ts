/**
 * Annotation templates: text with `{{ field }}`, `{{ field | round(1) }}`, `{{ field | raw }}`
 * and `{{ field | time }}` (epoch milliseconds as an ISO time, UTC) placeholders.
 * A plain `{{ field }}` writes a number readably (see `numberText`): a mean of 59 readings
 * is 31.125, not 31.125338983050852; `round(n)` fixes the decimals, `raw` writes every digit.
 * Deliberately tiny (a regular expression and a field getter, no eval, no general
 * template engine): annotations name values, they do not compute them. Fields are checked
 * against the source topic when the rule loads.
 */
import { fieldGetter } from './field-path.js';
import { roundTo } from './expression/functions.js';
import { readableField, type TopicFields } from './topic-fields.js';

export type Template = (record: unknown) => string;

const PLACEHOLDER = /\{\{(.*?)\}\}/g;
const INNER = /^\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*(?:\|\s*(?:round\s*\(\s*(\d{1,2})\s*\)|(time|raw))\s*)?$/;
const SYNTAX = '{{ field }}, {{ field | round(1) }} or {{ field | time }} ({{ field | raw }} for every digit of a number)';

/** Decimals a plain `{{ field }}` keeps of a number of magnitude 1 or more. */
export const DEFAULT_DECIMALS = 3;
/** Significant digits it keeps of a number between -1 and 1 (0.000123, not 0). */
export const DEFAULT_SIGNIFICANT = 3;

/**
 * A number as a plain `{{ field }}` writes it: whole numbers as they are, others to at
 * most 3 decimals (trailing zeros dropped: 22.4, 31.125), and under 1 in magnitude to 3
 * significant digits, so a small value does not read as 0. Averages and sums of doubles
 * carry float noise (31.125338983050852, 0.30000000000000004) nobody means to read.
 */
export function numberText(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const rounded = Math.abs(value) >= 1 ? roundTo(value, DEFAULT_DECIMALS) : Number(value.toPrecision(DEFAULT_SIGNIFICANT));
  return String(rounded);
}

/** What a value reads as in an annotation: null as `null`, numbers by `numberText` (all digits when `raw`). */
function text(value: unknown, raw = false): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' && !raw) return numberText(value);
  return String(value);
}

/** Compiles `source`, or throws Error with the message a problem shows. */
export function compileTemplate(source: string, fields: TopicFields): Template {
  const parts: (string | Template)[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    parts.push(source.slice(last, match.index));
    last = match.index + match[0].length;
    const inner = INNER.exec(match[1]!);
    if (!inner) throw new Error(`${JSON.stringify(match[0])} is not a placeholder; write ${SYNTAX}`);
    const [, path, digits, format] = inner;
    const field = readableField(path!, fields);
    if (typeof field === 'string') throw new Error(field);
    if ((digits !== undefined || format !== undefined) && field.type !== 'number') throw new Error(`${format ?? 'round'} needs a number, but ${path} is a ${field.type}`);
    const get = fieldGetter(path!);
    if (format === 'time') parts.push((r) => timeText(get(r)));
    else if (format === 'raw') parts.push((r) => text(get(r), true));
    else parts.push(digits === undefined ? (r) => text(get(r)) : (r) => roundedText(get(r), Number(digits)));
  }
  const rest = source.slice(last);
  if (rest.includes('{{')) throw new Error('a {{ is not closed with }}');
  parts.push(rest);
  return (record) => parts.map((part) => (typeof part === 'string' ? part : part(record))).join('');
}

/** Epoch milliseconds as an ISO time in UTC, to the second (`2026-11-24T08:15:00Z`). */
function timeText(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e15 ? new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z') : text(value);
}

/** Fixed decimals (`30.0`, not `30`): a rounded reading reads better with its precision. */
function roundedText(value: unknown, digits: number): string {
  return typeof value === 'number' ? roundTo(value, digits).toFixed(digits) : text(value);
}
