/** Starting a server as a detached process, telling whether a pid is alive, and stopping it. */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { pollUntil } from './wait.js';

/** True while `pid` runs (a zombie, exited but not yet reaped, counts as exited). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // No /proc (macOS): kill(0) succeeded.
  }
}

/** The command line of `pid` (arguments joined by spaces), or undefined if it cannot be read. */
export function commandLine(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (raw.length > 0) return raw.split('\0').join(' ').trim();
  } catch {
    // No /proc: ask ps.
  }
  const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status === 0 && ps.stdout.trim() ? ps.stdout.trim() : undefined;
}

/** Resident memory of `pid` in bytes (Linux), or undefined. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface Launched {
  pid: number;
  /** Exit code or signal once the process has exited while this process watched it. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Starts `spec` in its own session (it outlives this process), stdout and stderr to
 * `logFile`; the previous log is kept as `<logFile>.1`.
 */
export function launchDetached(spec: LaunchSpec, logFile: string): Promise<Launched> {
  mkdirSync(dirname(logFile), { recursive: true });
  mkdirSync(spec.cwd, { recursive: true });
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
  const fd = openSync(logFile, 'w');
  return new Promise((resolve, reject) => {
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
    child.once('error', (error) => {
      closeSync(fd);
      reject(error);
    });
    child.once('spawn', () => {
      closeSync(fd);
      child.unref();
      resolve({ pid: child.pid!, exit: () => exited });
    });
    child.once('exit', (code, signal) => {
      exited = { code, signal };
    });
  });
}

export type StopOutcome = 'not-running' | 'terminated' | 'killed';

/**
 * SIGTERM, then SIGKILL if `pid` is still alive after `graceMs`; resolves once it has exited.
 */
export async function stopProcess(pid: number, options: { graceMs: number; onKill?: () => void }): Promise<StopOutcome> {
  if (!isAlive(pid)) return 'not-running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  const gone = await pollUntil(() => (isAlive(pid) ? undefined : true), { timeoutMs: options.graceMs, intervalMs: 100 });
  if (gone) return 'terminated';
  options.onKill?.();
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'terminated';
  }
  await pollUntil(() => (isAlive(pid) ? undefined : true), { timeoutMs: 10_000, intervalMs: 50 });
  return 'killed';
}
