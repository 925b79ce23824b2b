/**
 * Loads `alerts/receivers.yaml`: the shape (TypeBox + Ajv through validated-file), then
 * what a schema cannot say (secret_env set, URL parses, backoff initial <= max). Every
 * problem names the file, the line, the column and the field; a bad receiver is reported
 * and the others load, also when the bad one is not even YAML (an unclosed quote, a tab, a
 * key given twice: see `salvage`). Secrets (and header values, which often carry tokens)
 * never appear in a problem. A webhook without a secret loads, with a warning: it sends
 * unsigned requests.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseAndValidate, type Problem } from '../../config/validated-file.js';
import { errorMessage } from '../../errors.js';
import { toMillis } from '../../time/duration.js';
import { DEFAULT_DELIVERY, DEFAULT_GROUP, DEFAULT_PARKING, DEFAULT_TIMEOUT_MS, type DeliveryPolicy, type GroupPolicy, type ReceiverConfig } from './config.js';
import { RECEIVER_NAME, RECEIVER_KINDS, type ReceiverKind, ReceiversOutline, receiversSchemaFor } from './schema.js';
import { yamlLocator, type Locate } from '../../config/yaml-position.js';

export interface LoadReceiversOptions {
  /** Where `secret_env` is read; process.env by default. */
  env?: Record<string, string | undefined>;
  /** What a relative log `path` is relative to; the working directory by default. */
  root?: string;
}

export interface LoadedReceivers {
  /** The receivers without problems, by name, in file order. */
  receivers: Map<string, ReceiverConfig>;
  problems: Problem[];
  /** What loads but is worth saying (a webhook without a secret sends unsigned); absent for a file that does not exist. */
  warnings?: Problem[];
}

/** Fields whose values may be secret: their values are cut from Ajv's messages. */
function redact(problem: Problem): Problem {
  const segments = problem.field.split('.');
  if (!segments.includes('secret') && !segments.includes('headers')) return problem;
  return { ...problem, message: problem.message.replace(/ \(got .*\)$/s, '') };
}

/** Ajv says `must match pattern "^https?://…"`; a person needs to hear what the pattern means. */
const PATTERN_HINTS: Record<string, string> = {
  url: 'must be an http:// or https:// address',
  timeout: "must be a duration: milliseconds, or a string such as '250ms', '30s', '5m'",
  initial: "must be a duration: milliseconds, or a string such as '250ms', '30s', '5m'",
  max: "must be a duration: milliseconds, or a string such as '250ms', '30s', '5m'",
  wait: "must be a duration: milliseconds, or a string such as '250ms', '30s', '5m'",
  interval: "must be a duration: milliseconds, or a string such as '250ms', '30s', '5m'",
  repeat: "must be a duration: milliseconds, or a string such as '30m', '4h'",
  probe_interval: "must be a duration: milliseconds, or a string such as '30s', '1m'",
  max_age: "must be a duration: milliseconds, or a string such as '6h', '1d'",
  by: 'must be label names (letters, digits and _)',
  secret_env: 'must be the name of an environment variable (letters, digits and _)',
  topic: "must be a topic name: 1 to 249 of letters, digits, '.', '_', '-'",
};

function explain(problem: Problem): Problem {
  const match = /^must match pattern "[^"]*"(.*)$/s.exec(problem.message);
  const hint = PATTERN_HINTS[problem.field.split('.').pop()!];
  return match && hint ? { ...problem, message: `${hint}${match[1]}` } : problem;
}

function problemsOf(name: string, problems: Problem[]): Problem[] {
  const prefix = `receivers.${name}`;
  return problems.filter((p) => p.field === prefix || p.field.startsWith(`${prefix}.`));
}

/** Parses and checks the text of a receivers file, named `file` in problems. */
export function parseReceivers(file: string, text: string, options: LoadReceiversOptions = {}): LoadedReceivers {
  const whole = parseWhole(file, text, options);
  // A document the YAML parser refuses loads nothing as a whole; its receivers one by one may.
  if (whole.problems.some((p) => p.field === '(file)')) return salvage(file, text, options) ?? whole;
  return whole;
}

