import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['node_modules/**', 'dist/**', 'test/browser/**'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
