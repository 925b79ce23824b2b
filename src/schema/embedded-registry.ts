/**
 * The embedded schema registry: the Confluent model (subjects, versions 1, 2, …, global
 * ids shared by equal schemas across subjects, compatibility levels global and per
 * subject, soft and permanent deletes) in process, persisted in a journal under one
 * directory (`<dataDir>/registry/`).
 *
 * One writer per directory (a lock file); any number of read-only instances in other
 * processes (`fastdata tail` beside `fastdata dev`) which read the journal again when
 * asked about something (a subject, or an id they do not know yet), so they see what the
 * writer registered after they opened.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FastdataError, errorMessage } from '../errors.js';
import { parseAvroSchema, type ParsedSchema } from './avro.js';
import { checkAgainstVersion, checkCompatibility, type SchemaVersion } from './compatibility.js';
import type { RegistryEvent } from './registry-events.js';
import { RegistryJournal, type JournalEntry, type TornTail } from './registry-journal.js';
import { acquireRegistryLock } from './registry-lock.js';
import { RegistryState, type VersionEntry } from './registry-state.js';
import { checkSubject } from './subject.js';
import {
  COMPATIBILITY_LEVELS,
  DEFAULT_COMPATIBILITY,
  type AdminSchemaRegistry,
  type CompatibilityLevel,
  type CompatibilityResult,
  type DeletedListing,
  type DeletedLookup,
  type DeleteOptions,
  type RegisteredSchema,
  type SchemaInput,
  type SubjectVersion,
} from './types.js';

export interface EmbeddedRegistryOptions {
  /** Open without the writer lock, for a second process; changes are refused with FD_REGISTRY_READ_ONLY. */
  readOnly?: boolean;
  /** The global level until one is set through `setCompatibility` (default BACKWARD). */
  defaultCompatibility?: CompatibilityLevel;
}

const LOCK_FILE = 'registry.lock';


function checkVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > 0x7fffffff) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `version ${JSON.stringify(version)} is not a version: an integer from 1 to 2147483647, or "latest"`, {
      context: { field: 'version' },
    });
  }
  return version;
}

/** The level, or FD_COMPATIBILITY_INVALID naming the allowed ones. */
function checkLevel(level: unknown): CompatibilityLevel {
  const found = COMPATIBILITY_LEVELS.find((candidate) => candidate === level);
  if (found === undefined) {
    throw new FastdataError('FD_COMPATIBILITY_INVALID', `compatibility level ${JSON.stringify(level)} is not one of ${COMPATIBILITY_LEVELS.join(', ')}`, {
      context: { field: 'compatibility' },
    });
  }
  return found;
}

function subjectNotFound(subject: string): FastdataError {
  return new FastdataError('FD_SUBJECT_NOT_FOUND', `subject "${subject}" not found: it has no schema (subjects are named <topic>-value and <topic>-key)`, {
    context: { subject },
  });
}

export class EmbeddedSchemaRegistry implements AdminSchemaRegistry {
  readonly dir: string;
  readonly readOnly: boolean;
  /** What opening dropped from the journal's end (a write cut short by a crash), if anything. */
  readonly tornTail: TornTail | undefined;
  private readonly defaultLevel: CompatibilityLevel;
  private readonly journal: RegistryJournal;
  private readonly releaseLock: (() => Promise<void>) | undefined;
  private state = new RegistryState();
  private readonly parsed = new Map<number, ParsedSchema>();
  /** Changes run one at a time: each reads the state, appends, then applies. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A read-only instance's journal read in progress, shared by concurrent calls. */
  private refreshing: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(
    dir: string,
    options: { readOnly: boolean; defaultLevel: CompatibilityLevel; journal: RegistryJournal; releaseLock?: () => Promise<void>; tornTail?: TornTail },
  ) {
    this.dir = dir;
    this.readOnly = options.readOnly;
    this.defaultLevel = options.defaultLevel;
    this.journal = options.journal;
    this.releaseLock = options.releaseLock;
    this.tornTail = options.tornTail;
  }

