/**
 * The Confluent Schema Registry REST API over a fastdata registry, so any Confluent
 * client (`@kafkajs/confluent-schema-registry`, Java serializers, Kafka Connect) can use
 * the embedded registry unchanged:
 *
 *   app.register(registryRoutes, { registry, prefix: '/registry' })
 *
 * The plugin is encapsulated: its content-type parsers (Confluent's
 * `application/vnd.schemaregistry.v1+json`, and JSON where an empty body is no body), its
 * reading of query booleans in any case (registry-params.ts), its error handler (Confluent
 * error bodies `{error_code, message}`) and response content type apply to its routes only.
 *
 * Tested with `@kafkajs/confluent-schema-registry` (test/unit/schema/confluent-client.test.ts)
 * and Confluent's Python client, `confluent-kafka` (test/integration/registry-python-client.test.ts).
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type as T, type Static } from '@sinclair/typebox';
import { FastdataError, isFastdataError, errorMessage } from '../errors.js';
import { COMPATIBILITY_LEVELS, type AdminSchemaRegistry, type CompatibilityLevel } from '../schema/types.js';
import { Flag, installJsonParsers, installQueryFlags, page, Paging } from './registry-params.js';

export interface RegistryRoutesOptions {
  registry: AdminSchemaRegistry;
  /**
   * What uses a subject, if anything (`the output sensor.stats of module sensor-stats`):
   * deletes of a subject in use, or of any of its versions, soft or permanent, are refused
   * (422, 42206) rather than leaving a running output without its schema. See
   * `outputSubjectsInUse` for the outputs of an access layer.
   */
  inUse?: (subject: string) => Promise<string | undefined>;
}

/** `inUse` for registryRoutes: the subjects of the access layer's outputs (modules and the alert topic) are in use. */
export function outputSubjectsInUse(access: { outputs(): Promise<{ topic: string; module: string; subject: string }[]> }): (subject: string) => Promise<string | undefined> {
  return async (subject) => {
    const output = (await access.outputs()).find((o) => o.subject === subject);
    return output === undefined ? undefined : `the output ${output.topic} of module ${output.module}`;
  };
}

export const CONFLUENT_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const REQUEST_CONTENT_TYPES = [CONFLUENT_CONTENT_TYPE, 'application/vnd.schemaregistry+json'];
const MAX_VERSION = 0x7fffffff;

/** Confluent's error codes, by what went wrong. */
export const CONFLUENT_ERROR = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  VERSION_SOFT_DELETED: 40406,
  VERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED: 40408,
  SUBJECT_LEVEL_MODE_NOT_CONFIGURED: 40409,
  INCOMPATIBLE_SCHEMA: 409,
  UNPROCESSABLE_ENTITY: 422,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  INVALID_MODE: 42204,
  OPERATION_NOT_PERMITTED: 42205,
  /** Confluent's "references exist": here, a delete of a subject a running output uses. */
  REFERENCE_EXISTS: 42206,
  STORE_ERROR: 50001,
} as const;

// ---- request schemas (validated by fastify's ajv) ----

const SubjectParams = T.Object({ subject: T.String({ minLength: 1 }) });
const VersionParams = T.Object({ subject: T.String({ minLength: 1 }), version: T.String({ minLength: 1 }) });
const IdParams = T.Object({ id: T.Integer({ minimum: 0, maximum: MAX_VERSION }) });

const SchemaBody = T.Object(
  {
    schema: T.String({ minLength: 1 }),
    schemaType: T.Optional(T.String()),
    references: T.Optional(T.Array(T.Object({ name: T.String(), subject: T.String(), version: T.Integer() }))),
    /** Accepted and ignored: schemas are always normalized here. */
    normalize: T.Optional(T.Boolean()),
    /** Confluent data contracts: not supported, accepted only when empty. */
    metadata: T.Optional(T.Null()),
    ruleSet: T.Optional(T.Null()),
  },
  { additionalProperties: false },
);
const ConfigBody = T.Object({ compatibility: T.String() }, { additionalProperties: false });
const ModeBody = T.Object({ mode: T.String() }, { additionalProperties: false });

