/** Whether a port is free to listen on, and who holds it when it is not. */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { InfraError } from './errors.js';

export const HOST = '127.0.0.1';

/** True when nothing listens on host:port (tries to bind it, then lets it go). */
export function portFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** What `ss` says about the listener on `port` (best effort; undefined without ss). */
export function portHolder(port: number): string | undefined {
  const ss = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  if (ss.status !== 0 || !ss.stdout.trim()) return undefined;
  const users = /users:\(\((.*)\)\)/.exec(ss.stdout);
  return users ? users[1] : ss.stdout.trim().split('\n')[0];
}

export interface PortUse {
  port: number;
  /** What the server uses it for, e.g. "Kafka broker". */
  what: string;
}

/** Throws, naming each taken port and how to find its holder, unless all `ports` are free. */
export async function assertPortsFree(server: string, ports: readonly PortUse[]): Promise<void> {
  const taken: string[] = [];
  for (const { port, what } of ports) {
    if (await portFree(port)) continue;
    const holder = portHolder(port);
    taken.push(`port ${port} (${what}) is taken${holder ? ` by ${holder}` : ''}`);
  }
  if (taken.length === 0) return;
  const first = ports.find((p) => taken.some((t) => t.startsWith(`port ${p.port} `)))!.port;
  throw new InfraError(
    `cannot start ${server}: ${taken.join('; ')}, by a process scripts/infra did not start (or whose pid file is gone). ` +
      `Find it with \`ss -ltnp 'sport = :${first}'\` (or \`lsof -iTCP:${first} -sTCP:LISTEN\`) and stop it; ` +
      `if it is a docker compose stack, \`docker compose down\`.`,
  );
}