  /** Opens (creating it if needed, unless read-only) the registry kept in `dir`. */
  static async open(dir: string, options: EmbeddedRegistryOptions = {}): Promise<EmbeddedSchemaRegistry> {
    const defaultLevel = checkLevel(options.defaultCompatibility ?? DEFAULT_COMPATIBILITY);
    if (options.readOnly === true) {
      const registry = new EmbeddedSchemaRegistry(dir, { readOnly: true, defaultLevel, journal: RegistryJournal.reader(dir) });
      await registry.refresh();
      return registry;
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new FastdataError('FD_REGISTRY_UNAVAILABLE', `could not create the schema registry directory ${dir}: ${errorMessage(error)}`, {
        context: { file: dir },
        cause: error,
      });
    }
    const releaseLock = await acquireRegistryLock(join(dir, LOCK_FILE), dir);
    try {
      const { journal, entries, tornTail } = await RegistryJournal.openWriter(dir);
      const registry = new EmbeddedSchemaRegistry(dir, {
        readOnly: false,
        defaultLevel,
        journal,
        releaseLock,
        ...(tornTail === undefined ? {} : { tornTail }),
      });
      try {
        registry.replay(entries);
      } catch (error) {
        await journal.close();
        throw error;
      }
      return registry;
    } catch (error) {
      await releaseLock();
      throw error;
    }
  }

  private replay(entries: JournalEntry[]): void {
    for (const { event, line } of entries) {
      try {
        this.state.apply(event);
      } catch (error) {
        throw new FastdataError('FD_REGISTRY_CORRUPT', `the schema registry journal ${this.journal.path} is corrupt: line ${line}: ${errorMessage(error)}`, {
          context: { file: this.journal.path, line },
          cause: error,
        });
      }
    }
  }

  /** Read-only: applies what the writer appended since the last read. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const { entries, reset } = await this.journal.readNew();
        if (reset) {
          this.state = new RegistryState();
          this.parsed.clear();
        }
        this.replay(entries);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new FastdataError('FD_REGISTRY_CLOSED', `the schema registry in ${this.dir} is closed`, { context: { file: this.dir } });
    }
  }

  /** Before a read: open, and up to date with the writer when read-only. */
  private async current(): Promise<void> {
    this.checkOpen();
    if (this.readOnly) await this.refresh();
  }

