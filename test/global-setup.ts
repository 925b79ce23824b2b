/**
 * Once per test run, before any test file:
 *
 * 1. compile the package if the sources changed since the last build, so tests that run
 *    the `fastdata` command run what users run (bin/fastdata.js over dist/);
 * 2. start the real servers of the integration tests (Kafka, the schema registry, Cassandra) through
 *    scripts/infra, one after the other, on fresh data, and hand their addresses to the
 *    tests (test/helpers/servers.ts). In CI (CI=true) a server that cannot start fails the
 *    run; elsewhere, without Java or with FASTDATA_TEST_SERVERS=off, the integration
 *    suites skip and this says so. The servers are stopped when the run ends.
 */
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from '../scripts/ensure-build.js';
import { ensureServers, serversAvailable, stopServers } from '../scripts/infra/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[] | undefined;
    registryUrl: string | undefined;
    cassandraContactPoints: string[] | undefined;
    cassandraDataCenter: string | undefined;
  }
}

const log = (message: string) => console.error(`[test setup] ${message}`);

function skipReason(): string | undefined {
  if (process.env.FASTDATA_TEST_SERVERS === 'off') return 'FASTDATA_TEST_SERVERS=off';
  const java = serversAvailable();
  return java.ok ? undefined : java.reason;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureBuilt(fileURLToPath(new URL('..', import.meta.url)));

  const inCi = process.env.CI === 'true';
  const reason = inCi ? undefined : skipReason();
  if (reason) {
    log(`integration tests against Kafka, the schema registry and Cassandra are SKIPPED: ${reason}. ` + 'To run them, install a JDK 17 and Maven (or run in CI=true, where they are required).');
    project.provide('kafkaBrokers', undefined);
    project.provide('registryUrl', undefined);
    project.provide('cassandraContactPoints', undefined);
    project.provide('cassandraDataCenter', undefined);
    return async () => {};
  }

  // FASTDATA_TEST_REUSE_SERVERS=1 (for a developer's repeated runs): use servers already up
  // (`npm run infra:up`) as they are, and leave them running.
  const reuse = process.env.FASTDATA_TEST_REUSE_SERVERS === '1' && !inCi;
  log(`starting Kafka, the schema registry and Cassandra, one after the other (scripts/infra, ${reuse ? 'reusing running servers' : 'fresh data'})`);
  // In CI a failure here throws and fails the whole run, loudly: never a silent skip.
  const servers = await ensureServers({ fresh: !reuse, log: (m) => log(m) });
  project.provide('kafkaBrokers', servers.kafkaBrokers);
  project.provide('registryUrl', servers.registryUrl);
  project.provide('cassandraContactPoints', servers.cassandraContactPoints);
  project.provide('cassandraDataCenter', servers.cassandraDataCenter);
  return async () => {
    if (process.env.FASTDATA_TEST_KEEP_SERVERS === '1' || reuse) return;
    await stopServers({ log: (m) => log(m) });
  };
}
