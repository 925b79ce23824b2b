/**
 * `fastdata token new <name> [--scope read|write|admin]`: a new random token for the HTTP
 * API, and the line that gives it to the server. The config keeps only the token's
 * SHA-256; the token itself is printed once, on standard output, for its holder.
 */
import { newToken, sha256Hex } from '../../serve/guard/tokens.js';
import { info } from '../output.js';

export function tokenNew(name: string, options: { scope: 'read' | 'write' | 'admin' }): void {
  const token = newToken();
  process.stdout.write(`${token}\n`);
  info(`the token above is shown once: give it to ${name}. Add to fastdata.config.yaml, under server.tokens:`);
  info(`  - { name: ${name}, sha256: ${sha256Hex(token)}, scope: ${options.scope} }`);
  info(`(or keep the token in an environment variable and write env: <VARIABLE> instead of sha256)`);
}
