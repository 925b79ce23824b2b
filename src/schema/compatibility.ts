/**
 * Schema compatibility under Confluent's seven levels, decided by avsc's resolver.
 *
 * BACKWARD means the new schema reads data written with an old one
 * (`newType.createResolver(oldType)` succeeds); FORWARD means an old schema reads data
 * written with the new one; FULL is both. The plain levels check against the latest
 * version, the `_TRANSITIVE` ones against every version.
 *
 * avsc decides, but its messages do not say where (`cannot read "string" as "double"`),
 * so when a resolver fails we walk both types side by side to name the field, the version
 * it breaks with and the fix.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { describeType, resolverOptions } from './avro.js';
import type { CompatibilityLevel, CompatibilityResult } from './types.js';
import { errorMessage } from '../errors.js';

/** A registered version of a subject, parsed. */
export interface SchemaVersion {
  readonly version: number;
  readonly type: Type;
}

/** Which way data flows in a check: BACKWARD, the new schema reads old data; FORWARD, old schemas read new data. */
export type Direction = 'BACKWARD' | 'FORWARD';

/** One reason a reader cannot read a writer's data, located by a field path. */
export type Incompatibility =
  | { kind: 'missing-field'; path: string; field: Type }
  | { kind: 'type-mismatch'; path: string; writer: Type; reader: Type }
  | { kind: 'union-branch'; path: string; writer: Type; branch: Type; reader: Type }
  | { kind: 'enum-symbols'; path: string; reader: Type; symbols: string[] }
  | { kind: 'name-mismatch'; path: string; writer: Type; reader: Type }
  | { kind: 'fixed-size'; path: string; writer: Type; reader: Type }
  | { kind: 'other'; path: string; message: string };

/** Whether data written with `writer` can be read as `reader`: avsc's verdict. */
export function canRead(reader: Type, writer: Type): boolean {
  try {
    reader.createResolver(writer, resolverOptions());
    return true;
  } catch {
    return false;
  }
}

const isUnion = (type: Type): type is avro.types.UnwrappedUnionType | avro.types.WrappedUnionType =>
  type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType;

const unqualified = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

/** Java Avro's rule (the Confluent registry's): simple names equal, or the writer's name among the reader's aliases. */
function namesMatch(reader: Type, writer: Type): boolean {
  if (reader.name === undefined || writer.name === undefined) return true;
  const wanted = unqualified(writer.name);
  return unqualified(reader.name) === wanted || (reader.aliases ?? []).some((alias) => unqualified(alias) === wanted);
}

function enumDefault(type: Type): unknown {
  return (type as { default?: unknown }).default;
}

/** The reader branch a writer type is meant to land in: same named type, else same kind. */
function matchingBranch(branches: readonly Type[], writer: Type): Type | undefined {
  return (
    branches.find((branch) => branch.typeName === writer.typeName && branch.name !== undefined && namesMatch(branch, writer)) ??
    branches.find((branch) => branch.typeName === writer.typeName)
  );
}

const childPath = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

class Explainer {
  readonly found: Incompatibility[] = [];
  private readonly seen = new Map<Type, Set<Type>>();

  explain(reader: Type, writer: Type, path: string): void {
    if (canRead(reader, writer)) return;
    // Recursive types: each pair is explained once.
    const readers = this.seen.get(writer) ?? new Set<Type>();
    if (readers.has(reader)) return;
    readers.add(reader);
    this.seen.set(writer, readers);

    const before = this.found.length;
    this.explainKinds(reader, writer, path);
    if (this.found.length === before) this.found.push({ kind: 'other', path, message: resolverError(reader, writer) });
  }

