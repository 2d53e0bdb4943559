import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

export default defineConfig({
  ...tsupBase,
  entry: ['src/index.ts', 'src/cli.ts', 'src/testing.ts'],
  // The `./test` helpers use the test runner of the package under test.
  external: ['vitest'],
});
