/**
 * The events of the embedded registry's journal: one JSON object per line, appended
 * once per change and replayed on open. Registering is one event that carries the
 * schema text, so a reader never sees a version whose schema it cannot resolve.
 */
import { Type as T, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { COMPATIBILITY_LEVELS } from './types.js';

const Level = T.Union(COMPATIBILITY_LEVELS.map((level) => T.Literal(level)));
const Positive = T.Integer({ minimum: 1 });

export const RegisterEvent = T.Object({
  op: T.Literal('register'),
  subject: T.String({ minLength: 1 }),
  version: Positive,
  id: Positive,
  /** Canonical schema text. */
  schema: T.String({ minLength: 1 }),
  at: T.Integer(),
});

export const ConfigEvent = T.Object({
  op: T.Literal('config'),
  /** Absent for the global level. */
  subject: T.Optional(T.String({ minLength: 1 })),
  /** null removes the subject's own level. */
  level: T.Union([Level, T.Null()]),
  at: T.Integer(),
});

export const DeleteEvent = T.Object({
  op: T.Literal('delete'),
  subject: T.String({ minLength: 1 }),
  versions: T.Array(Positive, { minItems: 1 }),
  /** false: soft delete (hidden, still resolvable by id); true: the versions are gone. */
  permanent: T.Boolean(),
  at: T.Integer(),
});

export const RegistryEvent = T.Union([RegisterEvent, ConfigEvent, DeleteEvent]);

export type RegisterEvent = Static<typeof RegisterEvent>;
export type ConfigEvent = Static<typeof ConfigEvent>;
export type DeleteEvent = Static<typeof DeleteEvent>;
export type RegistryEvent = Static<typeof RegistryEvent>;

/** The event on a journal line, or a reason it is not one. */
export function parseEventLine(line: string): { event: RegistryEvent } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line) as unknown;
  } catch (error) {
    return { error: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (Value.Check(RegistryEvent, json)) return { event: json };
  const first = Value.Errors(RegistryEvent, json).First();
  return { error: first === undefined ? 'not a registry event' : `not a registry event (${first.path || '/'}: ${first.message})` };
}

export function eventLine(event: RegistryEvent): string {
  return `${JSON.stringify(event)}\n`;
}
