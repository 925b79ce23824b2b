/**
 * The embedded registry's state in memory: what replaying the journal builds and what
 * each new event updates. No I/O and no policy (compatibility, refusals) here; `apply`
 * only refuses events that contradict the state, which means a corrupt journal.
 */
import type { CompatibilityLevel } from './types.js';
import type { RegistryEvent } from './registry-events.js';

export interface VersionEntry {
  readonly version: number;
  readonly id: number;
  /** Soft-deleted: hidden from listings, lookups and compatibility checks; its id still resolves. */
  deleted: boolean;
}

interface SubjectEntry {
  /** Ascending by version. */
  versions: VersionEntry[];
  /** Highest version ever registered, so numbers are not reused after a permanent delete. */
  maxVersion: number;
}

export class RegistryState {
  private readonly schemas = new Map<number, string>();
  private readonly ids = new Map<string, number>();
  private readonly subjects = new Map<string, SubjectEntry>();
  private readonly levels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel | undefined;
  private maxId = 0;

  /** Applies one event; throws an Error saying what contradicts the state. */
  apply(event: RegistryEvent): void {
    switch (event.op) {
      case 'register': {
        const known = this.schemas.get(event.id);
        if (known !== undefined && known !== event.schema) throw new Error(`id ${event.id} is registered again with another schema`);
        const id = this.ids.get(event.schema);
        if (id !== undefined && id !== event.id) throw new Error(`a schema registered with id ${id} is registered again with id ${event.id}`);
        const subject = this.subjects.get(event.subject) ?? { versions: [], maxVersion: 0 };
        if (event.version <= subject.maxVersion) {
          throw new Error(`subject "${event.subject}" gets version ${event.version} after version ${subject.maxVersion}`);
        }
        this.schemas.set(event.id, event.schema);
        this.ids.set(event.schema, event.id);
        this.maxId = Math.max(this.maxId, event.id);
        subject.versions.push({ version: event.version, id: event.id, deleted: false });
        subject.maxVersion = event.version;
        this.subjects.set(event.subject, subject);
        return;
      }
      case 'config':
        if (event.subject === undefined) this.globalLevel = event.level ?? undefined;
        else if (event.level === null) this.levels.delete(event.subject);
        else this.levels.set(event.subject, event.level);
        return;
      case 'delete': {
        const subject = this.subjects.get(event.subject);
        for (const version of event.versions) {
          const entry = subject?.versions.find((candidate) => candidate.version === version);
          if (subject === undefined || entry === undefined) throw new Error(`subject "${event.subject}" has no version ${version} to delete`);
          if (event.permanent) subject.versions = subject.versions.filter((candidate) => candidate !== entry);
          else entry.deleted = true;
        }
        return;
      }
    }
  }

  schema(id: number): string | undefined {
    return this.schemas.get(id);
  }

  idOf(canonical: string): number | undefined {
    return this.ids.get(canonical);
  }

  /** The id a new schema text gets: ids are never reused. */
  nextId(): number {
    return this.maxId + 1;
  }

  nextVersion(subject: string): number {
    return (this.subjects.get(subject)?.maxVersion ?? 0) + 1;
  }

  /** The subject's versions, ascending; soft-deleted ones only when asked. */
  versions(subject: string, includeDeleted = false): VersionEntry[] {
    const versions = this.subjects.get(subject)?.versions ?? [];
    return includeDeleted ? [...versions] : versions.filter((entry) => !entry.deleted);
  }

  /** Subjects with at least one live version (or, `includeDeleted`, any version not removed for good), sorted. */
  subjectNames(includeDeleted = false): string[] {
    return [...this.subjects.keys()].filter((subject) => this.versions(subject, includeDeleted).length > 0).sort();
  }

  ownLevel(subject: string): CompatibilityLevel | undefined {
    return this.levels.get(subject);
  }

  global(): CompatibilityLevel | undefined {
    return this.globalLevel;
  }
}
