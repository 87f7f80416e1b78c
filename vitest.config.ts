import { defineConfig } from 'vitest/config';

// Unit tests (`*.test.ts`) are pure and fast. Integration tests (`*.int.test.ts`) talk to a real Redis (see
// packages/testing/src/global-setup.ts), the Genesys simulator over HTTP, and real child processes.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,packages,bench,tests,integrations}/**/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          // Unit tests run first: a broken decision fails in a second, before any process is started.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,packages,bench,tests,integrations}/**/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['packages/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Process-killing tests measure recovery times; two cores shared by many files would blur them.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
