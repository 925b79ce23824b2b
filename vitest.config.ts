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
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: files in parallel, but not so many that timing-sensitive
    // (condition-polling) integration tests starve.
    maxWorkers: 2,
  },
});