  private explainKinds(reader: Type, writer: Type, path: string): void {
    if (isUnion(writer)) {
      for (const branch of writer.types) {
        if (canRead(reader, branch)) continue;
        if (!isUnion(reader) && branch.typeName !== reader.typeName) {
          this.found.push({ kind: 'union-branch', path, writer, branch, reader });
        } else {
          this.explain(reader, branch, path);
        }
      }
      return;
    }
    if (isUnion(reader)) {
      const branch = matchingBranch(reader.types, writer);
      if (branch === undefined) this.found.push({ kind: 'union-branch', path, writer, branch: writer, reader });
      else this.explain(branch, writer, path);
      return;
    }
    if (reader.typeName !== writer.typeName) {
      this.found.push({ kind: 'type-mismatch', path, writer, reader });
      return;
    }
    if (reader.name !== undefined && !namesMatch(reader, writer)) {
      this.found.push({ kind: 'name-mismatch', path, writer, reader });
      return;
    }
    if (reader instanceof avro.types.RecordType && writer instanceof avro.types.RecordType) {
      this.explainRecord(reader, writer, path === '' ? unqualified(reader.name ?? '') : path);
    } else if (reader instanceof avro.types.EnumType && writer instanceof avro.types.EnumType) {
      const symbols = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
      if (symbols.length > 0 && enumDefault(reader) === undefined) this.found.push({ kind: 'enum-symbols', path, reader, symbols });
    } else if (reader instanceof avro.types.FixedType && writer instanceof avro.types.FixedType) {
      if (reader.size !== writer.size) this.found.push({ kind: 'fixed-size', path, writer, reader });
    } else if (reader instanceof avro.types.ArrayType && writer instanceof avro.types.ArrayType) {
      this.explain(reader.itemsType, writer.itemsType, `${path}[]`);
    } else if (reader instanceof avro.types.MapType && writer instanceof avro.types.MapType) {
      this.explain(reader.valuesType as Type, writer.valuesType as Type, `${path}{}`);
    } else {
      this.found.push({ kind: 'type-mismatch', path, writer, reader });
    }
  }

  private explainRecord(reader: avro.types.RecordType, writer: avro.types.RecordType, path: string): void {
    for (const field of reader.fields) {
      const names = [field.name, ...(field.aliases ?? [])];
      const source = writer.fields.find((candidate) => names.includes(candidate.name));
      const fieldPath = childPath(path, field.name);
      if (source === undefined) {
        if (field.defaultValue() === undefined) this.found.push({ kind: 'missing-field', path: fieldPath, field: field.type });
        continue;
      }
      this.explain(field.type, source.type, fieldPath);
    }
  }
}

function resolverError(reader: Type, writer: Type): string {
  try {
    reader.createResolver(writer, resolverOptions());
    return 'incompatible';
  } catch (error) {
    return errorMessage(error);
  }
}

/** Why data written with `writer` cannot be read as `reader`; empty when it can. */
export function explainIncompatibility(reader: Type, writer: Type): Incompatibility[] {
  const explainer = new Explainer();
  explainer.explain(reader, writer, '');
  return explainer.found;
}

/** How a fix suggestion refers to a type: its name, or its schema when short. */
function typeReference(type: Type): string {
  if (type.name !== undefined) return JSON.stringify(type.name);
  const schema = JSON.stringify(type.schema());
  return schema.length <= 60 ? schema : '<the field type>';
}

/** How to give a field a default, for its type. */
function defaultHint(type: Type): string {
  if (!isUnion(type)) return `give it a default, e.g. "type": ["null", ${typeReference(type)}], "default": null`;
  if (type.types[0]?.typeName === 'null') return 'add "default": null';
  return 'give it a default of the union\'s first branch type, or put "null" first in the union and add "default": null';
}

const PROMOTIONS = 'int → long → float → double, string ↔ bytes';

function where(path: string): string {
  return path === '' ? 'the schema' : `field ${path}`;
}