function parseWhole(file: string, text: string, options: LoadReceiversOptions): Required<LoadedReceivers> {
  const receivers = new Map<string, ReceiverConfig>();
  const warnings: Problem[] = [];
  const outline = parseAndValidate(file, text, ReceiversOutline);
  const problems = outline.problems.map(explain).map(redact);
  const raw = (outline.value as { receivers?: unknown } | undefined)?.receivers;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { receivers, problems, warnings };

  const locate = yamlLocator(text);
  const kinds = new Map<string, ReceiverKind>();
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!RECEIVER_NAME.test(name)) {
      problems.push({ file, ...locate(['receivers', name], { key: true }), field: `receivers.${name}`, message: 'name receivers with letters, digits, - and _ only (at most 64)' });
      continue;
    }
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (problemsOf(name, problems).length === 0 && RECEIVER_KINDS.includes(kind as ReceiverKind)) kinds.set(name, kind as ReceiverKind);
  }

  const full = parseAndValidate(file, text, receiversSchemaFor(kinds));
  const shapeProblems = full.problems.map(explain).map(redact);
  problems.push(...shapeProblems);
  const values = (full.value as { receivers: Record<string, Record<string, unknown>> }).receivers;
  for (const [name, kind] of kinds) {
    if (problemsOf(name, shapeProblems).length > 0) continue;
    const found: Problem[] = [];
    const config = normalize(name, kind, values[name]!, { file, locate, found, warnings, options });
    problems.push(...found);
    if (config && found.length === 0) receivers.set(name, config);
  }
  return { receivers, problems, warnings };
}

/** `receivers:` alone on its line (a block mapping follows), maybe with a comment. */
const RECEIVERS_LINE = /^receivers[ \t]*:[ \t]*(?:#.*)?\r?$/;
const CONTENT = /^( *)([^ \r].*)?$/;

/**
 * A receivers file the YAML parser refuses as a whole (an unclosed quote, a tab, a key given
 * twice, an alias bomb in one receiver), read receiver by receiver: each top-level entry of
 * the `receivers:` block is parsed alone, in a copy of the file where every other line is
 * blank, so lines and columns stay the file's. The entries that parse load; each one that
 * does not is reported where its trouble is, named by its receiver. Undefined when the file
 * is not laid out so (no block `receivers:`, entries not at one indentation, or every part
 * reads on its own, so the trouble lies between them): the caller reports the whole file.
 */
function salvage(file: string, text: string, options: LoadReceiversOptions): LoadedReceivers | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => RECEIVERS_LINE.test(line));
  if (start < 0) return undefined;
  const blank = (line: string) => /^[ \t]*(?:#.*)?\r?$/.test(line);
  // The entries: from a line at the entries' indentation to the next one (or the end of the block).
  const entries: { name: string; from: number; to: number }[] = [];
  let indent = 0;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (blank(line)) continue;
    const spaces = CONTENT.exec(line)?.[1]?.length ?? 0;
    // A tab after the spaces: not an indentation YAML takes, part of the entry it is in.
    if (line[spaces] === '\t' && entries.length > 0) continue;
    if (spaces === 0) {
      end = i;
      break;
    }
    indent ||= spaces;
    if (spaces < indent) return undefined;
    if (spaces > indent) {
      if (entries.length === 0) return undefined;
      continue;
    }
    const name = /^\s*(?:"([^"]*)"|'([^']*)'|([^:#'"][^:#]*?))\s*:(?:\s|$)/.exec(line);
    if (!name) return undefined;
    entries.push({ name: name[1] ?? name[2] ?? name[3]!, from: i, to: lines.length });
  }
  if (entries.length === 0) return undefined;
  for (let k = 0; k < entries.length; k++) entries[k]!.to = k + 1 < entries.length ? entries[k + 1]!.from : end;

  const keep = (from: number, to: number, also: (i: number) => boolean = () => false) => lines.map((line, i) => (i === start || (i >= from && i < to) || also(i) ? line : '')).join('\n');
  const receivers = new Map<string, ReceiverConfig>();
  const problems: Problem[] = [];
  const warnings: Problem[] = [];

  // The lines outside the receivers block: top-level mistakes are this file's, whatever the receivers are.
  const outside = parseAndValidate(file, keep(0, 0, (i) => i < start || i >= end), ReceiversOutline);
  problems.push(...outside.problems.filter((p) => p.field === '(file)'));

  const seen = new Map<string, number>();
  const duplicated = new Set<string>();
  for (const entry of entries) {
    const first = seen.get(entry.name);
    if (first !== undefined) {
      duplicated.add(entry.name);
      problems.push({ file, line: entry.from + 1, column: indent + 1, field: `receivers.${entry.name}`, message: `is defined twice (first at line ${first + 1}); neither is loaded until one is renamed or removed` });
      continue;
    }
    seen.set(entry.name, entry.from);
    const one = parseWhole(file, keep(entry.from, entry.to), options);
    for (const problem of one.problems) {
      if (problem.field !== '(file)') problems.push(problem);
      else {
        const where = problem.line === undefined ? { line: entry.from + 1, column: indent + 1 } : {};
        problems.push({ ...problem, ...where, field: `receivers.${entry.name}`, message: `${problem.message}; receiver ${entry.name} is not loaded` });
      }
    }
    warnings.push(...one.warnings);
    for (const [name, config] of one.receivers) receivers.set(name, config);
  }
  for (const name of duplicated) receivers.delete(name);
  if (problems.length === 0) return undefined;
  return { receivers, problems, warnings: warnings.filter((w) => !duplicated.has(w.field.split('.')[1]!)) };
}

