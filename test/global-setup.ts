/**
 * Once per test run, before any test file: compile the package if the sources changed
 * since the last build, so tests that run the `fastdata` command run what users run
 * (bin/fastdata.js over dist/), never a stale build.
 */
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/ensure-build.js';

export default function setup(): void {
  ensureBuilt(fileURLToPath(new URL('..', import.meta.url)));
}
