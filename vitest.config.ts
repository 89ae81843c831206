import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // fails the run when a test leaves a file in the working tree
    globalSetup: ['test/helpers/work-tree-guard.ts'],
  },
});
