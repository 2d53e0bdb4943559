import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

export default defineConfig({
  ...tsupBase,
  entry: ['src/index.ts'],
  // Native and optional drivers stay as imports: loaded only by the backend that needs them.
  external: ['better-sqlite3', 'pg', 'ioredis'],
});