  private mutate<T>(work: () => Promise<T>): Promise<T> {
    this.checkOpen();
    if (this.readOnly) {
      return Promise.reject(
        new FastdataError('FD_REGISTRY_READ_ONLY', `the schema registry in ${this.dir} is open read-only; make this change through the process that writes it (fastdata dev / run / serve)`, {
          context: { file: this.dir },
        }),
      );
    }
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async append(event: RegistryEvent): Promise<void> {
    await this.journal.append(event);
    this.state.apply(event);
  }

  private parsedSchema(id: number): ParsedSchema {
    let parsed = this.parsed.get(id);
    if (parsed === undefined) {
      const text = this.state.schema(id);
      if (text === undefined) throw new FastdataError('FD_INTERNAL', `the registry state has no schema for id ${id}`, { context: { id } });
      parsed = parseAvroSchema(text, { id });
      this.parsed.set(id, parsed);
    }
    return parsed;
  }

  private registered(subject: string, entry: VersionEntry): RegisteredSchema {
    return { subject, version: entry.version, id: entry.id, schema: this.state.schema(entry.id) ?? '' };
  }

  private liveTypes(subject: string): SchemaVersion[] {
    return this.state.versions(subject).map((entry) => ({ version: entry.version, type: this.parsedSchema(entry.id).type }));
  }

  private effectiveLevel(subject?: string): CompatibilityLevel {
    return (subject === undefined ? undefined : this.state.ownLevel(subject)) ?? this.state.global() ?? this.defaultLevel;
  }

  private findLive(subject: string, canonical: string): VersionEntry | undefined {
    const id = this.state.idOf(canonical);
    if (id === undefined) return undefined;
    return this.state.versions(subject).find((entry) => entry.id === id);
  }

  /** A live version with the schema, else (`deleted`) the latest soft-deleted one: a schema registered again after a soft delete has both. */
  private find(subject: string, canonical: string, deleted: boolean): VersionEntry | undefined {
    const live = this.findLive(subject, canonical);
    if (live !== undefined || !deleted) return live;
    const id = this.state.idOf(canonical);
    return this.state
      .versions(subject, true)
      .filter((entry) => entry.id === id)
      .at(-1);
  }

  async register(subject: string, schema: SchemaInput): Promise<RegisteredSchema> {
    checkSubject(subject);
    const parsed = parseAvroSchema(schema, { subject });
    if (this.readOnly) {
      // Registering what is already there is a lookup, which a reader can answer.
      const found = await this.lookup(subject, parsed.canonical);
      if (found !== undefined) return found;
    }
    return this.mutate(async () => {
      const existing = this.findLive(subject, parsed.canonical);
      if (existing !== undefined) return this.registered(subject, existing);
      const level = this.effectiveLevel(subject);
      const result = checkCompatibility(parsed.type, this.liveTypes(subject), level);
      if (!result.compatible) {
        throw new FastdataError(
          'FD_SCHEMA_INCOMPATIBLE',
          `Schema being registered is incompatible with an earlier schema for subject "${subject}" (compatibility ${level}): ${result.messages.join('; ')}`,
          { context: { subject, level, messages: result.messages } },
        );
      }
      const id = this.state.idOf(parsed.canonical) ?? this.state.nextId();
      const version = this.state.nextVersion(subject);
      await this.append({ op: 'register', subject, version, id, schema: parsed.canonical, at: Date.now() });
      if (!this.parsed.has(id)) this.parsed.set(id, parsed);
      return { subject, version, id, schema: parsed.canonical };
    });
  }

  async getSchemaById(id: number): Promise<string> {
    this.checkOpen();
    let schema = this.state.schema(id);
    if (schema === undefined && this.readOnly) {
      await this.refresh();
      schema = this.state.schema(id);
    }
    if (schema === undefined) {
      throw new FastdataError('FD_SCHEMA_NOT_FOUND', `no schema with id ${JSON.stringify(id)} in the registry`, { context: { id } });
    }
    return schema;
  }

  async getLatest(subject: string): Promise<RegisteredSchema> {
    checkSubject(subject);
    await this.current();
    const latest = this.state.versions(subject).at(-1);
    if (latest === undefined) throw subjectNotFound(subject);
    return this.registered(subject, latest);
  }

  async getVersion(subject: string, version: number, options: DeletedLookup = {}): Promise<RegisteredSchema> {
    checkSubject(subject);
    checkVersion(version);
    await this.current();
    const live = this.state.versions(subject, options.deleted === true);
    if (live.length === 0) throw subjectNotFound(subject);
    const entry = live.find((candidate) => candidate.version === version);
    if (entry === undefined) {
      throw new FastdataError('FD_VERSION_NOT_FOUND', `subject "${subject}" has no version ${version} (its versions: ${live.map((v) => v.version).join(', ')})`, {
        context: { subject, version },
      });
    }
    return this.registered(subject, entry);
  }

  async lookup(subject: string, schema: SchemaInput, options: DeletedLookup = {}): Promise<RegisteredSchema | undefined> {
    checkSubject(subject);
    const parsed = parseAvroSchema(schema, { subject });
    await this.current();
    const entry = this.find(subject, parsed.canonical, options.deleted === true);
    return entry === undefined ? undefined : this.registered(subject, entry);
  }

  async listSubjects(options: DeletedListing = {}): Promise<string[]> {
    await this.current();
    if (options.deletedOnly === true) {
      const live = new Set(this.state.subjectNames());
      return this.state.subjectNames(true).filter((subject) => !live.has(subject));
    }
    return this.state.subjectNames(options.deleted === true);
  }

  async listVersions(subject: string, options: DeletedListing = {}): Promise<number[]> {
    checkSubject(subject);
    await this.current();
    const deletedOnly = options.deletedOnly === true;
    const entries = this.state.versions(subject, deletedOnly || options.deleted === true);
    if (entries.length === 0) throw subjectNotFound(subject);
    return entries.filter((entry) => !deletedOnly || entry.deleted).map((entry) => entry.version);
  }

  async versionsOfId(id: number, options: DeletedLookup = {}): Promise<SubjectVersion[]> {
    await this.current();
    await this.getSchemaById(id); // FD_SCHEMA_NOT_FOUND for an id never given
    const deleted = options.deleted === true;
    return this.state.subjectNames(deleted).flatMap((subject) =>
      this.state
        .versions(subject, deleted)
        .filter((entry) => entry.id === id)
        .map((entry) => ({ subject, version: entry.version })),
    );
  }

  async checkCompatibility(subject: string, schema: SchemaInput, version?: number | 'latest'): Promise<CompatibilityResult> {
    checkSubject(subject);
    const parsed = parseAvroSchema(schema, { subject });
    await this.current();
    const level = this.effectiveLevel(subject);
    if (version === undefined) return checkCompatibility(parsed.type, this.liveTypes(subject), level);
    const target = version === 'latest' ? await this.getLatest(subject) : await this.getVersion(subject, version);
    const messages = checkAgainstVersion(parsed.type, { version: target.version, type: this.parsedSchema(target.id).type }, level);
    return { compatible: messages.length === 0, messages };
  }

  async getCompatibility(subject?: string): Promise<CompatibilityLevel> {
    if (subject !== undefined) checkSubject(subject);
    await this.current();
    return this.effectiveLevel(subject);
  }

  async getOwnCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    checkSubject(subject);
    await this.current();
    return this.state.ownLevel(subject);
  }

