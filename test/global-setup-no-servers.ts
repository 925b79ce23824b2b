/**
 * The global setup of vitest.node-lines.config.ts: build as the main setup does, and start
 * no server. That config runs only the suites that need none (unit, e2e), so the
 * integration suites are not skipped there but left out of the run, in CI too.
 */
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from '../scripts/ensure-build.js';

export default function setup(project: TestProject): void {
  ensureBuilt(fileURLToPath(new URL('..', import.meta.url)));
  project.provide('kafkaBrokers', undefined);
  project.provide('registryUrl', undefined);
  project.provide('cassandraContactPoints', undefined);
  project.provide('cassandraDataCenter', undefined);
}
