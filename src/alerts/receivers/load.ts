/**
 * Loads `alerts/receivers.yaml`: the shape (TypeBox + Ajv through validated-file), then
 * what a schema cannot say (secret_env set, URL parses, backoff initial <= max). Every
 * problem names the file, the line and the field; a bad receiver is reported and the
 * others load. Secrets (and header values, which often carry tokens) never appear in a
 * problem.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseAndValidate, type Problem } from '../../config/validated-file.js';
import { errorMessage } from '../../errors.js';
import { toMillis } from '../../time/duration.js';
import { DEFAULT_DELIVERY, DEFAULT_GROUP, DEFAULT_TIMEOUT_MS, type DeliveryPolicy, type GroupPolicy, type ReceiverConfig } from './config.js';
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
  const receivers = new Map<string, ReceiverConfig>();
  const outline = parseAndValidate(file, text, ReceiversOutline);
  const problems = outline.problems.map(explain).map(redact);
  const raw = (outline.value as { receivers?: unknown } | undefined)?.receivers;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { receivers, problems };

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
    const config = normalize(name, kind, values[name]!, { file, locate, found, options });
    problems.push(...found);
    if (config && found.length === 0) receivers.set(name, config);
  }
  return { receivers, problems };
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

  switch (kind) {
    case 'webhook': {
      const backoff = (raw.backoff ?? {}) as { initial?: unknown; max?: unknown };
      const delivery: DeliveryPolicy = {
        maxRetries: (raw.max_retries as number | undefined) ?? DEFAULT_DELIVERY.maxRetries,
        backoff: { initialMs: ms(['backoff', 'initial'], backoff.initial, DEFAULT_DELIVERY.backoff.initialMs), maxMs: ms(['backoff', 'max'], backoff.max, DEFAULT_DELIVERY.backoff.maxMs) },
        queueSize,
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
      }
      return { ...common, kind, url, ...(secret ? { secret } : {}), timeoutMs, headers: (raw.headers as Record<string, string> | undefined) ?? {}, delivery };
    }
    case 'log': {
      const path = raw.path as string | undefined;
      return { ...common, kind, ...(path ? { path: resolve(ctx.options.root ?? process.cwd(), path) } : {}), delivery: { ...DEFAULT_DELIVERY, queueSize } };
    }
    case 'websocket':
      return { ...common, kind, topic: (raw.topic as string | undefined) ?? `fastdata.alerts.${name}`, delivery: { ...DEFAULT_DELIVERY, queueSize } };
    case 'kafka':
      return { ...common, kind, topic: raw.topic as string, delivery: { ...DEFAULT_DELIVERY, queueSize } };
  }
}
