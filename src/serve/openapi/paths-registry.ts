/**
 * The embedded schema registry under /registry: Confluent's Schema Registry REST API
 * (registry-routes.ts). Its operations are made from the routes' own TypeBox schemas
 * (from-route-schema.ts), so the parameters and bodies are what the routes validate; the
 * summaries are written here (registry-routes.ts is another change's area), and
 * Confluent's reference is linked for the rest. Errors are Confluent's
 * `{ error_code, message }`, not the API's.
 */
import type { RegisteredRoute } from './route-collector.js';
import { fromRouteSchema } from './from-route-schema.js';
import { type Json, type Operation } from './common.js';

export const CONFLUENT_API_DOCS = { description: "Confluent's Schema Registry API reference", url: 'https://docs.confluent.io/platform/current/schema-registry/develop/api.html' };
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export const CONFLUENT_ERROR_SCHEMA = {
  type: 'object',
  required: ['error_code', 'message'],
  properties: { error_code: { type: 'integer', description: "Confluent's code: 40401 subject not found, 40402 version not found, 40403 schema not found, 409 incompatible, 42201 invalid schema, 42206 in use, ..." }, message: { type: 'string' } },
};

const SUMMARIES: Record<string, string> = {
  'GET /registry': 'The registry answers (an empty object)',
  'GET /registry/schemas/types': 'Schema types served: AVRO',
  'GET /registry/schemas/ids/{id}': 'A schema by its id',
  'GET /registry/schemas/ids/{id}/schema': "A schema by its id, as the schema text's JSON",
  'GET /registry/schemas/ids/{id}/versions': 'The subject-versions that use a schema id',
  'GET /registry/schemas/ids/{id}/subjects': 'The subjects that use a schema id',
  'GET /registry/subjects': 'Subjects (?deleted, ?deletedOnly, ?subjectPrefix, paging)',
  'GET /registry/subjects/{subject}/versions': "A subject's versions",
  'GET /registry/subjects/{subject}/versions/{version}': 'One version of a subject (a number, latest or -1)',
  'GET /registry/subjects/{subject}/versions/{version}/schema': 'The schema text of one version',
  'GET /registry/subjects/{subject}/versions/{version}/referencedby': 'Schema ids that reference this version (none: references are not supported)',
  'POST /registry/subjects/{subject}/versions': 'Register a schema under a subject (scope admin)',
  'POST /registry/subjects/{subject}': 'Look up a schema under a subject',
  'DELETE /registry/subjects/{subject}': 'Delete a subject, soft or ?permanent=true (scope admin; refused, 42206, for a subject a running output uses)',
  'DELETE /registry/subjects/{subject}/versions/{version}': 'Delete a version, soft or ?permanent=true (scope admin)',
  'POST /registry/compatibility/subjects/{subject}/versions/{version}': 'Is a schema compatible with a version?',
  'POST /registry/compatibility/subjects/{subject}/versions': 'Is a schema compatible with the versions its level checks?',
  'GET /registry/config': 'The global compatibility level',
  'PUT /registry/config': 'Set the global compatibility level (scope admin)',
  'GET /registry/config/{subject}': "A subject's compatibility level (?defaultToGlobal)",
  'PUT /registry/config/{subject}': "Set a subject's compatibility level (scope admin)",
  'DELETE /registry/config/{subject}': "Remove a subject's level: it follows the global one (scope admin)",
  'GET /registry/mode': 'The global mode',
  'PUT /registry/mode': 'Set the global mode (scope admin)',
  'GET /registry/mode/{subject}': "A subject's mode",
  'PUT /registry/mode/{subject}': "Set a subject's mode (scope admin)",
  'DELETE /registry/mode/{subject}': "Remove a subject's mode (scope admin)",
};

const confluentError = (description: string) => ({ description, content: { [CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ConfluentError' } } } });

export const isRegistryPath = (path: string) => path === '/registry' || path.startsWith('/registry/');

/** A registry route's operation: parameters and body from its schema, Confluent's answers. */
export function registryOperation(method: string, path: string, route: RegisteredRoute): Operation {
  const { parameters, requestBody } = fromRouteSchema(route.schema, ['application/json', CONTENT_TYPE]);
  const responses: Json = {
    '200': { description: "Confluent's answer", content: { [CONTENT_TYPE]: { schema: {} }, 'application/json': { schema: {} } } },
    '404': confluentError('subject, version or schema not found'),
    '422': confluentError('invalid input: the message names the field'),
  };
  if (method !== 'GET') responses['409'] = confluentError('incompatible schema, or a delete refused');
  return {
    tags: ['registry'],
    summary: SUMMARIES[`${method} ${path}`] ?? `Confluent Schema Registry API: ${method} ${path.slice('/registry'.length) || '/'}`,
    externalDocs: CONFLUENT_API_DOCS,
    ...(parameters ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}
