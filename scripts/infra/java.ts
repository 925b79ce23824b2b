/**
 * The Java that runs the servers: $JAVA_HOME/bin/java when JAVA_HOME is set, otherwise
 * `java` on the PATH. Found once per call, with a message that says how to get one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from './errors.js';

export interface JavaInfo {
  /** The java executable (a path, or `java` to be found on the PATH). */
  bin: string;
  /** As printed by `java -version`, e.g. 17.0.15. */
  version: string;
  /** Feature release: 8, 11, 17, 21, ... */
  major: number;
}

export const INSTALL_JAVA_HINT = 'install a JDK 17 (apt-get install openjdk-17-jre-headless) or set JAVA_HOME to one';

/** The version in `java -version` output (`openjdk version "17.0.15" 2025-04-15`, `java version "1.8.0_392"`). */
export function parseJavaVersion(output: string): { version: string; major: number } | undefined {
  const match = /version "([^"]+)"/.exec(output);
  if (!match) return undefined;
  const version = match[1]!;
  const parts = version.split(/[._\-+]/);
  const first = Number.parseInt(parts[0] ?? '', 10);
  if (!Number.isFinite(first)) return undefined;
  const major = first === 1 ? Number.parseInt(parts[1] ?? '', 10) : first;
  return Number.isFinite(major) ? { version, major } : undefined;
}

export type JavaLookup = { ok: true; java: JavaInfo } | { ok: false; reason: string };

export function lookupJava(env: NodeJS.ProcessEnv = process.env): JavaLookup {
  const home = env.JAVA_HOME?.trim();
  let bin = 'java';
  if (home) {
    bin = join(home, 'bin', 'java');
    if (!existsSync(bin)) return { ok: false, reason: `JAVA_HOME=${home} has no bin/java: ${INSTALL_JAVA_HINT}` };
  }
  const result = spawnSync(bin, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, reason: missing ? `no Java found (no JAVA_HOME, no java on the PATH): ${INSTALL_JAVA_HINT}` : `${bin} -version failed: ${result.error.message}` };
  }
  const parsed = parseJavaVersion(`${result.stderr}\n${result.stdout}`);
  if (result.status !== 0 || !parsed) return { ok: false, reason: `${bin} -version did not print a version (exit ${result.status}): ${INSTALL_JAVA_HINT}` };
  return { ok: true, java: { bin, ...parsed } };
}

export function findJava(env: NodeJS.ProcessEnv = process.env): JavaInfo {
  const found = lookupJava(env);
  if (!found.ok) throw new InfraError(found.reason);
  return found.java;
}

/** Throws when `java` is older than `major`, naming what needs it. */
export function requireJava(java: JavaInfo, major: number, what: string): void {
  if (java.major >= major) return;
  const hint = major === 17 ? INSTALL_JAVA_HINT : `install a JDK ${major} and set JAVA_HOME to it`;
  throw new InfraError(`${what} needs Java ${major} or later, but ${java.bin} is Java ${java.version}: ${hint}`);
}
