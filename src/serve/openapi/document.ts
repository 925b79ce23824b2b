/**
 * The OpenAPI 3.1 document of a server: one operation per route it registered
 * (route-collector.ts), described by the tables of operations.ts, or for the registry
 * from the route's own schemas (paths-registry.ts), each with the security its scope
 * needs (guard/scopes.ts); plus each running output's typed paths (output-paths.ts).
 *
 * A registered route with no description is still listed, marked `x-undocumented`, so
 * the document never hides a route; the test of openapi-routes.test.ts fails on it.
 */
import type { AccessLayer } from '../access/access-layer.js';
import { scopeOf } from '../guard/scopes.js';
import { ERROR_SCHEMA, errors, type Json, SECURITY_SCHEMES } from './common.js';
import { pathNames } from './from-route-schema.js';
import { OPERATIONS } from './operations.js';
import { outputPaths } from './output-paths.js';
import { CONFLUENT_API_DOCS, CONFLUENT_ERROR_SCHEMA, isRegistryPath, registryOperation } from './paths-registry.js';
import { openApiPath, type RegisteredRoute } from './route-collector.js';

const DESCRIPTION = `The HTTP API of a fastdata process: the outputs (REST, and live over WebSocket at /ws), alerts, the catalog, dashboards, ingest, status, metrics, and the embedded schema registry (Confluent's API) under /registry.

**Access.** With \`server.tokens\`, every route but the pages needs a token: \`Authorization: Bearer <token>\`, or the session cookie that POST /api/session sets. Each operation's security names the scope it needs (read < write < admin; a larger scope may do what a smaller one may). Without tokens the server is open to callers that pass its Host and Origin checks. Errors are \`{ "error": { "code", "message", "field" } }\` (the registry: Confluent's \`{ "error_code", "message" }\`).`;

/** A concrete path for scopeOf: each `{name}` as `x`. */
const examplePath = (path: string) => path.replace(/\{[^}]+\}/g, 'x');

function security(method: string, path: string): Json {
  const scope = scopeOf(method, examplePath(path));
  if (scope === 'public') return { security: [], 'x-scope': 'public' };
  // /api/session: any token of this server (read and up); POST turns its bearer token into the cookie.
  if (scope === 'session') return { security: [{ bearerToken: ['read'] }, { sessionCookie: ['read'] }], 'x-scope': 'read' };
  return { security: [{ bearerToken: [scope] }, { sessionCookie: [scope] }], 'x-scope': scope };
}

/** The guard's and the rate limit's answers, which any route may give. */
function guardAnswers(method: string, path: string, responses: Json): Json {
  const scope = scopeOf(method, examplePath(path));
  const extra = scope === 'public' ? errors([403, 'a Host header that does not name this server'], 429) : errors(401, 403, 429);
  if (isRegistryPath(path)) extra['429'] = { description: 'too many requests from this client; Retry-After says when to retry', content: { 'application/json': { schema: { $ref: '#/components/schemas/ConfluentError' } } } };
  return { ...extra, ...responses };
}

/** Path parameters the path has but the operation does not declare (a route without a params schema). */
function withPathParameters(path: string, operation: Json): Json {
  const declared = new Set(((operation.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path').map((p) => p.name));
  const missing = pathNames(path).filter((name) => !declared.has(name));
  if (missing.length === 0) return operation;
  return { ...operation, parameters: [...missing.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })), ...((operation.parameters as Json[] | undefined) ?? [])] };
}

/** The operation of one registered route. */
export function operationOf(route: RegisteredRoute): { path: string; method: string; operation: Json; documented: boolean } {
  const path = openApiPath(route.url);
  const method = route.method.toUpperCase();
  const key = `${method} ${path}`;
  const written = OPERATIONS[key];
  const base: Json = written ? structuredClone(written) : isRegistryPath(path) ? registryOperation(method, path, route) : { summary: `${key} (not described yet)`, tags: ['undocumented'], 'x-undocumented': true, responses: { default: { description: 'not described' } } };
  const operation = withPathParameters(path, { ...base, ...security(method, path), responses: guardAnswers(method, path, base.responses as Json) });
  return { path, method, operation, documented: written !== undefined || isRegistryPath(path) };
}

export async function buildOpenApiDocument(routes: readonly RegisteredRoute[], access?: AccessLayer): Promise<Json> {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    if (route.method === 'HEAD' || route.method === 'OPTIONS') continue;
    // A plugin's hidden route (@fastify/static's /web/*, @fastify/cors's preflight) counts when it is described here.
    if (route.hidden && OPERATIONS[`${route.method} ${openApiPath(route.url)}`] === undefined) continue;
    const { path, method, operation } = operationOf(route);
    (paths[path] ??= {})[method.toLowerCase()] = operation;
  }
  const outputs = access ? await outputPaths(access) : { paths: {}, schemas: {} };
  for (const [path, item] of Object.entries(outputs.paths)) {
    paths[path] = Object.fromEntries(Object.entries(item).map(([method, op]) => [method, { ...(op as Json), ...security(method.toUpperCase(), path), responses: guardAnswers(method.toUpperCase(), path, (op as Json).responses as Json) }]));
  }
  return {
    openapi: '3.1.0',
    info: { title: 'fastdata', version: '1', description: DESCRIPTION },
    tags: [
      { name: 'outputs', description: 'The output topics: REST (latest, by key, range, export) and the WebSocket /ws' },
      { name: 'alerts', description: 'Alert history, acknowledgements, silences, rule and receiver status' },
      { name: 'catalog', description: 'Topics, modules, lineage, provenance, profiles, schema histories' },
      { name: 'dashboards', description: 'Dashboard definitions' },
      { name: 'ingest', description: 'Records into topics' },
      { name: 'status' },
      { name: 'session', description: 'The pages\' session cookie' },
      { name: 'metrics' },
      { name: 'registry', description: "The embedded schema registry: Confluent's REST API", externalDocs: CONFLUENT_API_DOCS },
      { name: 'docs' },
      { name: 'pages', description: 'HTML pages and their scripts (public: they hold no data)' },
    ],
    paths,
    components: { schemas: { Error: ERROR_SCHEMA, ConfluentError: CONFLUENT_ERROR_SCHEMA, ...outputs.schemas }, securitySchemes: SECURITY_SCHEMES },
  };
}
