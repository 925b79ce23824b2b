/**
 * A started server's pid file: JSON with the pid and the marker that the process's command
 * line carries (`-Dfastdata.infra=<server>@<run dir>`), so `down` and `status` act only on
 * a process that this checkout started, never on whatever later reused the pid.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { commandLine, isAlive } from './processes.js';

export interface PidRecord {
  server: string;
  pid: number;
  /** A string the process's command line contains; proves the pid is still ours. */
  marker: string;
  /** ISO time the process was started. */
  startedAt: string;
  /** Address the server listens on, for `status`. */
  address: string;
  /** Data dir, for `status` (absent for in-memory servers). */
  dataDir?: string;
  version?: string;
}

export function pidMarker(server: string, runDir: string): string {
  return `-Dfastdata.infra=${server}@${runDir}`;
}

export function writePidFile(path: string, record: PidRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temp, path);
}

/** The record, or undefined when the file is missing or not a pid record. */
export function readPidFile(path: string): PidRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const r = parsed as Record<string, unknown>;
  if (typeof r.server !== 'string' || typeof r.marker !== 'string' || typeof r.startedAt !== 'string' || typeof r.address !== 'string') return undefined;
  if (typeof r.pid !== 'number' || !Number.isSafeInteger(r.pid) || r.pid <= 1) return undefined;
  const record: PidRecord = { server: r.server, pid: r.pid, marker: r.marker, startedAt: r.startedAt, address: r.address };
  if (typeof r.dataDir === 'string') record.dataDir = r.dataDir;
  if (typeof r.version === 'string') record.version = r.version;
  return record;
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

export type PidState =
  | { state: 'none' }
  | { state: 'ours'; record: PidRecord }
  /** The file names a process that has exited, or whose pid now belongs to another program. */
  | { state: 'stale'; record: PidRecord; reason: string };

export function inspectPidFile(path: string): PidState {
  const record = readPidFile(path);
  if (!record) return { state: 'none' };
  if (!isAlive(record.pid)) return { state: 'stale', record, reason: `process ${record.pid} has exited` };
  const cmd = commandLine(record.pid);
  if (cmd === undefined) return { state: 'stale', record, reason: `process ${record.pid}'s command line cannot be read` };
  if (!cmd.includes(record.marker)) return { state: 'stale', record, reason: `pid ${record.pid} now belongs to another program` };
  return { state: 'ours', record };
}
