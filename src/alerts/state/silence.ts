/**
 * Silences: label matchers and a time range during which firing notifications of the
 * matching alerts are not sent (they are still evaluated, published and kept in the
 * history). A resolve is always sent: whoever was told of the firing learns it ended.
 *
 * Matchers are Alertmanager's: `=`, `!=`, `=~`, `!~` over the alert's labels (the rule's
 * labels plus `alertname` and `key`); a regular expression matches the whole value. An
 * absent label matches as the empty string.
 *
 * Regular expressions are RE2's, as in Alertmanager (re2js, the JavaScript port of RE2):
 * matching takes time linear in the label value, whatever the pattern, so no silence can
 * stall the process (a JavaScript RegExp backtracks: `(.*.*.*.*.*)*X` took tens of seconds
 * per alert). RE2 has no backreferences and no lookaround; such a pattern is refused when
 * the silence is created. One stored before (when patterns were JavaScript's) and that RE2
 * refuses matches nothing: its silence silences nothing (SilenceStore warns about it).
 */
import { RE2JS } from 're2js';
import { errorMessage, invalidArgument as invalid } from '../../errors.js';

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

export interface Matcher {
  label: string;
  op: MatcherOp;
  value: string;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  /** Epoch ms (processing time). */
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(s: Silence, now: number): SilenceState {
  if (now >= s.endsAt) return 'expired';
  return now < s.startsAt ? 'pending' : 'active';
}

/** Longest pattern of a `=~` / `!~` matcher, in characters. */
export const MAX_PATTERN_LENGTH = 1_000;
/**
 * Largest compiled pattern, in RE2 instructions: matching costs at most this much per
 * character of the label value. `[a-z]{1000}` is about 1,000; ten `(.{1,1000})` in a row
 * would be 20,000 (and take seconds on a long value), so they are refused.
 */
export const MAX_PATTERN_PROGRAM = 5_000;

/** A matcher's compiled pattern, or why it does not compile. */
type Compiled = { re: RE2JS } | { problem: string };
const compiled = new WeakMap<Matcher, Compiled>();

/**
 * Compiles a pattern with RE2, matched against the whole value (the pattern alone must
 * compile, so a value like `a)|(b` cannot undo the anchoring); throws what is wrong.
 */
function compilePattern(pattern: string): RE2JS {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`${errorMessage(error).replace(/^error parsing regexp: /, '')} (silences use RE2 syntax, as Alertmanager does: no backreferences such as \\1, no lookahead or lookbehind)`);
  }
  if (re.programSize() > MAX_PATTERN_PROGRAM) {
    throw new Error(`the pattern compiles to ${re.programSize()} RE2 instructions, more than ${MAX_PATTERN_PROGRAM}; use fewer or smaller counted repetitions ({n,m})`);
  }
  return re;
}

function compiledOf(m: Matcher): Compiled {
  let c = compiled.get(m);
  if (!c) {
    try {
      c = { re: compilePattern(m.value) };
    } catch (error) {
      c = { problem: errorMessage(error) };
    }
    compiled.set(m, c);
  }
  return c;
}

/** Why a `=~` / `!~` matcher's pattern cannot be used (RE2 refuses it), or undefined when it can. */
export function matcherProblem(m: Matcher): string | undefined {
  if (m.op !== '=~' && m.op !== '!~') return undefined;
  const c = compiledOf(m);
  return 'problem' in c ? c.problem : undefined;
}

/**
 * Whether the matcher holds for the labels. A `=~` or `!~` whose pattern RE2 refuses (only
 * a silence stored before RE2 can have one) holds for nothing, so its silence silences
 * nothing: a broken silence lets notifications through rather than muting them.
 */
export function matcherMatches(m: Matcher, labels: Record<string, string>): boolean {
  const actual = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return actual === m.value;
    case '!=':
      return actual !== m.value;
    case '=~':
    case '!~': {
      const c = compiledOf(m);
      if ('problem' in c) return false;
      return c.re.matches(actual) === (m.op === '=~');
    }
  }
}

