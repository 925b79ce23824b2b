/**
 * The headers a browser needs to keep the pages safe (@fastify/helmet), and CORS for the
 * origins of `server.allowedOrigins` (@fastify/cors).
 *
 * Helmet: a Content-Security-Policy with a fresh nonce per answer for the few inline scripts
 * and styles (the status page, the API docs: `reply.cspNonce`), everything else from this
 * server only ('self', which covers the same-origin WebSocket); no framing by other sites;
 * nosniff; no referrer beyond this origin. HSTS and `upgrade-insecure-requests` only over
 * HTTPS: on plain HTTP they would send a browser to a port that does not speak TLS.
 *
 * CORS: none unless origins are allowed, so by default only this server's own pages may
 * read its answers. An allowed origin may call with `Authorization: Bearer` (the session
 * cookie is SameSite=Strict and never crosses sites); the guard still checks its token.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export interface SecurityHeaderOptions {
  /** The server speaks HTTPS. */
  secure: boolean;
  /** Origins (scheme://host:port) whose pages may call the API (server.allowedOrigins). */
  allowedOrigins: readonly string[];
}

export async function installSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): Promise<void> {
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        // Explicit: with nonces, @fastify/helmet builds these two from what is given here, not from the defaults.
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'connect-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'upgrade-insecure-requests': options.secure ? [] : null,
      },
    },
    hsts: options.secure ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'same-origin' },
  });
  if (options.allowedOrigins.length === 0) return;
  const origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin.toLowerCase())),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    exposedHeaders: ['retry-after', 'content-disposition'],
    maxAge: 600,
  });
}
