import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Native and optional drivers stay as imports: loaded only by the backend that needs them.
  external: ['better-sqlite3', 'pg', 'ioredis'],
});
