import { defineConfig } from 'vitest/config';
import SlowFirst from './vitest.sequencer.js';

// One vitest run over the whole workspace, so CI prints one pair of totals.
export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'examples/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time (vitest's default on two cores is one): the container build and the packaging
    // install wait on buildah and npm most of the time, and start first (vitest.sequencer.ts).
    maxWorkers: 2,
    sequence: { sequencer: SlowFirst },
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
