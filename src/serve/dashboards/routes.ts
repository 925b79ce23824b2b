/**
 * The dashboards, as a fastify plugin:
 *
 *   GET /api/dashboards          every dashboard file: name, title, and its problems (file:line:col field: message)
 *   GET /api/dashboards/:name    the checked definition, a bad panel as an error panel (404 unknown, 422 with its problems when the file as a whole is not valid)
 *   GET /dashboards/:name        the page (dist/web/dashboard.js draws it)
 *   GET /web/*                   the bundled page script and styles, from dist/web/
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { formatProblem } from '../../config/validated-file.js';
import { loadDashboards, type OutputCatalog } from './load.js';
import { dashboardPage, notFoundPage } from './page.js';

export interface DashboardRoutesOptions {
  access: OutputCatalog;
  /** The dashboards folder; `<cwd>/dashboards` by default (the server is not told the project root). */
  dir?: string;
  /** The bundled page; dist/web/ of this package by default. */
  webDir?: string;
}

// Three levels up from src/serve/dashboards/ (tests, tsx) and from dist/serve/dashboards/ alike.
const PACKAGE_WEB = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

type NameParams = { name: string };

export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, options) => {
  const dir = options.dir ?? join(process.cwd(), 'dashboards');
  const webDir = options.webDir ?? PACKAGE_WEB;
  const load = () => loadDashboards(dir, options.access);
  const find = async (name: string) => {
    const entries = await load();
    return { entries, entry: entries.find((e) => e.name === name) };
  };

  app.get('/api/dashboards', async () => ({
    dashboards: (await load()).map((e) => ({
      name: e.name,
      title: e.title,
      file: e.file,
      url: `/dashboards/${encodeURIComponent(e.name)}`,
      // Valid: no problem at all. A file with bad panels still loads (they are error panels): `loads`.
      valid: e.definition !== null && e.problems.length === 0,
      loads: e.definition !== null,
      errors: e.problems.map(formatProblem),
    })),
  }));

  app.get<{ Params: NameParams }>('/api/dashboards/:name', async (request, reply) => {
    const { entries, entry } = await find(request.params.name);
    if (!entry) {
      const known = entries.map((e) => e.name).join(', ') || '(none: add a file to dashboards/)';
      return reply.code(404).send({ error: { code: 'FD_DASHBOARD_NOT_FOUND', message: `no dashboard ${JSON.stringify(request.params.name)}; the dashboards are ${known}`, field: 'name' } });
    }
    if (!entry.definition) {
      return reply.code(422).send({
        error: { code: 'FD_CONFIG_INVALID', message: `${entry.file} is not valid:\n  - ${entry.problems.map(formatProblem).join('\n  - ')}`, field: entry.problems[0]?.field },
        problems: entry.problems,
      });
    }
    return entry.definition;
  });

  app.get<{ Params: NameParams }>('/dashboards/:name', async (request, reply) => {
    const { entries, entry } = await find(request.params.name);
    reply.type('text/html; charset=utf-8');
    if (!entry) return reply.code(404).send(notFoundPage(request.params.name, entries.map((e) => e.name)));
    // An invalid dashboard still gets its page: the script shows the problems where the panels would be.
    return dashboardPage(entry.name, entry.title ?? entry.name, existsSync(join(webDir, 'dashboard.js')));
  });

  // @fastify/static rather than a hand-written file route: content types, ETag and
  // Last-Modified, ranges and path-traversal checks are generic and already well done there.
  await app.register(fastifyStatic, { root: webDir, prefix: '/web/', decorateReply: false, cacheControl: true, maxAge: 0 });
};
