/**
 * Who may use a process's HTTP server, from the `server` section of the config: the token
 * table, the host names and origins the guard takes (serve/guard/), and TLS. A server
 * with no tokens is open to whoever reaches it: fine on loopback (the default, and `dev`),
 * refused beyond it unless `server.open` says access is checked in front of it (a proxy).
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { dirname, resolve } from 'node:path';
import type { ProjectConfig } from '../config/project-config.js';
import { FastdataError, errorMessage } from '../errors.js';
import { TokenTable } from '../serve/guard/tokens.js';
import type { RateLimitOptions } from '../serve/guard/rate-limit.js';
import { toMillis } from '../time/duration.js';

export interface ServerAccess {
  guard: { tokens: TokenTable; allowedHosts: string[]; allowedOrigins: string[] };
  tls: { cert: Buffer; key: Buffer } | undefined;
  rateLimit: RateLimitOptions;
  /** One line for the terminal: how the server is protected, or that it is not. */
  description: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

export function serverAccess(config: ProjectConfig, root: string, env: Record<string, string | undefined> = process.env): ServerAccess {
  const server = config.server;
  const tokens = new TokenTable(server.tokens, env);
  const loopback = LOOPBACK.test(server.host);
  if (tokens.size === 0 && !loopback && !server.open) {
    throw new FastdataError(
      'FD_CONFIG_INVALID',
      `server.host is ${server.host}, beyond loopback, and server.tokens is empty: anyone who reaches the port could read every output and write to the registry. ` +
        'Add tokens (`fastdata token new <name>` prints one and its config line), or set server.open: true if a proxy in front checks access',
      { context: { field: 'server.tokens' } },
    );
  }
  let tls: ServerAccess['tls'];
  if (server.tls) {
    try {
      tls = { cert: readFileSync(resolve(root, server.tls.cert)), key: readFileSync(resolve(root, server.tls.key)) };
    } catch (error) {
      throw new FastdataError('FD_CONFIG_INVALID', `server.tls: ${errorMessage(error)}; give PEM files relative to the project root`, { context: { field: 'server.tls' } });
    }
  }
  const description =
    tokens.size > 0
      ? `${tokens.size} token(s) required${tls ? ', HTTPS' : ''}`
      : server.open
        ? `OPEN: no tokens (server.open: access is expected to be checked in front of it)${tls ? ', HTTPS' : ''}`
        : `open to anyone who reaches ${server.host} (no server.tokens; loopback only)${tls ? ', HTTPS' : ''}`;
  const { requests, exports, window } = server.rateLimit;
  const rateLimit = { requests, exports, windowMs: toMillis(window, { what: 'server.rateLimit.window' }) };
  return { guard: { tokens, allowedHosts: server.allowedHosts, allowedOrigins: server.allowedOrigins }, tls, rateLimit, description };
}

/** Where the access log goes (`server.accessLog`): nowhere, standard error, or a file appended to. */
export function openAccessLog(setting: string, root: string): Writable | undefined {
  if (setting === '') return undefined;
  if (setting === 'stderr') return process.stderr;
  const path = resolve(root, setting);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new FastdataError('FD_CONFIG_INVALID', `server.accessLog: cannot create the folder of ${path}: ${errorMessage(error)}`, { context: { field: 'server.accessLog' } });
  }
  return createWriteStream(path, { flags: 'a' });
}
