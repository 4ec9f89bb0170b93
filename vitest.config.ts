import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and browser end-to-end tests that start
// the app's dev server and Chromium (`vitest --project unit` runs the first alone).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts', '**/*.test.tsx'],
          exclude: ['**/node_modules/**', 'dist/**', 'test/browser/**'],
          testTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          // One file at a time: each starts its own server, Chromium and workers that load the
          // pack, and two cores cannot run them side by side without starving a run.
          fileParallelism: false,
        },
      },
    ],
  },
});
