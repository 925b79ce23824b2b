/**
 * Apache Cassandra 5.0 (one node) from its Maven Central jars: `cassandra-all` resolved by
 * Maven into a classpath folder, then `java ... org.apache.cassandra.service.CassandraDaemon`
 * in the foreground with the config folder first on the classpath. Readiness: the
 * "Startup complete" line, then a CQL query (`SELECT release_version FROM system.local`)
 * through cassandra-driver, which proves the native transport serves requests.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { cassandraDependencies, cassandraJvmOptions, cassandraLogback, cassandraSystemProperties, cassandraYaml } from './cassandra-config.js';
import { copyDependencies, dependencyPom } from './maven.js';
import type { InfraPaths } from './paths.js';
import { HOST } from './ports.js';
import type { InfraContext, ServerModule } from './server.js';
import type { InfraVersions } from './versions.js';
import { logContains } from './wait.js';

export const CASSANDRA_PORT = 9042;
export const CASSANDRA_STORAGE_PORT = 7000;
/** The data center name SimpleSnitch reports: what clients give as `localDataCenter`. */
export const CASSANDRA_DATA_CENTER = 'datacenter1';
const HEAP_MB = 1024;

/** Whether a CQL query answers on host:port (a fresh connection, closed afterwards). */
export async function cassandraAnswers(host: string, port: number, timeoutMs = 5_000): Promise<boolean> {
  const client = new cassandra.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: CASSANDRA_DATA_CENTER,
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
  });
  try {
    const result = await client.execute('SELECT release_version FROM system.local');
    return typeof result.first()?.['release_version'] === 'string';
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

export function cassandraServer(paths: InfraPaths, versions: InfraVersions): ServerModule {
  const runDir = paths.run('cassandra');
  const dataDir = join(runDir, 'data');
  const confDir = join(runDir, 'conf');
  const libDir = join(paths.dist('cassandra', versions.cassandra), 'lib');
  const cursor = { offset: 0 };
  return {
    name: 'cassandra',
    title: `Apache Cassandra ${versions.cassandra}`,
    version: versions.cassandra,
    ports: [
      { port: CASSANDRA_PORT, what: 'Cassandra native transport (CQL)' },
      { port: CASSANDRA_STORAGE_PORT, what: 'Cassandra storage (gossip)' },
    ],
    address: `${HOST}:${CASSANDRA_PORT}`,
    runDir,
    dataDir,
    // 5.0 is the first release that runs on Java 17 (4.1 does not).
    minJavaMajor: 17,
    // It flushes memtables on SIGTERM: a few seconds, more on a busy machine.
    stopGraceMs: 30_000,

    installed: () => existsSync(libDir) && readdirSync(libDir).some((f) => f.startsWith('cassandra-all-')),

    async install(ctx: InfraContext) {
      const project = { groupId: 'fastdata.infra', artifactId: 'cassandra-classpath', version: versions.cassandra };
      await copyDependencies({
        workDir: join(paths.dist('cassandra', versions.cassandra), 'maven'),
        pom: dependencyPom(project, cassandraDependencies(versions.cassandra)),
        outputDir: libDir,
        pluginVersion: versions.mavenDependencyPlugin,
      });
      ctx.log(`cassandra: classpath of ${readdirSync(libDir).length} jars in ${libDir}`);
    },

    async prepare() {
      mkdirSync(confDir, { recursive: true });
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(confDir, 'cassandra.yaml'), cassandraYaml({ dataDir, host: HOST, nativePort: CASSANDRA_PORT, storagePort: CASSANDRA_STORAGE_PORT }));
      writeFileSync(join(confDir, 'logback.xml'), cassandraLogback());
    },

    launch(ctx: InfraContext, marker: string) {
      cursor.offset = 0;
      return {
        command: ctx.java.bin,
        args: [
          ...cassandraJvmOptions(HEAP_MB),
          marker,
          ...cassandraSystemProperties({ yamlFile: join(confDir, 'cassandra.yaml'), logbackFile: join(confDir, 'logback.xml'), dataDir }),
          '-cp',
          // The config folder first, as bin/cassandra puts $CASSANDRA_CONF first.
          `${confDir}:${libDir}/*`,
          'org.apache.cassandra.service.CassandraDaemon',
        ],
        cwd: runDir,
      };
    },

    async ready(logFile: string) {
      if (!logContains(logFile, 'Startup complete', cursor)) return false;
      cursor.offset = Math.max(0, cursor.offset - 64); // keep seeing the line on the next poll
      return cassandraAnswers(HOST, CASSANDRA_PORT);
    },

    healthy: () => cassandraAnswers(HOST, CASSANDRA_PORT),

    failureHint(tail: string) {
      if (/Address already in use|Failed to bind/i.test(tail)) return `Another process holds port ${CASSANDRA_PORT} or ${CASSANDRA_STORAGE_PORT}; stop it (a docker compose cassandra?).`;
      if (/UnsupportedClassVersionError/.test(tail)) return 'This Cassandra needs a newer Java: set JAVA_HOME to a JDK 17.';
      if (/InaccessibleObjectException|IllegalAccessError/.test(tail)) return 'A JDK module flag is missing for this Java: compare cassandra-config.ts with conf/jvm17-server.options of this Cassandra version.';
      if (/Cannot start node if snitch's data center|Saved cluster name/i.test(tail)) return 'Its data dir belongs to another cluster: run `npm run infra:up -- --fresh cassandra`.';
      return undefined;
    },
  };
}
