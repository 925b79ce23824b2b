/**
 * Apache Kafka in KRaft mode (one combined broker+controller) from its Maven Central jars:
 * `kafka_2.13` plus the log4j2 slf4j binding its POM leaves out, resolved by Maven into a
 * classpath folder, then `java kafka.Kafka server.properties`. Readiness: the
 * "Kafka Server started" line, then a metadata request that the broker answers.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { kafkaClusterId, kafkaDependencies, kafkaJvmOptions, kafkaLog4j2Properties, kafkaServerPropertiesFile } from './kafka-config.js';
import { copyDependencies, dependencyPom } from './maven.js';
import type { InfraPaths } from './paths.js';
import { HOST } from './ports.js';
import type { InfraContext, ServerModule } from './server.js';
import type { InfraVersions } from './versions.js';
import { logContains } from './wait.js';
import { spawnSync } from 'node:child_process';

export const KAFKA_PORT = 9092;
export const KAFKA_CONTROLLER_PORT = 9093;
const HEAP_MB = 768;

/**
 * One ApiVersions request (api key 18, version 0) over a fresh connection: the broker
 * answers it only once its socket server accepts requests, before any SASL or topic setup.
 */
export function kafkaAnswers(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => {
      const clientId = Buffer.from('fastdata-infra');
      const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
      body.writeInt16BE(18, 0); // ApiVersions
      body.writeInt16BE(0, 2); // version 0
      body.writeInt32BE(1, 4); // correlation id
      body.writeInt16BE(clientId.length, 8);
      clientId.copy(body, 10);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length, 0);
      socket.write(Buffer.concat([size, body]));
    });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // size(4) correlation id(4) error code(2): answered, and without error.
      if (received.length >= 10) done(received.readInt32BE(4) === 1 && received.readInt16BE(8) === 0);
    });
  });
}

export function kafkaServer(paths: InfraPaths, versions: InfraVersions): ServerModule {
  const runDir = paths.run('kafka');
  const dataDir = join(runDir, 'data');
  const libDir = join(paths.dist('kafka', versions.kafka), 'lib');
  const cursor = { offset: 0 };
  return {
    name: 'kafka',
    title: `Apache Kafka ${versions.kafka} (KRaft)`,
    version: versions.kafka,
    ports: [
      { port: KAFKA_PORT, what: 'Kafka broker' },
      { port: KAFKA_CONTROLLER_PORT, what: 'Kafka KRaft controller' },
    ],
    address: `${HOST}:${KAFKA_PORT}`,
    runDir,
    dataDir,
    minJavaMajor: 17,
    stopGraceMs: 20_000,

    installed: () => existsSync(libDir) && readdirSync(libDir).some((f) => f.startsWith('kafka_2.13-')),

    async install(ctx: InfraContext) {
      const project = { groupId: 'fastdata.infra', artifactId: 'kafka-classpath', version: versions.kafka };
      await copyDependencies({
        workDir: join(paths.dist('kafka', versions.kafka), 'maven'),
        pom: dependencyPom(project, kafkaDependencies(versions.kafka, versions.log4j)),
        outputDir: libDir,
        pluginVersion: versions.mavenDependencyPlugin,
      });
      ctx.log(`kafka: classpath of ${readdirSync(libDir).length} jars in ${libDir}`);
    },

    async prepare(ctx: InfraContext) {
      mkdirSync(runDir, { recursive: true });
      const propertiesFile = join(runDir, 'server.properties');
      writeFileSync(propertiesFile, kafkaServerPropertiesFile({ dataDir, host: HOST, port: KAFKA_PORT, controllerPort: KAFKA_CONTROLLER_PORT }));
      writeFileSync(join(runDir, 'log4j2.properties'), kafkaLog4j2Properties());
      if (existsSync(join(dataDir, 'meta.properties'))) return;
      // A new data dir is formatted once with a fresh cluster id (kafka-storage.sh format; the voters are static).
      mkdirSync(dataDir, { recursive: true });
      const format = spawnSync(
        ctx.java.bin,
        ['-cp', `${libDir}/*`, `-Dlog4j2.configurationFile=${join(runDir, 'log4j2.properties')}`, 'kafka.tools.StorageTool', 'format', '--config', propertiesFile, '--cluster-id', kafkaClusterId()],
        { encoding: 'utf8', timeout: 120_000 },
      );
      if (format.status !== 0) {
        throw new Error(`kafka: formatting ${dataDir} failed (exit ${format.status}): ${(format.stderr || format.stdout || String(format.error)).trim().split('\n').slice(-10).join('\n')}`);
      }
    },

    launch(ctx: InfraContext, marker: string) {
      cursor.offset = 0;
      return {
        command: ctx.java.bin,
        args: [
          ...kafkaJvmOptions(HEAP_MB),
          marker,
          `-Dlog4j2.configurationFile=${join(runDir, 'log4j2.properties')}`,
          '-cp',
          `${libDir}/*`,
          'kafka.Kafka',
          join(runDir, 'server.properties'),
        ],
        cwd: runDir,
      };
    },

    async ready(logFile: string) {
      // The log line first (cheap), then proof that the broker answers requests.
      if (!logContains(logFile, 'Kafka Server started', cursor)) return false;
      cursor.offset = Math.max(0, cursor.offset - 64); // keep seeing the line on the next poll
      return kafkaAnswers(HOST, KAFKA_PORT);
    },

    healthy: () => kafkaAnswers(HOST, KAFKA_PORT),

    failureHint(tail: string) {
      if (/Address already in use/i.test(tail)) return `Another process holds port ${KAFKA_PORT} or ${KAFKA_CONTROLLER_PORT}; stop it.`;
      if (/InconsistentClusterIdException|meta\.properties/i.test(tail)) return 'Its data dir belongs to another cluster: run `npm run infra:up -- --fresh`.';
      if (/UnsupportedClassVersionError/.test(tail)) return 'This Kafka needs a newer Java: set JAVA_HOME to a JDK 17 or later.';
      return undefined;
    },
  };
}