  async setCompatibility(level: CompatibilityLevel, subject?: string): Promise<void> {
    checkLevel(level);
    if (subject !== undefined) checkSubject(subject);
    await this.mutate(async () => {
      const current = subject === undefined ? this.state.global() : this.state.ownLevel(subject);
      if (current === level) return;
      await this.append(subject === undefined ? { op: 'config', level, at: Date.now() } : { op: 'config', subject, level, at: Date.now() });
    });
  }

  async deleteCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    checkSubject(subject);
    return this.mutate(async () => {
      const current = this.state.ownLevel(subject);
      if (current !== undefined) await this.append({ op: 'config', subject, level: null, at: Date.now() });
      return current;
    });
  }

  async deleteSubject(subject: string, options: DeleteOptions = {}): Promise<number[]> {
    checkSubject(subject);
    const permanent = options.permanent === true;
    return this.mutate(async () => {
      const all = this.state.versions(subject, true);
      if (all.length === 0) throw subjectNotFound(subject);
      const live = all.filter((entry) => !entry.deleted);
      if (!permanent && live.length === 0) {
        throw new FastdataError('FD_SCHEMA_DELETE_REFUSED', `subject "${subject}" was soft deleted already; delete it with permanent=true to remove it for good`, {
          context: { subject, reason: 'soft-deleted' },
        });
      }
      if (permanent && live.length > 0) {
        throw new FastdataError('FD_SCHEMA_DELETE_REFUSED', `subject "${subject}" was not soft deleted first; delete it without permanent=true, then with it`, {
          context: { subject, reason: 'not-soft-deleted' },
        });
      }
      const versions = (permanent ? all : live).map((entry) => entry.version);
      await this.append({ op: 'delete', subject, versions, permanent, at: Date.now() });
      return versions;
    });
  }

  async deleteVersion(subject: string, version: number | 'latest', options: DeleteOptions = {}): Promise<number> {
    checkSubject(subject);
    if (version !== 'latest') checkVersion(version);
    const permanent = options.permanent === true;
    return this.mutate(async () => {
      const all = this.state.versions(subject, true);
      if (all.length === 0) throw subjectNotFound(subject);
      const entry = version === 'latest' ? all.filter((candidate) => !candidate.deleted).at(-1) : all.find((candidate) => candidate.version === version);
      if (entry === undefined) {
        throw new FastdataError('FD_VERSION_NOT_FOUND', `subject "${subject}" has no version ${version}`, { context: { subject, version } });
      }
      if (!permanent && entry.deleted) {
        throw new FastdataError('FD_SCHEMA_DELETE_REFUSED', `version ${entry.version} of subject "${subject}" was soft deleted already; delete it with permanent=true to remove it for good`, {
          context: { subject, version: entry.version, reason: 'soft-deleted' },
        });
      }
      if (permanent && !entry.deleted) {
        throw new FastdataError('FD_SCHEMA_DELETE_REFUSED', `version ${entry.version} of subject "${subject}" was not soft deleted first; delete it without permanent=true, then with it`, {
          context: { subject, version: entry.version, reason: 'not-soft-deleted' },
        });
      }
      await this.append({ op: 'delete', subject, versions: [entry.version], permanent, at: Date.now() });
      return entry.version;
    });
  }

  /** Waits for changes in progress, closes the journal and releases the lock; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.queue;
      try {
        await this.journal.close();
      } finally {
        await this.releaseLock?.();
      }
    })();
    return this.closing;
  }
}

