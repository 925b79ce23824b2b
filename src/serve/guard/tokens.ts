/**
 * The tokens of `server.tokens`: each named, with a scope, kept as the SHA-256 of the token
 * (given as `sha256:` in the config, or hashed here from the environment variable `env:`
 * names), so neither the config nor memory dumps of this table hold a usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { FastdataError } from '../../errors.js';
import type { Scope } from './scopes.js';

export interface TokenSpec {
  name: string;
  sha256?: string;
  env?: string;
  scope: Scope;
}

export interface TokenHolder {
  name: string;
  scope: Scope;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A new random token: 32 bytes, URL-safe base64 with a prefix that says what it is. */
export function newToken(): string {
  return `fd_${randomBytes(32).toString('base64url')}`;
}

export class TokenTable {
  private readonly byHash = new Map<string, TokenHolder>();

  /** FD_CONFIG_INVALID naming `server.tokens.N` for a token with neither or both of sha256 and env, or an env variable not set. */
  constructor(specs: readonly TokenSpec[], env: Record<string, string | undefined> = process.env) {
    specs.forEach((spec, i) => {
      const at = `server.tokens.${i}`;
      if ((spec.sha256 === undefined) === (spec.env === undefined)) {
        throw new FastdataError('FD_CONFIG_INVALID', `${at} (${spec.name}): give exactly one of sha256 (the token's SHA-256, from \`fastdata token new\`) and env (the variable that holds it)`, { context: { field: at } });
      }
      let hash = spec.sha256;
      if (spec.env !== undefined) {
        const token = env[spec.env];
        if (token === undefined || token.length < 16) {
          throw new FastdataError('FD_CONFIG_INVALID', `${at}.env: the environment variable ${spec.env} is ${token === undefined ? 'not set' : 'shorter than 16 characters'}; set it to the token (\`fastdata token new\` makes one)`, { context: { field: `${at}.env` } });
        }
        hash = sha256Hex(token);
      }
      if (this.byHash.has(hash!)) throw new FastdataError('FD_CONFIG_INVALID', `${at} (${spec.name}): the same token as ${this.byHash.get(hash!)!.name}; give each holder a token of its own`, { context: { field: at } });
      this.byHash.set(hash!, { name: spec.name, scope: spec.scope });
    });
  }

  get size(): number {
    return this.byHash.size;
  }

  /** Who holds `token`, or undefined for a token not in the table. */
  holder(token: string): TokenHolder | undefined {
    return this.byHash.get(sha256Hex(token));
  }
}
