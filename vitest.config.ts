import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the package by its public names, resolved to the sources, so a test
// exercises the code as a model author's module sees it without a build step.
const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^fastdata$/, replacement: src('index.ts') },
      { find: /^fastdata\/testing$/, replacement: src('testing/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Generous: a test that spawns the CLI (a type check, a dev server) took 30-70 s on a
    // 2-core machine under three times its usual load; a hang still fails, a minute later.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: files in parallel, but not so many that timing-sensitive
    // (condition-polling) integration tests starve.
    maxWorkers: 2,
  },
});
