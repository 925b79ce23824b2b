/**
 * Who may call the server, checked on every request before its route runs (a fastify
 * onRequest hook, so no route can forget it):
 *
 * 1. The Host header names this server: localhost, 127.0.0.1, [::1], the interface it
 *    listens on, or a name of `server.allowedHosts`. A page that DNS rebinding pointed at
 *    127.0.0.1 comes with its own name and is refused (403).
 * 2. A state-changing request (anything but GET/HEAD/OPTIONS) and the /ws upgrade, when a
 *    browser sends an Origin, come from this server's own pages or from an origin of
 *    `server.allowedOrigins` (403 otherwise): another site's page cannot post silences or
 *    read the live outputs through a visitor's browser.
 * 3. With `server.tokens`, a known token of a scope the route allows (scopes.ts): from
 *    `Authorization: Bearer <token>`, or from the session cookie a page gets by posting
 *    its token to /api/session (pages take it once from `#token=` in their URL). 401
 *    without one, 403 with a scope too small. Without tokens the server is open to whoever
 *    passes 1 and 2 (the process says so at start; beyond loopback it refuses to start
 *    unless `server.open`).
 *
 * The token holder's name (never the token) is on the request for the access log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Scope, allows, scopeOf } from './scopes.js';
import type { TokenHolder, TokenTable } from './tokens.js';

export const SESSION_COOKIE = 'fastdata_session';
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

export interface GuardOptions {
  tokens: TokenTable;
  /** The interface the server listens on (server.host). */
  listenHost: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  /** The session cookie is Secure (HTTPS). */
  secure: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request's token belongs to, when the server has tokens. */
    tokenHolder?: TokenHolder;
  }
}

export function installGuard(app: FastifyInstance, options: GuardOptions): void {
  const hosts = new Set([...LOOPBACK_NAMES, ...options.allowedHosts.map((h) => h.toLowerCase())]);
  if (!WILDCARDS.has(options.listenHost)) hosts.add(options.listenHost.toLowerCase());
  // Listening on every interface with no names given: the names it is reached by are not known, so any is taken.
  const anyHost = WILDCARDS.has(options.listenHost) && options.allowedHosts.length === 0;
  const origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));

  app.addHook('onRequest', async (request, reply) => {
    // A refused WebSocket upgrade keeps no socket open: the answer is the last thing on it.
    if (request.headers.upgrade !== undefined) reply.raw.once('finish', () => (reply.statusCode >= 400 ? request.raw.socket.destroy() : undefined));
    const host = (request.headers.host ?? '').toLowerCase();
    if (!anyHost && !hosts.has(hostName(host))) {
      return refuse(reply, 403, 'FD_FORBIDDEN', `this server does not answer to the host name ${JSON.stringify(hostName(host))}; add it to server.allowedHosts if it is this server's`);
    }
    const path = request.url.split('?', 1)[0]!;
    const scope = scopeOf(request.method, path);
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(request.method) || path === '/ws';
    const origin = request.headers.origin;
    if (changes && origin !== undefined && !sameOrigin(origin, host) && !origins.has(origin.toLowerCase())) {
      return refuse(reply, 403, 'FD_FORBIDDEN', `requests from pages of ${origin} are refused; add it to server.allowedOrigins if that site may call this server`);
    }
    if (options.tokens.size === 0 || scope === 'public') return;
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const token = bearer ?? cookie(request, SESSION_COOKIE);
    const holder = token === undefined ? undefined : options.tokens.holder(token);
    if (holder === undefined) {
      reply.header('www-authenticate', 'Bearer realm="fastdata"');
      return refuse(reply, 401, 'FD_UNAUTHENTICATED', token === undefined ? 'this server needs a token: send Authorization: Bearer <token> (a page: open it with #token=<token>)' : 'the token is not one of this server\'s (server.tokens)');
    }
    request.tokenHolder = holder;
    const needs: Scope = scope === 'session' ? 'read' : scope;
    if (!allows(holder.scope, needs)) return refuse(reply, 403, 'FD_FORBIDDEN', `${request.method} ${path} needs a token of scope ${needs}; ${holder.name}'s is ${holder.scope}`);
  });

  // A page trades the token of its #token= fragment for a cookie, so its fetches and its WebSocket carry it.
  app.post('/api/session', async (request, reply) => {
    if (options.tokens.size === 0) return reply.code(204).send();
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer === undefined) return refuse(reply, 400, 'FD_ARGUMENT_INVALID', 'post the token as Authorization: Bearer <token>');
    const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(options.secure ? ['Secure'] : [])];
    return reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(bearer)}; ${attributes.join('; ')}`).code(204).send();
  });
  // Who the page's viewer is and what their token may do: the dashboard shows write actions (acknowledge) only to those who may.
  app.get('/api/session', async (request) =>
    options.tokens.size === 0 ? { name: null, scope: 'admin', open: true } : { name: request.tokenHolder?.name ?? null, scope: request.tokenHolder?.scope ?? null, open: false },
  );
  app.delete('/api/session', async (_request, reply) => reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`).code(204).send());
}

function refuse(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** `host:port` or `[v6]:port` without the port. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host;
  } catch {
    return false;
  }
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
