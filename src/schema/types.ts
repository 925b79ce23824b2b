/**
 * The schema registry as fastdata sees it: the subset of the Confluent Schema Registry
 * model the platform uses. The embedded registry implements it in process; a remote
 * Confluent-compatible registry (Confluent, Karapace, Redpanda, Apicurio ccompat) is
 * reached through the same interface over HTTP.
 *
 * Subjects follow Confluent's TopicNameStrategy: `<topic>-value` and `<topic>-key`.
 * Schemas are Avro, given as JSON text or as a parsed schema object.
 */

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** A schema as JSON text (what travels over the wire) or as a parsed Avro schema. */
export type SchemaInput = string | object;

export interface RegisteredSchema {
  subject: string;
  version: number;
  /** Global id, the one in the Confluent wire format; the same schema text has one id in every subject. */
  id: number;
  /** The schema as canonical JSON text. */
  schema: string;
}

export interface CompatibilityResult {
  compatible: boolean;
  /** One message per incompatibility, naming the field and the version it breaks with. */
  messages: string[];
}

export interface SchemaRegistry {
  /** Registers a schema under a subject (idempotent for a schema already there); refuses an incompatible one with FD_SCHEMA_INCOMPATIBLE. */
  register(subject: string, schema: SchemaInput): Promise<RegisteredSchema>;
  /** The schema text of a global id; FD_SCHEMA_NOT_FOUND if unknown. */
  getSchemaById(id: number): Promise<string>;
  getLatest(subject: string): Promise<RegisteredSchema>;
  getVersion(subject: string, version: number): Promise<RegisteredSchema>;
  /** The version of `schema` in `subject` if it is registered there, else undefined. */
  lookup(subject: string, schema: SchemaInput): Promise<RegisteredSchema | undefined>;
  listSubjects(): Promise<string[]>;
  listVersions(subject: string): Promise<number[]>;
  /**
   * Checks `schema` against the subject under its compatibility level: without `version`,
   * against what registering it would check (the latest version, or every version for the
   * `_TRANSITIVE` levels; compatible when the subject has none); with `version`, against that
   * one version only (FD_SUBJECT_NOT_FOUND / FD_VERSION_NOT_FOUND if it does not exist).
   */
  checkCompatibility(subject: string, schema: SchemaInput, version?: number | 'latest'): Promise<CompatibilityResult>;
  /** The subject's level, or the global one if the subject has none (or no subject is given). */
  getCompatibility(subject?: string): Promise<CompatibilityLevel>;
  setCompatibility(level: CompatibilityLevel, subject?: string): Promise<void>;
  close(): Promise<void>;
}

/** Confluent's `deleted=true` reads: soft-deleted versions are found too. */
export interface DeletedLookup {
  deleted?: boolean;
}

/** Confluent's `deleted` / `deletedOnly` listings: soft-deleted subjects or versions too, or only them (`deletedOnly` wins). */
export interface DeletedListing extends DeletedLookup {
  deletedOnly?: boolean;
}

/** A version of a subject, as Confluent's `/schemas/ids/{id}/versions` lists the uses of an id. */
export interface SubjectVersion {
  subject: string;
  version: number;
}

export interface DeleteOptions {
  /** false (default): soft delete, the version is hidden but its id still resolves; true: remove a soft-deleted one for good. */
  permanent?: boolean;
}

/**
 * A registry that also offers the administration of the Confluent REST API: what
 * `src/serve/registry-routes.ts` needs beyond `SchemaRegistry`. The embedded registry
 * implements it; a proxy to a remote registry could too.
 */
export interface AdminSchemaRegistry extends SchemaRegistry {
  /** The subject's own level, or undefined when it follows the global one (the REST API answers 40408 then). */
  getOwnCompatibility(subject: string): Promise<CompatibilityLevel | undefined>;
  /** Removes the subject's own level, so it follows the global one; resolves to the level it had. */
  deleteCompatibility(subject: string): Promise<CompatibilityLevel | undefined>;
  /** Soft-deletes every live version of a subject (or, `permanent`, removes the soft-deleted ones); resolves to the versions. */
  deleteSubject(subject: string, options?: DeleteOptions): Promise<number[]>;
  /** Soft-deletes a version (or, `permanent`, removes a soft-deleted one); resolves to its number. */
  deleteVersion(subject: string, version: number | 'latest', options?: DeleteOptions): Promise<number>;
  // The reads of the REST API with Confluent's `deleted` flags (without them, as in SchemaRegistry).
  /** Subjects with a live version; with `deleted`, fully soft-deleted ones too; with `deletedOnly`, only those. */
  listSubjects(options?: DeletedListing): Promise<string[]>;
  /** FD_SUBJECT_NOT_FOUND when the subject has no version the flags admit. */
  listVersions(subject: string, options?: DeletedListing): Promise<number[]>;
  getVersion(subject: string, version: number, options?: DeletedLookup): Promise<RegisteredSchema>;
  lookup(subject: string, schema: SchemaInput, options?: DeletedLookup): Promise<RegisteredSchema | undefined>;
  /** The subject versions registered with a global id (soft-deleted ones with `deleted`); FD_SCHEMA_NOT_FOUND for an unknown id. */
  versionsOfId(id: number, options?: DeletedLookup): Promise<SubjectVersion[]>;
}

export const valueSubject = (topic: string): string => `${topic}-value`;
export const keySubject = (topic: string): string => `${topic}-key`;