/** The problem and its fix, worded for who reads whom: `direction`, and `other` names the old side (`version 3`). */
export function describeIncompatibility(issue: Incompatibility, direction: Direction, other: string): string {
  const backward = direction === 'BACKWARD';
  const at = where(issue.path);
  switch (issue.kind) {
    case 'missing-field':
      return backward
        ? `${at} is added without a default, so data of ${other} has no value for it; ` +
            `fix: ${defaultHint(issue.field)}`
        : `${at} is removed (or renamed), but ${other} reads it and has no default for it; ` +
            `fix: keep the field (a field can be dropped only once every version that reads it gives it a default)`;
    case 'type-mismatch':
      return (
        `${at}: writer type ${describeType(issue.writer)} cannot be read as ${describeType(issue.reader)}; ` +
        `fix: keep the type, or change it only along Avro's promotions (${PROMOTIONS}); ` +
        `to change a type, add a new field with a default and stop writing the old one`
      );
    case 'union-branch':
      if (!isUnion(issue.reader)) {
        return backward
          ? `${at}: writer type ${describeType(issue.writer)} cannot be read as ${describeType(issue.reader)} (its branch ${describeType(issue.branch)} has no match); fix: keep the union`
          : `${at}: the new schema writes ${describeType(issue.writer)} where ${other} reads ${describeType(issue.reader)} ` +
              `(branch ${describeType(issue.branch)} has no match); fix: keep the type, or make this change under BACKWARD compatibility`;
      }
      return backward
        ? `${at}: writer type ${describeType(issue.branch)} of ${other} is not among the union ${describeType(issue.reader)}; fix: keep ${describeType(issue.branch)} in the union`
        : `${at}: the new schema may write ${describeType(issue.branch)}, which is not among ${other}'s union ${describeType(issue.reader)}; ` +
            `fix: keep the union as it was, or make this change under BACKWARD compatibility`;
    case 'enum-symbols': {
      const symbols = issue.symbols.map((symbol) => JSON.stringify(symbol)).join(', ');
      return backward
        ? `${at}: enum ${describeType(issue.reader)} no longer has ${symbols}, which data of ${other} may hold, and has no default; ` +
            `fix: keep the symbols, or give the enum a "default" symbol`
        : `${at}: the new schema adds ${symbols} to enum ${describeType(issue.reader)}, which ${other} does not know and has no default for; ` +
            `fix: add symbols only to an enum that has a "default" in every version that reads it, or make this change under BACKWARD compatibility`;
    }
    case 'name-mismatch':
      return backward
        ? `${at}: type ${describeType(issue.writer)} of ${other} cannot be read as ${describeType(issue.reader)}: the names differ; ` +
            `fix: keep the name, or list ${JSON.stringify(issue.writer.name)} in the new type's "aliases"`
        : `${at}: ${other} reads type ${describeType(issue.reader)}, the new schema names it ${describeType(issue.writer)}; fix: keep the name`;
    case 'fixed-size':
      return `${at}: fixed ${describeType(issue.writer)} has ${(issue.writer as avro.types.FixedType).size} bytes, ${describeType(issue.reader)} ${(issue.reader as avro.types.FixedType).size}; fix: keep the size`;
    case 'other':
      return `${at}: ${issue.message}`;
  }
}

/** The directions a level checks. */
export function directionsOf(level: CompatibilityLevel): Direction[] {
  if (level === 'NONE') return [];
  if (level.startsWith('BACKWARD')) return ['BACKWARD'];
  if (level.startsWith('FORWARD')) return ['FORWARD'];
  return ['BACKWARD', 'FORWARD'];
}

/** The versions a level checks a new schema against: none, the latest, or all (`_TRANSITIVE`). */
export function versionsToCheck<T>(level: CompatibilityLevel, versions: readonly T[]): T[] {
  if (level === 'NONE' || versions.length === 0) return [];
  if (level.endsWith('_TRANSITIVE')) return [...versions];
  return versions.slice(-1);
}

/** Messages for one version: empty when `candidate` passes every direction of `level` against it. */
export function checkAgainstVersion(candidate: Type, existing: SchemaVersion, level: CompatibilityLevel): string[] {
  const messages: string[] = [];
  for (const direction of directionsOf(level)) {
    const [reader, writer] = direction === 'BACKWARD' ? [candidate, existing.type] : [existing.type, candidate];
    if (canRead(reader, writer)) continue;
    const header =
      direction === 'BACKWARD'
        ? `version ${existing.version} (${direction}: the new schema must read data written with version ${existing.version})`
        : `version ${existing.version} (${direction}: version ${existing.version} must read data written with the new schema)`;
    for (const issue of explainIncompatibility(reader, writer)) {
      messages.push(`${header}: ${describeIncompatibility(issue, direction, `version ${existing.version}`)}`);
    }
  }
  return messages;
}

/**
 * Checks `candidate` under `level` against `versions` (a subject's live versions, oldest
 * first): the latest one, or all of them for the transitive levels.
 */
export function checkCompatibility(candidate: Type, versions: readonly SchemaVersion[], level: CompatibilityLevel): CompatibilityResult {
  const messages: string[] = [];
  for (const existing of versionsToCheck(level, versions)) messages.push(...checkAgainstVersion(candidate, existing, level));
  return { compatible: messages.length === 0, messages };
}
