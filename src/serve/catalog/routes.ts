/**
 * The catalog, as a fastify plugin:
 *
 *   GET /api/catalog                              topics, modules, rules, dashboards, sinks, schemas, lineage, problems
 *   GET /api/catalog/lineage                      the lineage graph: nodes and edges
 *   GET /api/catalog/outputs/:topic/provenance    how an output was made (module, inputs, schema versions, code version)
 *   GET /api/catalog/topics/:topic/profile        counts, rate, last record, per-field stats, decode failures (?limit=1..10000)
 *   GET /api/catalog/schemas/:subject             every version of a subject with field changes between consecutive ones
 *   GET /api/catalog/modules/:name/code           a module's source file, as text
 *   GET /catalog                                  the page (dist/web/catalog.js draws it)
 *
 * Errors are the API's usual `{ error: { code, message, field } }` (api-errors.ts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { buildCatalog } from '../../catalog/build-catalog.js';
import { buildLineage } from '../../catalog/lineage.js';
import type { CatalogProject } from '../../catalog/project.js';
import { provenance } from '../../catalog/provenance.js';
import { schemaHistory } from '../../catalog/schema-history.js';
import { DEFAULT_SAMPLE_LIMIT, profileTopic } from '../../catalog/topic-profile.js';
import type { TopicProfile } from '../../catalog/types.js';
import { FastdataError } from '../../errors.js';
import { validateTopicName } from '../../log/validate.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { SchemaRegistry } from '../../schema/types.js';
import { parseLimit } from '../access/query-params.js';
import { apiErrorHandler } from '../api-errors.js';
import { catalogPage } from './page.js';
import { projectSource, type RunningOutputs } from './project-sources.js';

export interface CatalogRoutesOptions {
  /** The access layer: the log, the running outputs, and the serde that decodes records for profiles. */
  access: RunningOutputs & { readonly serde: AvroSerde };
  root: string;
  registry: SchemaRegistry;
  /** The project as plain data, instead of reading files (tests). */
  project?: () => Promise<CatalogProject>;
  /** Where the bundled page is; dist/web/ of this package by default. */
  webDir?: string;
  /** How long a topic's profile is reused. Default 10 s: profiling reads up to `limit` records. */
  profileTtlMs?: number;
}

// Three levels up from src/serve/catalog/ (tests, tsx) and from dist/serve/catalog/ alike.
const PACKAGE_WEB = fileURLToPath(new URL('../../../dist/web/', import.meta.url));
const MAX_PROFILE_LIMIT = 10_000;
const MAX_CACHED_PROFILES = 200;


export const catalogRoutes: FastifyPluginAsync<CatalogRoutesOptions> = async (app, options) => {
  app.setErrorHandler(apiErrorHandler);
  const project = options.project ?? projectSource({ access: options.access, root: options.root, registry: options.registry });
  const webDir = options.webDir ?? PACKAGE_WEB;
  const ttl = options.profileTtlMs ?? 10_000;
  const profiles = new Map<string, { at: number; profile: Promise<TopicProfile> }>();

  app.get('/api/catalog', async () => buildCatalog(await project(), options.registry));
  app.get('/api/catalog/lineage', async () => buildLineage(await project()));

  app.get<{ Params: { topic: string } }>('/api/catalog/outputs/:topic/provenance', async (request) => {
    validateTopicName(request.params.topic);
    return provenance(await project(), options.registry, request.params.topic);
  });

  app.get<{ Params: { topic: string }; Querystring: { limit?: string | string[] } }>('/api/catalog/topics/:topic/profile', async (request) => {
    const { topic } = request.params;
    validateTopicName(topic);
    const limit = parseLimit('limit', request.query.limit, DEFAULT_SAMPLE_LIMIT, MAX_PROFILE_LIMIT);
    const key = `${topic}\u0000${limit}`;
    const cached = profiles.get(key);
    if (cached && Date.now() - cached.at < ttl) return cached.profile;
    const profile = profileTopic(options.access.log, (value) => options.access.serde.decode(value), topic, { limit });
    if (profiles.size >= MAX_CACHED_PROFILES) profiles.clear(); // bounded: a crawler asking every limit cannot grow it
    profiles.set(key, { at: Date.now(), profile });
    profile.catch(() => profiles.delete(key));
    return profile;
  });

  app.get<{ Params: { subject: string } }>('/api/catalog/schemas/:subject', async (request) => schemaHistory(options.registry, request.params.subject));

  app.get<{ Params: { name: string } }>('/api/catalog/modules/:name/code', async (request, reply) => {
    const { modules } = await project();
    const module = modules.find((m) => m.name === request.params.name);
    if (!module?.file) {
      const known = modules.filter((m) => m.file).map((m) => m.name).join(', ') || '(none)';
      return reply.code(404).send({
        error: { code: 'FD_ARGUMENT_INVALID', message: `no module ${JSON.stringify(request.params.name)} with a source file; the modules with files are ${known}`, field: 'name' },
      });
    }
    // Only the files the module loader found are served, never a path from the request.
    return reply.type('text/plain; charset=utf-8').send(await readFile(module.file, 'utf8'));
  });

  app.get('/catalog', async (_request, reply) => reply.type('text/html; charset=utf-8').send(catalogPage(existsSync(join(webDir, 'catalog.js')))));
};
