/**
 * Fetching one file from a Maven repository over HTTPS, checked against the repository's
 * .sha1, and unpacking a tar.gz. Used for Apicurio's distribution archive, which
 * `mvn dependency:get` cannot resolve when its parent POM is missing from the repository
 * (as for apicurio-registry 3.0.9 on Maven Central as reached from here).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { InfraError } from './errors.js';
import type { MavenCoordinates } from './maven.js';

export interface MavenFile extends MavenCoordinates {
  classifier?: string;
  extension: string;
}

export const DEFAULT_MAVEN_REPO = 'https://repo.maven.apache.org/maven2';

export function mavenRepo(env: NodeJS.ProcessEnv = process.env): string {
  return (env.FASTDATA_INFRA_MAVEN_REPO?.trim() || DEFAULT_MAVEN_REPO).replace(/\/+$/, '');
}

export function mavenFileName(file: MavenFile): string {
  return `${file.artifactId}-${file.version}${file.classifier ? `-${file.classifier}` : ''}.${file.extension}`;
}

/** The file's path inside a Maven repository layout. */
export function mavenPath(file: MavenFile): string {
  return `${file.groupId.replace(/\./g, '/')}/${file.artifactId}/${file.version}/${mavenFileName(file)}`;
}

async function fetchOk(url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  } catch (error) {
    throw new InfraError(`cannot download ${url}: ${(error as Error).message}. Check the network, or set FASTDATA_INFRA_MAVEN_REPO to a reachable Maven mirror`, { cause: error });
  }
  if (!response.ok) throw new InfraError(`cannot download ${url}: HTTP ${response.status}. Check the version, or set FASTDATA_INFRA_MAVEN_REPO to a Maven mirror that has it`);
  return response;
}

/**
 * The local path of `file`: Maven's local repository copy if there is one, else a copy in
 * `downloads` (downloaded now if missing, verified against the repository's .sha1).
 */
export async function fetchMavenFile(file: MavenFile, downloads: string, options: { env?: NodeJS.ProcessEnv; log?: (message: string) => void } = {}): Promise<string> {
  const inM2 = join(homedir(), '.m2', 'repository', mavenPath(file));
  if (existsSync(inM2)) return inM2;
  const dest = join(downloads, mavenFileName(file));
  if (existsSync(dest)) return dest;
  const url = `${mavenRepo(options.env)}/${mavenPath(file)}`;
  options.log?.(`downloading ${url}`);
  mkdirSync(dirname(dest), { recursive: true });
  const expected = (await (await fetchOk(`${url}.sha1`)).text()).trim().split(/\s+/)[0]!.toLowerCase();
  const response = await fetchOk(url);
  if (!response.body) throw new InfraError(`cannot download ${url}: empty response`);
  const partial = `${dest}.partial`;
  const hash = createHash('sha1');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), hashing, createWriteStream(partial));
  const actual = hash.digest('hex');
  if (actual !== expected) {
    rmSync(partial, { force: true });
    throw new InfraError(`download of ${url} is corrupt (sha1 ${actual}, the repository says ${expected}); run the command again`);
  }
  renameSync(partial, dest);
  return dest;
}

/** Unpacks a .tar.gz into `dest` (through `<dest>.partial`, renamed when complete). */
export async function extractTarGz(archive: string, dest: string): Promise<void> {
  const partial = `${dest}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('tar', ['-xzf', archive, '-C', partial], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  }).catch((error: NodeJS.ErrnoException) => {
    throw new InfraError(error.code === 'ENOENT' ? 'tar not found: install it (apt-get install tar)' : `tar failed: ${error.message}`);
  });
  if (result.code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new InfraError(`cannot unpack ${archive} (tar exit ${result.code}): ${result.output.trim()}. Delete it and run again to download it afresh`);
  }
  rmSync(dest, { recursive: true, force: true });
  renameSync(partial, dest);
}