export function silences(s: Silence, labels: Record<string, string>, now: number): boolean {
  return silenceState(s, now) === 'active' && s.matchers.every((m) => matcherMatches(m, labels));
}

/** The body of POST /api/alerts/silences, checked field by field. */
export interface SilenceInput {
  matchers: Matcher[];
  startsAt?: number;
  endsAt: number;
  comment: string;
  createdBy: string;
}

const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A silence longer than this is a mistake more often than not (Alertmanager has no cap; a year is generous). */
const MAX_DURATION_MS = 366 * 24 * 3_600_000;

/** A time given as epoch ms or an ISO 8601 string. */
function timeOf(field: string, raw: unknown): number {
  const t = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(t)) throw invalid(field, `give a time as epoch milliseconds or ISO 8601 (e.g. "2026-11-24T18:00:00Z"), got ${JSON.stringify(raw)}`);
  return t;
}

export function parseSilenceInput(body: unknown, now: number): Required<SilenceInput> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'give a JSON object { matchers, endsAt, comment, createdBy, startsAt? }');
  const b = body as Record<string, unknown>;
  const known = new Set(['matchers', 'startsAt', 'endsAt', 'comment', 'createdBy']);
  for (const field of Object.keys(b)) if (!known.has(field)) throw invalid(field, `unknown field; the fields are ${[...known].join(', ')}`);
  if (!Array.isArray(b.matchers) || b.matchers.length === 0) throw invalid('matchers', 'give at least one matcher, e.g. [{ "label": "alertname", "op": "=", "value": "overheating" }]');
  if (b.matchers.length > 32) throw invalid('matchers', `at most 32 matchers, got ${b.matchers.length}`);
  const matchers = b.matchers.map((raw: unknown, i): Matcher => {
    const at = `matchers[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw invalid(at, 'give { label, op, value }');
    const m = raw as Record<string, unknown>;
    for (const field of Object.keys(m)) if (!['label', 'op', 'value'].includes(field)) throw invalid(`${at}.${field}`, 'unknown field; a matcher has label, op and value');
    if (typeof m.label !== 'string' || !LABEL.test(m.label)) throw invalid(`${at}.label`, `a label name (letters, digits, _), got ${JSON.stringify(m.label)}`);
    const op = m.op ?? '=';
    if (typeof op !== 'string' || !(MATCHER_OPS as readonly string[]).includes(op)) throw invalid(`${at}.op`, `one of ${MATCHER_OPS.join(' ')}, got ${JSON.stringify(m.op)}`);
    if (typeof m.value !== 'string' || m.value.length > 1024) throw invalid(`${at}.value`, 'a string of at most 1024 characters');
    const matcher: Matcher = { label: m.label, op: op as MatcherOp, value: m.value };
    if (op === '=~' || op === '!~') {
      if (m.value.length > MAX_PATTERN_LENGTH) throw invalid(`${at}.value`, `a regular expression of at most ${MAX_PATTERN_LENGTH} characters, got ${m.value.length}`);
      const problem = matcherProblem(matcher);
      if (problem !== undefined) throw invalid(`${at}.value`, `not a regular expression RE2 accepts: ${problem}`);
    }
    return matcher;
  });
  const startsAt = b.startsAt === undefined ? now : timeOf('startsAt', b.startsAt);
  if (b.endsAt === undefined) throw invalid('endsAt', 'required: when the silence ends (epoch ms or ISO 8601)');
  const endsAt = timeOf('endsAt', b.endsAt);
  if (endsAt <= startsAt) throw invalid('endsAt', 'must be after startsAt');
  if (endsAt <= now) throw invalid('endsAt', 'is in the past: a silence that never applies');
  if (endsAt - startsAt > MAX_DURATION_MS) throw invalid('endsAt', 'a silence may last at most 366 days');
  const text = (field: 'comment' | 'createdBy') => {
    const v = b[field];
    if (typeof v !== 'string' || v.trim() === '' || v.length > 2048) throw invalid(field, 'required: a non-empty string of at most 2048 characters (who silences, and why)');
    return v;
  };
  return { matchers, startsAt, endsAt, comment: text('comment'), createdBy: text('createdBy') };
}
