/**
 * Every route the server registers, as fastify hands it to an `onRoute` hook: method, URL
 * (with its plugin's prefix) and the route's own JSON schemas (`schema`: params,
 * querystring, body, response). The OpenAPI document is built from this list, so a route
 * is described where it really is, and one added without a description shows up as
 * undocumented (test/unit/serve/openapi-routes.test.ts) instead of silently missing.
 *
 * Install it before the first route: an onRoute hook sees only the routes added after it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** As registered: `/api/outputs/:topic/latest`, `/web/*`. */
  url: string;
  /** The route's schemas (params, querystring, body, response), when it has any. */
  schema?: Record<string, unknown>;
  /** A plugin hid it from documents (`schema.hide`, as @fastify/cors's preflight route). */
  hidden: boolean;
}

export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as (Record<string, unknown> & { hide?: boolean }) | undefined;
    for (const method of [route.method].flat()) {
      // fastify adds a HEAD route beside each GET; it answers as the GET does.
      if (method === 'HEAD' && routes.some((r) => r.method === 'GET' && r.url === route.url)) continue;
      routes.push({ method, url: route.url, ...(schema ? { schema } : {}), hidden: schema?.hide === true });
    }
  });
  return routes;
}

/**
 * An OpenAPI path of a fastify URL: `:name` becomes `{name}`, a trailing `*` (a file
 * under a folder) `{path}`, and a trailing slash goes (`/api/outputs/` is `/api/outputs`).
 */
export function openApiPath(url: string): string {
  const path = url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*$/, '{path}');
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
