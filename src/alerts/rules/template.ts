/**
 * Annotation templates: text with `{{ field }}`, `{{ field | round(1) }}` and `{{ field | time }}`
 * (epoch milliseconds as an ISO time, UTC) placeholders.
 * Deliberately tiny (a regular expression and a field getter, no eval, no general
 * template engine): annotations name values, they do not compute them. Fields are checked
 * against the source topic when the rule loads.
 */
import { fieldGetter } from './field-path.js';
import { roundTo } from './expression/functions.js';
import { readableField, type TopicFields } from './topic-fields.js';

export type Template = (record: unknown) => string;

const PLACEHOLDER = /\{\{(.*?)\}\}/g;
const INNER = /^\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*(?:\|\s*(?:round\s*\(\s*(\d{1,2})\s*\)|(time))\s*)?$/;

/** What a value reads as in an annotation: null as `null`, numbers as JavaScript writes them. */
function text(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
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
    if (!inner) throw new Error(`${JSON.stringify(match[0])} is not a placeholder; write {{ field }}, {{ field | round(1) }} or {{ field | time }}`);
    const [, path, digits, time] = inner;
    const field = readableField(path!, fields);
    if (typeof field === 'string') throw new Error(field);
    if ((digits !== undefined || time !== undefined) && field.type !== 'number') throw new Error(`${time ? 'time' : 'round'} needs a number, but ${path} is a ${field.type}`);
    const get = fieldGetter(path!);
    if (time !== undefined) parts.push((r) => timeText(get(r)));
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
