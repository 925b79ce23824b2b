/**
 * The lifecycle every server shares: start (idempotent, optionally on fresh data), wait
 * until ready, stop only what we started, and report state. Servers plug in as
 * ServerModule; nothing here knows Kafka from the registry.
 */
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InfraError } from './errors.js';
import { requireJava } from './java.js';
import { inspectPidFile, pidMarker, removePidFile, writePidFile } from './pid-file.js';
import { assertPortsFree } from './ports.js';
import { isAlive, launchDetached, residentBytes, stopProcess } from './processes.js';
import type { InfraContext, ServerModule } from './server.js';
import { pollUntil, tailFile } from './wait.js';

export const pidFileOf = (server: ServerModule) => join(server.runDir, `${server.name}.pid`);
export const logFileOf = (server: ServerModule) => join(server.runDir, `${server.name}.log`);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function probe(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

export interface StartOptions {
  /** Stop it if it runs, empty its data dir, start it again. */
  fresh: boolean;
  /** How long it may take to become ready. */
  timeoutMs: number;
}

export type StartOutcome = { outcome: 'already-running' | 'started'; pid: number; ms: number };

export async function startServer(server: ServerModule, ctx: InfraContext, options: StartOptions): Promise<StartOutcome> {
  const t0 = Date.now();
  const pidFile = pidFileOf(server);
  const logFile = logFileOf(server);
  const current = inspectPidFile(pidFile);
  if (current.state === 'stale') {
    ctx.log(`${server.name}: removing a stale pid file (${current.reason})`);
    removePidFile(pidFile);
  } else if (current.state === 'ours') {
    const { pid } = current.record;
    if (options.fresh) {
      ctx.log(`${server.name}: stopping pid ${pid} to start on fresh data`);
      await stopServer(server, ctx);
    } else {
      // Healthy now, or still starting (another `up` launched it a moment ago).
      const healthy = await pollUntil(async () => ((await probe(() => server.healthy())) ? true : undefined), { timeoutMs: options.timeoutMs, intervalMs: 500 });
      if (healthy) {
        ctx.log(`${server.name}: already running and healthy (pid ${pid}, ${server.address}); nothing to do`);
        return { outcome: 'already-running', pid, ms: Date.now() - t0 };
      }
      ctx.log(`${server.name}: pid ${pid} runs but has not answered for ${seconds(options.timeoutMs)}; restarting it`);
      await stopServer(server, ctx);
    }
  }

  requireJava(ctx.java, server.minJavaMajor, server.title);
  await assertPortsFree(server.title, server.ports);
  if (!server.installed()) {
    const t = Date.now();
    ctx.log(`${server.name}: downloading ${server.title} (once; cached under ${relative(process.cwd(), ctx.paths.root) || ctx.paths.root})`);
    await server.install(ctx);
    ctx.log(`${server.name}: downloaded in ${seconds(Date.now() - t)}`);
  }
  if (options.fresh && server.dataDir) rmSync(server.dataDir, { recursive: true, force: true });
  await server.prepare(ctx);

  const marker = pidMarker(server.name, server.runDir);
  const spec = server.launch(ctx, marker);
  if (!spec.args.includes(marker)) throw new Error(`${server.name}: launch() must pass the pid marker ${marker} as an argument`);
  const launched = await launchDetached(spec, logFile);
  writePidFile(pidFile, {
    server: server.name,
    pid: launched.pid,
    marker,
    startedAt: new Date().toISOString(),
    address: server.address,
    ...(server.dataDir ? { dataDir: server.dataDir } : {}),
    version: server.version,
  });
  ctx.log(`${server.name}: started ${server.title}, pid ${launched.pid}, log ${logFile}; waiting until it is ready`);

  const fail = (why: string): InfraError => {
    const tail = tailFile(logFile, 40);
    const hint = server.failureHint?.(tail);
    return new InfraError(`${server.title} did not start: ${why}.${hint ? ` ${hint}` : ''}\n--- last lines of ${logFile} ---\n${tail || '(empty)'}\n---`);
  };
  const ready = await pollUntil(
    async () => {
      const exit = launched.exit();
      if (exit || !isAlive(launched.pid)) {
        removePidFile(pidFile);
        throw fail(`the process exited during start (${exit ? (exit.signal ?? `exit code ${exit.code}`) : 'exit code unknown'})`);
      }
      return (await probe(() => server.ready(logFile))) ? true : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 250 },
  );
  if (!ready) {
    const error = fail(`not ready after ${seconds(options.timeoutMs)}`);
    await stopProcess(launched.pid, { graceMs: 5_000 });
    removePidFile(pidFile);
    throw error;
  }
  await server.afterReady?.(ctx);
  const ms = Date.now() - t0;
  ctx.log(`${server.name}: ready in ${seconds(ms)} at ${server.address}`);
  return { outcome: 'started', pid: launched.pid, ms };
}

export async function stopServer(server: ServerModule, ctx: Pick<InfraContext, 'log'>): Promise<'stopped' | 'not-running'> {
  const pidFile = pidFileOf(server);
  const current = inspectPidFile(pidFile);
  if (current.state === 'none') return 'not-running';
  if (current.state === 'stale') {
    ctx.log(`${server.name}: not running (${current.reason}); removing its pid file`);
    removePidFile(pidFile);
    return 'not-running';
  }
  const { pid } = current.record;
  const t0 = Date.now();
  const outcome = await stopProcess(pid, {
    graceMs: server.stopGraceMs,
    onKill: () => ctx.log(`${server.name}: pid ${pid} still runs after SIGTERM and ${seconds(server.stopGraceMs)}; sending SIGKILL`),
  });
  removePidFile(pidFile);
  ctx.log(`${server.name}: stopped pid ${pid} (${outcome === 'killed' ? 'killed' : 'exited'} in ${seconds(Date.now() - t0)})`);
  return 'stopped';
}

export interface ServerState {
  name: string;
  title: string;
  state: 'running' | 'not answering' | 'stopped';
  pid?: number;
  address: string;
  /** Data dir, or "(in memory)". */
  data: string;
  logFile: string;
  startedAt?: string;
  rssBytes?: number;
  /** Why a leftover pid file does not count. */
  note?: string;
}

export async function serverState(server: ServerModule): Promise<ServerState> {
  const base = { name: server.name, title: server.title, address: server.address, data: server.dataDir ?? '(in memory)', logFile: logFileOf(server) };
  const current = inspectPidFile(pidFileOf(server));
  if (current.state === 'none') return { ...base, state: 'stopped' };
  if (current.state === 'stale') return { ...base, state: 'stopped', note: `stale pid file: ${current.reason}` };
  const { pid, startedAt } = current.record;
  const healthy = await probe(() => server.healthy());
  const rss = residentBytes(pid);
  return { ...base, state: healthy ? 'running' : 'not answering', pid, startedAt, ...(rss !== undefined ? { rssBytes: rss } : {}) };
}
