/**
 * What a request needs: the scope of the route it calls. Scopes nest: an `admin` token may
 * do what a `write` token may, and a `write` token what a `read` token may.
 *
 *   public  the pages' HTML and scripts (they hold no data; their API calls need a token),
 *           CORS preflights (OPTIONS), and /api/session, which turns a token into a cookie
 *   read    GET of /api/* (outputs, dashboards, catalog, alerts, status), /ws, /metrics,
 *           the registry's reads (and its lookups and compatibility checks, which POST)
 *   write   the other methods under /api/: ingest, silences, acknowledgements
 *   admin   registry writes and deletes, the modules' source code, and replays (POST /api/replay runs the project's code)
 */
export type Scope = 'read' | 'write' | 'admin';
export type RouteScope = Scope | 'public' | 'session';

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

/** Whether a token of scope `has` may call a route that needs `needs`. */
export function allows(has: Scope, needs: Scope): boolean {
  return RANK[has] >= RANK[needs];
}

const PUBLIC_PAGES = /^\/(?:|catalog|dashboards\/[^/]+|api\/docs(?:\/[^/]+)?|favicon\.ico)$/;
const REGISTRY_READ_POST = /^\/registry\/(?:subjects\/[^/]+|compatibility\/.*)$/;
const MODULE_CODE = /^\/api\/catalog\/modules\/[^/]+\/code$/;

/** The scope `method` on `path` (no query string) needs. */
export function scopeOf(method: string, path: string): RouteScope {
  const reads = method === 'GET' || method === 'HEAD';
  if (path === '/api/session') return 'session';
  // A CORS preflight carries no token by the browser's rules; it only asks, and the answer (@fastify/cors) grants allowed origins only.
  if (method === 'OPTIONS') return 'public';
  if (reads && (PUBLIC_PAGES.test(path) || path.startsWith('/web/'))) return 'public';
  if (path === '/registry' || path.startsWith('/registry/')) {
    if (reads || (method === 'POST' && REGISTRY_READ_POST.test(path) && !path.endsWith('/versions'))) return 'read';
    return 'admin';
  }
  if (path === '/api/replay') return 'admin';
  if (reads) return MODULE_CODE.test(path) ? 'admin' : 'read';
  if (path.startsWith('/api/')) return 'write';
  return 'admin';
}