/**
 * Reads and checks a receivers file. A file that does not exist is no receivers and no
 * problem: a project need not send alerts anywhere.
 */
export async function loadReceivers(file: string, options: LoadReceiversOptions = {}): Promise<LoadedReceivers> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { receivers: new Map(), problems: [] };
    return { receivers: new Map(), problems: [{ file, field: '(file)', message: `cannot be read: ${errorMessage(error)}` }] };
  }
  return parseReceivers(file, text, options);
}

interface Context {
  file: string;
  locate: Locate;
  found: Problem[];
  warnings: Problem[];
  options: LoadReceiversOptions;
}

function normalize(name: string, kind: ReceiverKind, raw: Record<string, unknown>, ctx: Context): ReceiverConfig | undefined {
  const at = (field: string[], message: string) =>
    ctx.found.push({ file: ctx.file, ...ctx.locate(['receivers', name, ...field]), field: ['receivers', name, ...field].join('.'), message });
  const line = ctx.locate(['receivers', name], { key: true }).line;
  const ms = (field: string[], value: unknown, fallback: number) => {
    if (value === undefined) return fallback;
    try {
      return toMillis(value, { what: field.join('.') });
    } catch (error) {
      at(field, errorMessage(error).replace(/^[^:]*: /, ''));
      return fallback;
    }
  };
  const rawGroup = raw.group as { by: string[]; wait?: unknown; interval?: unknown; repeat?: unknown } | undefined;
  const group: GroupPolicy | undefined = rawGroup && {
    by: [...new Set(rawGroup.by)],
    waitMs: ms(['group', 'wait'], rawGroup.wait, DEFAULT_GROUP.waitMs),
    intervalMs: ms(['group', 'interval'], rawGroup.interval, DEFAULT_GROUP.intervalMs),
    repeatMs: ms(['group', 'repeat'], rawGroup.repeat, DEFAULT_GROUP.repeatMs),
  };
  if (group && group.repeatMs < 60_000) at(['group', 'repeat'], 'must be at least 1m: repeating faster than that is spam');
  const common = { name, source: line === undefined ? ctx.file : `${ctx.file}:${line}`, ...(group ? { group } : {}) };
  const queueSize = (raw.queue_size as number | undefined) ?? DEFAULT_DELIVERY.queueSize;
  // Set only when given, so a config reads as what the file says; the queue fills in DEFAULT_PARKING.
  const parking: Pick<DeliveryPolicy, 'probeIntervalMs' | 'maxAgeMs'> = {};
  if (raw.probe_interval !== undefined) {
    parking.probeIntervalMs = ms(['probe_interval'], raw.probe_interval, DEFAULT_PARKING.probeIntervalMs);
    if (parking.probeIntervalMs < 1_000) at(['probe_interval'], 'must be at least 1s: a receiver that is down is not hammered');
  }
  if (raw.max_age !== undefined) {
    parking.maxAgeMs = ms(['max_age'], raw.max_age, DEFAULT_PARKING.maxAgeMs);
    if (parking.maxAgeMs < 60_000) at(['max_age'], 'must be at least 1m: a notification needs the time to be retried');
  }

  switch (kind) {
    case 'webhook': {
      const backoff = (raw.backoff ?? {}) as { initial?: unknown; max?: unknown };
      const delivery: DeliveryPolicy = {
        maxRetries: (raw.max_retries as number | undefined) ?? DEFAULT_DELIVERY.maxRetries,
        backoff: { initialMs: ms(['backoff', 'initial'], backoff.initial, DEFAULT_DELIVERY.backoff.initialMs), maxMs: ms(['backoff', 'max'], backoff.max, DEFAULT_DELIVERY.backoff.maxMs) },
        queueSize,
        ...parking,
      };
      if (delivery.backoff.initialMs > delivery.backoff.maxMs) at(['backoff', 'max'], `must not be less than backoff.initial (${delivery.backoff.initialMs} ms)`);
      const timeoutMs = ms(['timeout'], raw.timeout, DEFAULT_TIMEOUT_MS);

      const url = raw.url as string;
      try {
        const parsed = new URL(url);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') at(['url'], 'must be an http:// or https:// address');
      } catch {
        at(['url'], 'is not a valid URL');
      }

      let secret = raw.secret as string | undefined;
      const secretEnv = raw.secret_env as string | undefined;
      if (secret !== undefined && secretEnv !== undefined) at(['secret_env'], 'give secret or secret_env, not both');
      else if (secretEnv !== undefined) {
        secret = (ctx.options.env ?? process.env)[secretEnv];
        if (!secret) at(['secret_env'], `the environment variable ${secretEnv} is not set (or empty); set it to the webhook's signing secret`);
      } else {
        ctx.warnings.push({
          file: ctx.file,
          ...ctx.locate(['receivers', name], { key: true }),
          field: `receivers.${name}`,
          message:
            `webhook ${name} has no secret: its requests go out unsigned, so the far end cannot tell them from forged or replayed ones; ` +
            'set secret_env to an environment variable holding at least 16 random characters (docs/alerts.md, "Verifying a webhook")',
        });
      }
      return { ...common, kind, url, ...(secret ? { secret } : {}), timeoutMs, headers: (raw.headers as Record<string, string> | undefined) ?? {}, delivery };
    }
    case 'log': {
      const path = raw.path as string | undefined;
      return { ...common, kind, ...(path ? { path: resolve(ctx.options.root ?? process.cwd(), path) } : {}), delivery: { ...DEFAULT_DELIVERY, queueSize, ...parking } };
    }
    case 'websocket':
      return { ...common, kind, topic: (raw.topic as string | undefined) ?? `fastdata.alerts.${name}`, delivery: { ...DEFAULT_DELIVERY, queueSize, ...parking } };
    case 'kafka':
      return { ...common, kind, topic: raw.topic as string, delivery: { ...DEFAULT_DELIVERY, queueSize, ...parking } };
  }
}
