/**
 * Names of the things `fastdata init` and `fastdata new` create. One rule for all of
 * them, kebab-case, because a name becomes a file name, a module name (which names its
 * dead-letter and changelog topics), an alert rule name and a URL path at once, and
 * kebab-case is valid in all of them on every file system.
 */
import { FastdataError } from '../errors.js';

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Kafka's limit is 249 characters; a module name is used inside longer topic names. */
const MAX_LENGTH = 100;

/**
 * Returns `value` when it is a kebab-case name; otherwise throws FD_ARGUMENT_INVALID naming
 * `argument` (as the user typed it: `<name>`, `--name`) with `example` as the fix.
 */
export function checkName(argument: string, value: string, example: string): string {
  const problem =
    value.length === 0
      ? 'is empty'
      : value.length > MAX_LENGTH
        ? `is ${value.length} characters long; at most ${MAX_LENGTH}`
        : KEBAB.test(value)
          ? undefined
          : 'is not kebab-case: lower-case letters and digits in words joined by single hyphens, starting with a letter';
  if (problem === undefined) return value;
  throw new FastdataError('FD_ARGUMENT_INVALID', `${argument} ${JSON.stringify(value)} ${problem}, e.g. ${example}`, { context: { field: argument } });
}

/** A kebab-case name as the name of a type: `room-stats` -> `RoomStats`. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** A kebab-case name as a title: `room-stats` -> `Room stats`. */
export function titleCase(name: string): string {
  const words = name.split('-').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An Avro namespace from a package name: `my-app` -> `my_app` (Avro names allow no hyphens). */
export function avroNamespace(packageName: string): string {
  const segments = packageName
    .replace(/^@/, '')
    .split(/[/.]/)
    .map((s) => s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_'))
    .filter(Boolean);
  return segments.length > 0 ? segments.join('.') : 'app';
}
