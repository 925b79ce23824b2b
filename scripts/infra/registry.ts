/**
 * Apicurio Registry from its Maven Central distribution
 * (`io.apicurio:apicurio-registry-app:<version>:tar.gz:all`, a Quarkus fast-jar), in-memory
 * storage, serving the Confluent-compatible API at /apis/ccompat/v7. Readiness:
 * /health/ready. Once ready, the global compatibility level is set to BACKWARD, the
 * default of Confluent's registry and of fastdata's embedded one (Apicurio has none).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractTarGz, fetchMavenFile } from './download.js';
import { InfraError } from './errors.js';
import type { InfraPaths } from './paths.js';
import { HOST } from './ports.js';
import type { InfraContext, ServerModule } from './server.js';
import { versionAtLeast, type InfraVersions } from './versions.js';

export const REGISTRY_PORT = 8081;
export const REGISTRY_BASE = `http://${HOST}:${REGISTRY_PORT}`;
/** What clients use: the Confluent-compatible API. */
export const REGISTRY_URL = `${REGISTRY_BASE}/apis/ccompat/v7`;
const HEAP_MB = 384;

async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(3_000) });
  await response.arrayBuffer();
  return response.ok;
}

export function registryServer(paths: InfraPaths, versions: InfraVersions): ServerModule {
  const runDir = paths.run('registry');
  const distDir = paths.dist('apicurio-registry', versions.apicurio);
  const runnerJar = join(distDir, `apicurio-registry-app-${versions.apicurio}-runner.jar`);
  return {
    name: 'registry',
    title: `Apicurio Registry ${versions.apicurio}`,
    version: versions.apicurio,
    ports: [{ port: REGISTRY_PORT, what: 'schema registry HTTP' }],
    address: REGISTRY_URL,
    runDir,
    dataDir: undefined, // in-memory H2: every start is fresh
    // 3.0.x is Java 11 bytecode; 3.2 and later are compiled for Java 21.
    minJavaMajor: versionAtLeast(versions.apicurio, '3.2.0') ? 21 : 17,
    stopGraceMs: 10_000,

    installed: () => existsSync(runnerJar),

    async install(ctx: InfraContext) {
      const archive = await fetchMavenFile(
        { groupId: 'io.apicurio', artifactId: 'apicurio-registry-app', version: versions.apicurio, classifier: 'all', extension: 'tar.gz' },
        paths.downloads,
        { env: ctx.env, log: ctx.log },
      );
      await extractTarGz(archive, distDir);
      if (!existsSync(runnerJar)) throw new InfraError(`${archive} has no ${runnerJar.slice(distDir.length + 1)}: delete it and run again, or try another FASTDATA_INFRA_APICURIO_VERSION`);
    },

    async prepare() {
      mkdirSync(runDir, { recursive: true });
    },

    launch(ctx: InfraContext, marker: string) {
      return {
        command: ctx.java.bin,
        args: [
          `-Xms${HEAP_MB}m`,
          `-Xmx${HEAP_MB}m`,
          marker,
          `-Dquarkus.http.host=${HOST}`,
          `-Dquarkus.http.port=${REGISTRY_PORT}`,
          // No dev UI, no telemetry, no colour codes in the log file.
          '-Dquarkus.log.console.color=false',
          '-Dapicurio.ui.enabled=false',
          // Find a schema by its canonical form, as Confluent does, not by its exact text.
          '-Dapicurio.ccompat.use-canonical-hash=true',
          '-jar',
          runnerJar,
        ],
        cwd: runDir,
      };
    },

    ready: () => httpOk(`${REGISTRY_BASE}/health/ready`),
    healthy: () => httpOk(`${REGISTRY_BASE}/health/ready`),

    async afterReady() {
      const ok = await httpOk(`${REGISTRY_URL}/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: 'BACKWARD' }),
      });
      if (!ok) throw new InfraError(`the registry at ${REGISTRY_URL} refused the global compatibility level BACKWARD; see its log`);
    },

    failureHint(tail: string) {
      if (/UnsupportedClassVersionError/.test(tail)) return `Apicurio ${versions.apicurio} needs a newer Java: set JAVA_HOME to a JDK 21, or use FASTDATA_INFRA_APICURIO_VERSION=3.0.9.`;
      if (/Port already bound|Address already in use/i.test(tail)) return `Another process holds port ${REGISTRY_PORT}; stop it.`;
      return undefined;
    },
  };
}