// Query parameters as Confluent's resources declare them; `normalize` is accepted and has
// no effect (schemas are always stored in canonical form here), `format` is not declared
// (Avro has only the one format), and undeclared parameters are ignored, as Confluent does.
const CompatibilityQuery = T.Object({ verbose: Flag, normalize: Flag });
const DefaultToGlobalQuery = T.Object({ defaultToGlobal: Flag });
const PermanentQuery = T.Object({ permanent: Flag });
const RegisterQuery = T.Object({ normalize: Flag, force: Flag });
const LookupQuery = T.Object({ deleted: Flag, normalize: Flag });
const DeletedQuery = T.Object({ deleted: Flag });
const SubjectsQuery = T.Object({ deleted: Flag, deletedOnly: Flag, subjectPrefix: T.Optional(T.String()), ...Paging });
const VersionsQuery = T.Object({ deleted: Flag, deletedOnly: Flag, deletedAsNegative: Flag, ...Paging });
const ReferencedByQuery = T.Object({ deleted: Flag, ...Paging });
const IdUsesQuery = T.Object({ subject: T.Optional(T.String()), deleted: Flag, ...Paging });
const ModeUpdateQuery = T.Object({ force: Flag });
/** Confluent's prefix for "every subject" (its context wildcard). */
const ALL_SUBJECTS = ':*:';
const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

type SchemaBody = Static<typeof SchemaBody>;

// ---- helpers ----

