/**
 * The pinned versions of what scripts/infra downloads, each overridable by an environment
 * variable for trying another release without editing code.
 *
 * - Kafka 4.4.0: the newest 4.x on Maven Central; its jars are Java 17 bytecode (brokers
 *   need 17 since 4.0), and kafkajs 2.2.4 (admin, consumer groups, transactions) works against it.
 * - log4j 2.25.5: the log4j version Kafka 4.4.0's own POMs use; its slf4j 1.x binding
 *   (log4j-slf4j-impl, Kafka still uses slf4j-api 1.7.36) is not in Kafka's POM.
 * - Apicurio Registry 3.0.9: 3.2.x and 3.3.x are compiled for Java 21 (class file 65) and
 *   3.1.x is not on Maven Central as reached from here, so 3.0.9 (Java 11 bytecode) is the
 *   newest that runs on the Java 17 of this machine. With a JDK 21 in JAVA_HOME,
 *   FASTDATA_INFRA_APICURIO_VERSION=3.3.3 runs the newer line.
 * - Cassandra 5.0.9 (`cassandra-all`): the newest 5.0.x on Maven Central; 5.0 is the first
 *   line that runs on Java 17 (4.1 does not).
 */
export interface InfraVersions {
  kafka: string;
  log4j: string;
  apicurio: string;
  cassandra: string;
  /** org.apache.maven.plugins:maven-dependency-plugin, pinned for reproducible installs. */
  mavenDependencyPlugin: string;
}

export const DEFAULT_VERSIONS: Readonly<InfraVersions> = Object.freeze({
  kafka: '4.4.0',
  log4j: '2.25.5',
  apicurio: '3.0.9',
  cassandra: '5.0.9',
  mavenDependencyPlugin: '3.8.1',
});

const VERSION = /^[0-9][0-9A-Za-z.\-]*$/;

function pick(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!VERSION.test(value)) throw new Error(`${name}=${JSON.stringify(value)} is not a version (expected something like ${fallback})`);
  return value;
}

export function infraVersions(env: NodeJS.ProcessEnv = process.env): InfraVersions {
  return {
    kafka: pick(env, 'FASTDATA_INFRA_KAFKA_VERSION', DEFAULT_VERSIONS.kafka),
    log4j: pick(env, 'FASTDATA_INFRA_LOG4J_VERSION', DEFAULT_VERSIONS.log4j),
    apicurio: pick(env, 'FASTDATA_INFRA_APICURIO_VERSION', DEFAULT_VERSIONS.apicurio),
    cassandra: pick(env, 'FASTDATA_INFRA_CASSANDRA_VERSION', DEFAULT_VERSIONS.cassandra),
    mavenDependencyPlugin: DEFAULT_VERSIONS.mavenDependencyPlugin,
  };
}

/** [major, minor, patch] of a version string, missing parts as 0. */
export function versionParts(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.\-]/).map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
}

/** a >= b, comparing major, minor, patch. */
export function versionAtLeast(a: string, b: string): boolean {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return true;
}
