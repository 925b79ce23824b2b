/**
 * `fastdata schema check`: every local schema against the registry, as registering it
 * would be checked — under the subject's compatibility level, against its latest version
 * (every version for the `_TRANSITIVE` levels), by the registry's own checker
 * (`SchemaRegistry.checkCompatibility`: the embedded one, or fastdata's checker over a
 * remote registry's versions). Nothing is registered.
 */
import { errorMessage, isFastdataError } from '../../errors.js';
import { parseAvroSchema } from '../../schema/avro.js';
import type { CompatibilityLevel, SchemaRegistry } from '../../schema/types.js';
import { validateSchemaFile } from '../../schema/tools/bundle-schema.js';
import type { LocalSchema } from './local-schemas.js';
import { NameTable } from '../../schema/tools/named-types.js';
import type { SchemaFile } from '../../schema/tools/schema-files.js';

export type CheckStatus =
  /** Passes against the latest version (or every version, transitive). */
  | 'compatible'
  /** The very schema is already a version of the subject: registering it changes nothing. */
  | 'registered'
  /** The subject has no version: the schema would be its first. */
  | 'new'
  | 'incompatible'
  /** Not a schema fastdata could register (bad JSON, bad Avro, a module that fails to load). */
  | 'invalid'
  /** A schema file that no module writes and no subject holds. */
  | 'unmatched';

export interface CheckResult {
  status: CheckStatus;
  subject: string | undefined;
  label: string;
  /** The subject's level, when it has versions. */
  level?: CompatibilityLevel;
  /** The latest version checked against, or the version that holds this schema. */
  version?: number;
  /** Why: the incompatibilities (one per field), or the problem. */
  messages: string[];
}

export const FAILING: ReadonlySet<CheckStatus> = new Set(['incompatible', 'invalid']);

async function checkOne(registry: SchemaRegistry, subject: string, label: string, canonical: string): Promise<CheckResult> {
  const latest = await registry.getLatest(subject).catch((error: unknown) => {
    if (isFastdataError(error, 'FD_SUBJECT_NOT_FOUND')) return undefined;
    throw error;
  });
  if (latest === undefined) return { status: 'new', subject, label, messages: [] };
  const same = await registry.lookup(subject, canonical);
  if (same !== undefined) return { status: 'registered', subject, label, version: same.version, messages: [] };
  const level = await registry.getCompatibility(subject);
  const result = await registry.checkCompatibility(subject, canonical);
  return { status: result.compatible ? 'compatible' : 'incompatible', subject, label, level, version: latest.version, messages: result.messages };
}

/** The subjects whose latest schema is the named type `fullName`. */
async function subjectsNamed(registry: SchemaRegistry, subjects: readonly string[], fullName: string): Promise<string[]> {
  const matches: string[] = [];
  for (const subject of subjects) {
    const latest = await registry.getLatest(subject).catch(() => undefined);
    if (latest === undefined) continue;
    try {
      if (parseAvroSchema(latest.schema).name === fullName) matches.push(subject);
    } catch {
      // A subject whose schema fastdata cannot parse (not Avro): not ours to match.
    }
  }
  return matches;
}

export async function checkLocalSchemas(registry: SchemaRegistry, locals: readonly LocalSchema[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const files: SchemaFile[] = locals.filter((l) => l.kind === 'file').map((l) => ({ path: l.path, shown: l.label, json: l.json }));
  let table: NameTable | undefined;
  let subjects: string[] | undefined;
  for (const local of locals) {
    if (local.kind === 'problem') {
      results.push({ status: 'invalid', subject: undefined, label: local.label, messages: [local.message] });
      continue;
    }
    if (local.kind === 'module') {
      try {
        const { canonical } = parseAvroSchema(local.schema, { subject: local.subject });
        results.push(await checkOne(registry, local.subject, local.label, canonical));
      } catch (error) {
        if (!isFastdataError(error) || error.domain !== 'user') throw error;
        results.push({ status: 'invalid', subject: local.subject, label: local.label, messages: [errorMessage(error)] });
      }
      continue;
    }
    if (local.moduleOutput) continue;
    let parsed;
    try {
      table ??= NameTable.fromFiles(files);
      parsed = validateSchemaFile({ path: local.path, shown: local.label, json: local.json }, table);
    } catch (error) {
      if (!isFastdataError(error) || error.domain !== 'user') throw error;
      results.push({ status: 'invalid', subject: undefined, label: local.label, messages: [errorMessage(error)] });
      continue;
    }
    const name = parsed.name;
    subjects ??= (await registry.listSubjects()).sort();
    const matches = name === undefined ? [] : await subjectsNamed(registry, subjects, name);
    if (matches.length === 0) {
      results.push({
        status: 'unmatched',
        subject: undefined,
        label: local.label,
        messages: [`no module writes it and no subject's latest schema is ${name ?? 'this unnamed type'}; nothing to check against`],
      });
    }
    for (const subject of matches) results.push(await checkOne(registry, subject, local.label, parsed.canonical));
  }
  return results;
}

/** One line per result, with its reasons indented below: what the command prints. */
export function renderCheckResults(results: readonly CheckResult[]): string[] {
  const width = Math.max(0, ...results.map((r) => (r.subject ?? '-').length));
  const lines: string[] = [];
  for (const result of results) {
    const head = `${result.status.toUpperCase().padEnd(12)} ${(result.subject ?? '-').padEnd(width)}  ${result.label}`;
    switch (result.status) {
      case 'compatible':
        lines.push(`${head}: compatible with version ${result.version} under ${result.level}`);
        break;
      case 'registered':
        lines.push(`${head}: already registered as version ${result.version}`);
        break;
      case 'new':
        lines.push(`${head}: new subject, this schema would be version 1`);
        break;
      case 'incompatible':
        lines.push(`${head}: incompatible under ${result.level} (latest version ${result.version}):`);
        for (const message of result.messages) lines.push(`    - ${message}`);
        break;
      case 'invalid':
      case 'unmatched':
        lines.push(`${head}: ${result.messages.join('; ')}`);
        break;
    }
  }
  return lines;
}