/** A version path segment: a number in [1, 2^31-1], or `latest` (or -1, Confluent's alias for it). */
function parseVersion(raw: string): number | 'latest' {
  if (raw === 'latest' || raw === '-1') return 'latest';
  const version = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
    throw new FastdataError(
      'FD_ARGUMENT_INVALID',
      `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
      { context: { field: 'version' } },
    );
  }
  return version;
}

function parseLevel(raw: string): CompatibilityLevel {
  const upper = raw.toUpperCase();
  const level = COMPATIBILITY_LEVELS.find((candidate) => candidate === upper);
  if (level === undefined) {
    throw new FastdataError('FD_COMPATIBILITY_INVALID', `Invalid compatibility level '${raw}': use one of ${COMPATIBILITY_LEVELS.join(', ')}`, {
      context: { field: 'compatibility' },
    });
  }
  return level;
}

/** Only Avro, without references: what the embedded registry stores. */
function checkSchemaBody(body: SchemaBody): string {
  if (body.schemaType !== undefined && body.schemaType.toUpperCase() !== 'AVRO') {
    throw new FastdataError('FD_SCHEMA_INVALID', `schemaType ${body.schemaType} is not supported: this registry serves AVRO schemas only`, {
      context: { field: 'schemaType' },
    });
  }
  if (body.references !== undefined && body.references.length > 0) {
    throw new FastdataError('FD_SCHEMA_INVALID', 'schema references are not supported: inline the referenced types in the schema', {
      context: { field: 'references' },
    });
  }
  return body.schema;
}

interface ConfluentError {
  status: number;
  body: { error_code: number; message: string };
}

function deleteRefusal(error: FastdataError): number {
  const versioned = error.context.version !== undefined;
  if (error.context.reason === 'soft-deleted') return versioned ? CONFLUENT_ERROR.VERSION_SOFT_DELETED : CONFLUENT_ERROR.SUBJECT_SOFT_DELETED;
  return versioned ? CONFLUENT_ERROR.VERSION_NOT_SOFT_DELETED : CONFLUENT_ERROR.SUBJECT_NOT_SOFT_DELETED;
}

/** The Confluent status and error body of anything a route threw. */
export function toConfluentError(error: unknown): ConfluentError {
  const of = (status: number, code: number, message: string): ConfluentError => ({ status, body: { error_code: code, message } });
  if (isFastdataError(error)) {
    switch (error.code) {
      case 'FD_SUBJECT_NOT_FOUND':
        return of(404, CONFLUENT_ERROR.SUBJECT_NOT_FOUND, error.message);
      case 'FD_VERSION_NOT_FOUND':
        return of(404, CONFLUENT_ERROR.VERSION_NOT_FOUND, error.message);
      case 'FD_SCHEMA_NOT_FOUND':
        return of(404, CONFLUENT_ERROR.SCHEMA_NOT_FOUND, error.message);
      case 'FD_SCHEMA_DELETE_REFUSED':
        if (error.context.reason === 'in-use') return of(422, CONFLUENT_ERROR.REFERENCE_EXISTS, error.message);
        return of(404, deleteRefusal(error), error.message);
      case 'FD_SCHEMA_INCOMPATIBLE':
        return of(409, CONFLUENT_ERROR.INCOMPATIBLE_SCHEMA, error.message);
      case 'FD_SCHEMA_INVALID':
        return of(422, CONFLUENT_ERROR.INVALID_SCHEMA, error.message);
      case 'FD_COMPATIBILITY_INVALID':
        return of(422, CONFLUENT_ERROR.INVALID_COMPATIBILITY_LEVEL, error.message);
      case 'FD_ARGUMENT_INVALID':
        if (error.context.field === 'version') return of(422, CONFLUENT_ERROR.INVALID_VERSION, error.message);
        if (error.context.field === 'mode') return of(422, error.context.reason === 'fixed' ? CONFLUENT_ERROR.OPERATION_NOT_PERMITTED : CONFLUENT_ERROR.INVALID_MODE, error.message);
        return of(422, CONFLUENT_ERROR.UNPROCESSABLE_ENTITY, error.message);
      case 'FD_REGISTRY_READ_ONLY':
        return of(422, CONFLUENT_ERROR.OPERATION_NOT_PERMITTED, error.message);
      default:
        return of(500, CONFLUENT_ERROR.STORE_ERROR, error.message);
    }
  }
  const fastifyError = error as Partial<FastifyError> | undefined;
  if (fastifyError?.validation !== undefined) {
    // Request validation: the message names the part and the field (`body/schema must be string`).
    return of(422, CONFLUENT_ERROR.UNPROCESSABLE_ENTITY, errorMessage(error));
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return of(status, status, errorMessage(error));
  return of(500, CONFLUENT_ERROR.STORE_ERROR, `internal error: ${errorMessage(error)}`);
}

function subjectLevelNotSet(reply: FastifyReply, subject: string): FastifyReply {
  return reply.code(404).send({
    error_code: CONFLUENT_ERROR.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
    message: `Subject '${subject}' does not have subject-level compatibility configured (it follows the global level; ask with ?defaultToGlobal=true)`,
  });
}

// ---- the plugin ----

export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (app, options) => {
  const registry = options.registry;

  installJsonParsers(app, REQUEST_CONTENT_TYPES);
  installQueryFlags(app);

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-type', CONFLUENT_CONTENT_TYPE);
    return payload;
  });

  app.setErrorHandler(async (error, request, reply) => {
    const { status, body } = toConfluentError(error);
    if (status >= 500) request.log.error({ err: error }, 'schema registry request failed');
    return reply.code(status).send(body);
  });

  app.get('/', async () => ({}));

  app.get('/schemas/types', async () => ['AVRO']);

  // `subject` names the subject the id is read for (Confluent uses it to find the id's context); ids are global here.
  app.get<{ Params: Static<typeof IdParams> }>(
    '/schemas/ids/:id',
    { schema: { params: IdParams, querystring: T.Object({ subject: T.Optional(T.String()) }) } },
    async (request) => ({ schema: await registry.getSchemaById(request.params.id) }),
  );

  app.get<{ Params: Static<typeof IdParams> }>('/schemas/ids/:id/schema', { schema: { params: IdParams } }, async (request, reply) =>
    reply.send(await registry.getSchemaById(request.params.id)),
  );

  const usesOfId = async (id: number, query: Static<typeof IdUsesQuery>) => {
    const uses = await registry.versionsOfId(id, { deleted: query.deleted === true });
    return query.subject === undefined || query.subject === '' ? uses : uses.filter((use) => use.subject === query.subject);
  };

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof IdUsesQuery> }>(
    '/schemas/ids/:id/versions',
    { schema: { params: IdParams, querystring: IdUsesQuery } },
    async (request) => page(await usesOfId(request.params.id, request.query), request.query),
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof IdUsesQuery> }>(
    '/schemas/ids/:id/subjects',
    { schema: { params: IdParams, querystring: IdUsesQuery } },
    async (request) => page([...new Set((await usesOfId(request.params.id, request.query)).map((use) => use.subject))], request.query),
  );

  app.get<{ Querystring: Static<typeof SubjectsQuery> }>('/subjects', { schema: { querystring: SubjectsQuery } }, async (request) => {
    const { deleted, deletedOnly, subjectPrefix } = request.query;
    const subjects = await registry.listSubjects({ deleted: deleted === true, deletedOnly: deletedOnly === true });
    const prefix = subjectPrefix === undefined || subjectPrefix === ALL_SUBJECTS ? '' : subjectPrefix;
    return page(
      subjects.filter((subject) => subject.startsWith(prefix)),
      request.query,
    );
  });

  app.get<{ Params: Static<typeof SubjectParams>; Querystring: Static<typeof VersionsQuery> }>(
    '/subjects/:subject/versions',
    { schema: { params: SubjectParams, querystring: VersionsQuery } },
    async (request) => {
      const { subject } = request.params;
      const { deleted, deletedOnly, deletedAsNegative } = request.query;
      let versions: number[];
      if (deletedAsNegative === true) {
        // Every version, the soft-deleted ones as negative numbers.
        const all = await registry.listVersions(subject, { deleted: true });
        const live = new Set(await registry.listVersions(subject).catch(() => []));
        versions = all.map((version) => (live.has(version) ? version : -version));
      } else {
        versions = await registry.listVersions(subject, { deleted: deleted === true, deletedOnly: deletedOnly === true });
      }
      return page(versions, request.query);
    },
  );

  /** A version path segment read with Confluent's `deleted`: `latest` is always the latest live version, as in Confluent. */
  const versionOf = async (subject: string, raw: string, deleted = false) => {
    const version = parseVersion(raw);
    return version === 'latest' ? registry.getLatest(subject) : registry.getVersion(subject, version, { deleted });
  };

  app.get<{ Params: Static<typeof VersionParams>; Querystring: Static<typeof DeletedQuery> }>(
    '/subjects/:subject/versions/:version',
    { schema: { params: VersionParams, querystring: DeletedQuery } },
    async (request) => {
      const { subject, version, id, schema } = await versionOf(request.params.subject, request.params.version, request.query.deleted === true);
      return { subject, version, id, schema };
    },
  );

  app.get<{ Params: Static<typeof VersionParams>; Querystring: Static<typeof DeletedQuery> }>(
    '/subjects/:subject/versions/:version/schema',
    { schema: { params: VersionParams, querystring: DeletedQuery } },
    async (request, reply) => {
      const registered = await versionOf(request.params.subject, request.params.version, request.query.deleted === true);
      return reply.send(registered.schema);
    },
  );

  // Schema references are not supported, so no schema refers to another: the version must exist (deleted or not, as in Confluent).
  app.get<{ Params: Static<typeof VersionParams>; Querystring: Static<typeof ReferencedByQuery> }>(
    '/subjects/:subject/versions/:version/referencedby',
    { schema: { params: VersionParams, querystring: ReferencedByQuery } },
    async (request) => {
      await versionOf(request.params.subject, request.params.version, true);
      return [];
    },
  );

  app.post<{ Params: Static<typeof SubjectParams>; Body: SchemaBody; Querystring: Static<typeof RegisterQuery> }>(
    '/subjects/:subject/versions',
    { schema: { params: SubjectParams, body: SchemaBody, querystring: RegisterQuery } },
    async (request) => {
      const registered = await registry.register(request.params.subject, checkSchemaBody(request.body));
      return { id: registered.id };
    },
  );

  app.post<{ Params: Static<typeof SubjectParams>; Body: SchemaBody; Querystring: Static<typeof LookupQuery> }>(
    '/subjects/:subject',
    { schema: { params: SubjectParams, body: SchemaBody, querystring: LookupQuery } },
    async (request) => {
      const { subject } = request.params;
      const deleted = request.query.deleted === true;
      const found = await registry.lookup(subject, checkSchemaBody(request.body), { deleted });
      if (found === undefined) {
        await registry.listVersions(subject, { deleted }); // FD_SUBJECT_NOT_FOUND (40401) when the subject itself is unknown
        throw new FastdataError('FD_SCHEMA_NOT_FOUND', `Schema not found under subject "${subject}"`, { context: { subject } });
      }
      return { subject: found.subject, id: found.id, version: found.version, schema: found.schema };
    },
  );

  /** Refuses a delete under a subject that a running output uses (FD_SCHEMA_DELETE_REFUSED, reason in-use). */
  const refuseInUse = async (subject: string, what: string) => {
    const user = await options.inUse?.(subject);
    if (user === undefined) return;
    throw new FastdataError(
      'FD_SCHEMA_DELETE_REFUSED',
      `${what} is in use by ${user}: deleting it would leave the output without its schema (its records could no longer be decoded or served); stop the module and remove the output first`,
      { context: { subject, reason: 'in-use', usedBy: user } },
    );
  };

  app.delete<{ Params: Static<typeof SubjectParams>; Querystring: Static<typeof PermanentQuery> }>(
    '/subjects/:subject',
    { schema: { params: SubjectParams, querystring: PermanentQuery } },
    async (request) => {
      await refuseInUse(request.params.subject, `subject "${request.params.subject}"`);
      return registry.deleteSubject(request.params.subject, { permanent: request.query.permanent === true });
    },
  );

  app.delete<{ Params: Static<typeof VersionParams>; Querystring: Static<typeof PermanentQuery> }>(
    '/subjects/:subject/versions/:version',
    { schema: { params: VersionParams, querystring: PermanentQuery } },
    async (request) => {
      const version = parseVersion(request.params.version);
      await refuseInUse(request.params.subject, `version ${request.params.version} of subject "${request.params.subject}"`);
      return registry.deleteVersion(request.params.subject, version, { permanent: request.query.permanent === true });
    },
  );

  const compatibility = async (subject: string, body: SchemaBody, version: number | 'latest' | undefined, verbose: boolean | undefined) => {
    const result = await registry.checkCompatibility(subject, checkSchemaBody(body), version);
    return verbose === true ? { is_compatible: result.compatible, messages: result.messages } : { is_compatible: result.compatible };
  };

  app.post<{ Params: Static<typeof VersionParams>; Body: SchemaBody; Querystring: Static<typeof CompatibilityQuery> }>(
    '/compatibility/subjects/:subject/versions/:version',
    { schema: { params: VersionParams, body: SchemaBody, querystring: CompatibilityQuery } },
    async (request) => compatibility(request.params.subject, request.body, parseVersion(request.params.version), request.query.verbose),
  );

  app.post<{ Params: Static<typeof SubjectParams>; Body: SchemaBody; Querystring: Static<typeof CompatibilityQuery> }>(
    '/compatibility/subjects/:subject/versions',
    { schema: { params: SubjectParams, body: SchemaBody, querystring: CompatibilityQuery } },
    async (request) => compatibility(request.params.subject, request.body, undefined, request.query.verbose),
  );

  // The global level always has a value here (the default until one is set), so defaultToGlobal changes nothing.
  app.get('/config', { schema: { querystring: DefaultToGlobalQuery } }, async () => ({ compatibilityLevel: await registry.getCompatibility() }));

  app.put<{ Body: Static<typeof ConfigBody> }>('/config', { schema: { body: ConfigBody } }, async (request) => {
    const level = parseLevel(request.body.compatibility);
    await registry.setCompatibility(level);
    return { compatibility: level };
  });

  app.get<{ Params: Static<typeof SubjectParams>; Querystring: Static<typeof DefaultToGlobalQuery> }>(
    '/config/:subject',
    { schema: { params: SubjectParams, querystring: DefaultToGlobalQuery } },
    async (request, reply) => {
      const { subject } = request.params;
      // Confluent answers 40408 when the subject has no level of its own, and clients rely on
      // it: @kafkajs/confluent-schema-registry's register() takes that 404 as "first registration".
      const own = await registry.getOwnCompatibility(subject);
      if (own !== undefined) return { compatibilityLevel: own };
      if (request.query.defaultToGlobal === true) return { compatibilityLevel: await registry.getCompatibility() };
      return subjectLevelNotSet(reply, subject);
    },
  );

  app.put<{ Params: Static<typeof SubjectParams>; Body: Static<typeof ConfigBody> }>(
    '/config/:subject',
    { schema: { params: SubjectParams, body: ConfigBody } },
    async (request) => {
      const level = parseLevel(request.body.compatibility);
      await registry.setCompatibility(level, request.params.subject);
      return { compatibility: level };
    },
  );

  app.delete<{ Params: Static<typeof SubjectParams> }>('/config/:subject', { schema: { params: SubjectParams } }, async (request, reply) => {
    const previous = await registry.deleteCompatibility(request.params.subject);
    if (previous === undefined) return subjectLevelNotSet(reply, request.params.subject);
    return { compatibilityLevel: previous };
  });

  // Modes: one global mode, fixed by how the registry was opened (READONLY for a read-only
  // instance); no subject has a mode of its own. Setting the mode it has is accepted.
  const globalMode = () => ((registry as { readOnly?: boolean }).readOnly === true ? 'READONLY' : 'READWRITE');
  const setMode = (raw: string) => {
    const mode = raw.toUpperCase();
    if (!MODES.includes(mode)) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `Invalid mode '${raw}': use one of ${MODES.join(', ')}`, { context: { field: 'mode' } });
    }
    if (mode !== globalMode()) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `the mode of this registry is ${globalMode()} and cannot be changed to ${mode} over REST (the embedded registry has no import mode)`, {
        context: { field: 'mode', reason: 'fixed' },
      });
    }
    return { mode };
  };

  app.get('/mode', { schema: { querystring: DefaultToGlobalQuery } }, async () => ({ mode: globalMode() }));

  app.put<{ Body: Static<typeof ModeBody> }>('/mode', { schema: { body: ModeBody, querystring: ModeUpdateQuery } }, async (request) => setMode(request.body.mode));

  app.get<{ Params: Static<typeof SubjectParams>; Querystring: Static<typeof DefaultToGlobalQuery> }>(
    '/mode/:subject',
    { schema: { params: SubjectParams, querystring: DefaultToGlobalQuery } },
    async (request, reply) => {
      if (request.query.defaultToGlobal === true) return { mode: globalMode() };
      return reply.code(404).send({
        error_code: CONFLUENT_ERROR.SUBJECT_LEVEL_MODE_NOT_CONFIGURED,
        message: `Subject '${request.params.subject}' does not have subject-level mode configured (it follows the global mode; ask with ?defaultToGlobal=true)`,
      });
    },
  );
};
